# shellcheck shell=bash disable=SC2034  # STEP_NOTE/STEP_ERROR are read by ipc_step (common.sh)
# Step "packages": install the Debian packages of scripts/packages.txt that are
# missing. A ready machine costs one dpkg-query and no apt work at all.

IPC_PACKAGES_FILE="$IPC_ROOT/scripts/packages.txt"

# ipc_package_list required|optional: the names in packages.txt, one a line.
ipc_package_list() {
  local want="$1" line words
  while IFS= read -r line || [[ -n "$line" ]]; do
    read -r -a words <<<"${line%%#*}"
    ((${#words[@]})) || continue
    if [[ "${words[0]}" != optional: ]]; then
      if [[ "$want" == required ]]; then echo "${words[0]}"; fi
    elif [[ "$want" == optional && -n "${words[1]:-}" ]]; then
      echo "${words[1]}"
    fi
  done <"$IPC_PACKAGES_FILE"
}

# True when an engine other than Debian's docker.io is (or may be) in use:
# installing docker.io next to Docker CE would remove Docker CE's packages.
ipc_other_engine_present() {
  [[ -n "${DOCKER_HOST:-}" ]] && return 0
  dpkg-query -W -f='${Status}\n' docker-ce moby-engine 2>/dev/null | grep -q 'install ok installed' && return 0
  command -v docker >/dev/null && timeout 10 docker info >/dev/null 2>&1
}

ipc_step_packages() {
  if ! command -v dpkg-query >/dev/null || ! command -v apt-get >/dev/null; then
    STEP_NOTE="skipped: not a Debian system; install the equivalents of scripts/packages.txt yourself"
    return 0
  fi
  local -a wanted missing=()
  mapfile -t wanted < <(ipc_package_list required)
  if [[ "${IPC_WITH_OPTIONAL:-0}" == 1 ]]; then
    mapfile -t -O "${#wanted[@]}" wanted < <(ipc_package_list optional)
  fi
  # One dpkg-query for all: packages dpkg has never seen print nothing (and a
  # warning on stderr), so "missing" is "not listed as installed".
  local installed
  installed=" $(dpkg-query -W -f='${Package} ${Status}\n' "${wanted[@]}" 2>/dev/null |
    awk '$NF == "installed" && $(NF-1) == "ok" { printf "%s ", $1 }')"
  local p
  for p in "${wanted[@]}"; do
    [[ "$installed" == *" $p "* ]] && continue
    if [[ "$p" == docker.io ]] && ipc_other_engine_present; then
      echo "not installing docker.io: another Docker engine is installed or answers"
      continue
    fi
    missing+=("$p")
  done
  if ((${#missing[@]} == 0)); then
    STEP_NOTE="${#wanted[@]} present"
    return 0
  fi
  echo "missing: ${missing[*]}"

  local -a as_root=()
  if ((EUID != 0)); then
    if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
      as_root=(sudo -n)
    else
      STEP_ERROR="missing packages: ${missing[*]}. Fix: run scripts/setup.sh as root, or: sudo apt-get install -y ${missing[*]}"
      return 1
    fi
  fi
  # The lock timeout rides out a concurrent apt run (unattended-upgrades) instead of failing.
  local -a apt=("${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -q -o DPkg::Lock::Timeout=300)
  if ! "${apt[@]}" update; then
    STEP_ERROR="apt-get update failed (missing: ${missing[*]}). Fix: check network access to the Debian archive and /etc/apt/sources.list*"
    return 1
  fi
  if ! "${apt[@]}" install -y "${missing[@]}"; then
    STEP_ERROR="apt-get install failed for: ${missing[*]}. Fix: see the apt error below; Debian 12 'main' must be in /etc/apt/sources.list*"
    return 1
  fi
  hash -r  # a freshly installed docker/cmake must be found by this shell
  STEP_NOTE="installed ${missing[*]}"
}
