# shellcheck shell=bash disable=SC2034  # STEP_NOTE/STEP_ERROR are read by ipc_step (common.sh)
# Step "grading image": python:latest where a registry answers, otherwise the
# stand-in ipc-grader/python:bookworm built offline from Debian packages.

IPC_IMAGE_CACHE="/var/cache/ipc-grader"
IPC_IMAGE_SUITE="bookworm"
# What the assignment's scripts use inside python:latest: python, gcc + make
# (make compile), adduser/su/login (the DD test), ps/kill (procps), tar.
IPC_IMAGE_INCLUDE="python3,python-is-python3,gcc,libc6-dev,make,adduser,passwd,login,procps,tar"
# python:latest's own settings. LANG matters: with LANG unset, Python decodes
# stdin as ASCII and cat.py would crash on input python:latest accepts.
IPC_IMAGE_CHANGES=(
  'ENV LANG=C.UTF-8'
  'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
  'WORKDIR /root'
  'CMD ["bash"]'
)
IPC_RECIPE_LABEL="io.ipc-grader.image-recipe"

# A hash of the recipe above, stored as a label: editing the recipe (or an image
# imported by hand without it, e.g. without LANG) makes setup rebuild the image.
ipc_image_recipe() {
  printf '%s\n' "$IPC_IMAGE_SUITE" "$IPC_IMAGE_INCLUDE" "${IPC_IMAGE_CHANGES[@]}" |
    sha256sum | cut -c1-16
}

# Prints why the local stand-in is not current ("" when it is); status 0 = current.
ipc_local_image_problem() {
  local got env
  if ! got="$(docker image inspect -f "{{index .Config.Labels \"$IPC_RECIPE_LABEL\"}}" "$IPC_LOCAL_IMAGE" 2>/dev/null)"; then
    echo "absent"
    return 1
  fi
  [[ "$got" == "$(ipc_image_recipe)" ]] && return 0
  env="$(docker image inspect -f '{{.Config.Env}}' "$IPC_LOCAL_IMAGE" 2>/dev/null)"
  if [[ "$env" != *LANG=C.UTF-8* ]]; then
    echo "stale: no LANG=C.UTF-8 in its Env $env"
  else
    echo "stale: recipe '${got:-none}', want '$(ipc_image_recipe)'"
  fi
  return 1
}

ipc_build_local_image() {
  local recipe tar old_id new_id change
  recipe="$(ipc_image_recipe)"
  if ((EUID != 0)); then
    STEP_ERROR="no registry answers and building $IPC_LOCAL_IMAGE needs root (mmdebstrap). Fix: run 'sudo scripts/setup.sh' once"
    return 1
  fi
  if ! command -v mmdebstrap >/dev/null; then
    STEP_ERROR="no registry answers and mmdebstrap is missing. Fix: apt-get install mmdebstrap"
    return 1
  fi
  if ! mkdir -p "$IPC_IMAGE_CACHE"; then
    STEP_ERROR="cannot create $IPC_IMAGE_CACHE. Fix: check permissions and free disk space"
    return 1
  fi
  tar="$IPC_IMAGE_CACHE/rootfs-$recipe.tar"
  rm -f "$IPC_IMAGE_CACHE"/rootfs-*.partial.tar  # a crashed run's leftovers
  if [[ ! -s "$tar" ]]; then
    # Written under a temporary name and renamed: a complete tar means a
    # successful mmdebstrap, so an interrupted run is never imported.
    if ! mmdebstrap --variant=minbase --format=tar --include="$IPC_IMAGE_INCLUDE" \
      "$IPC_IMAGE_SUITE" "$IPC_IMAGE_CACHE/rootfs-$recipe.partial.tar" </dev/null; then
      rm -f "$IPC_IMAGE_CACHE/rootfs-$recipe.partial.tar"
      STEP_ERROR="mmdebstrap could not build the $IPC_IMAGE_SUITE rootfs. Fix: check access to deb.debian.org and security.debian.org and ~1 GB free in ${TMPDIR:-/tmp} and $IPC_IMAGE_CACHE"
      return 1
    fi
    mv "$IPC_IMAGE_CACHE/rootfs-$recipe.partial.tar" "$tar" || return 1
  fi

  old_id="$(docker image inspect -f '{{.Id}}' "$IPC_LOCAL_IMAGE" 2>/dev/null || true)"
  local -a args=(--change "LABEL $IPC_RECIPE_LABEL=$recipe")
  for change in "${IPC_IMAGE_CHANGES[@]}"; do args+=(--change "$change"); done
  if ! new_id="$(docker import "${args[@]}" "$tar" "$IPC_LOCAL_IMAGE")"; then
    STEP_ERROR="docker import of $tar failed. Fix: check free space under the engine's data root (docker info) and rerun"
    return 1
  fi
  rm -f "$tar"  # ~400 MB; the image holds the same bytes
  echo "imported $IPC_LOCAL_IMAGE as $new_id"
  if [[ -n "$old_id" && "$old_id" != "$new_id" ]]; then
    # Without -f: an image still used by a container stays (and is reported).
    docker rmi "$old_id" || echo "kept the previous image $old_id: still in use"
  fi

  # The tools the assignment's scripts need, checked once after a build.
  if ! docker run --rm --network none "$IPC_LOCAL_IMAGE" sh -c \
    'python -c "import sys; assert sys.stdin.encoding == \"utf-8\", sys.stdin.encoding" </dev/null &&
     gcc --version && make --version &&
     for t in adduser su ps tar; do command -v "$t" || exit 1; done'; then
    STEP_ERROR="the new $IPC_LOCAL_IMAGE lacks a tool the assignment needs (python with UTF-8 stdin, gcc, make, adduser, su, ps, tar). Fix: see the log; check IPC_IMAGE_INCLUDE in scripts/lib/image.sh"
    return 1
  fi
}

ipc_step_image() {
  if docker image inspect "$IPC_UPSTREAM_IMAGE" >/dev/null 2>&1; then
    STEP_NOTE="$IPC_UPSTREAM_IMAGE present"
    return 0
  fi
  local problem
  if problem="$(ipc_local_image_problem)"; then
    STEP_NOTE="$IPC_LOCAL_IMAGE present ($IPC_UPSTREAM_IMAGE not pulled)"
    return 0
  fi
  echo "$IPC_LOCAL_IMAGE: $problem"
  if timeout 20 docker pull "$IPC_UPSTREAM_IMAGE"; then
    STEP_NOTE="pulled $IPC_UPSTREAM_IMAGE"
    return 0
  fi
  echo "no registry answers for $IPC_UPSTREAM_IMAGE; building $IPC_LOCAL_IMAGE from Debian packages (~1 min)"
  ipc_build_local_image || return 1
  STEP_NOTE="built $IPC_LOCAL_IMAGE from Debian $IPC_IMAGE_SUITE (was $problem; no registry answers)"
}
