# shellcheck shell=bash disable=SC2034  # STEP_NOTE/STEP_ERROR are read by ipc_step (common.sh)
# Step "docker engine": make sure a Docker engine answers. Respects DOCKER_HOST
# (a remote engine: only checked), reuses a running dockerd, tries systemd, and
# otherwise starts Debian's dockerd in the background (CI machines have no init).

IPC_DOCKERD_LOG="${IPC_DOCKERD_LOG:-/var/log/ipc-grader-dockerd.log}"
IPC_ENGINE_WAIT_S=60
# The engine we start maps container root to an unprivileged range of host
# uids (dockerd --userns-remap; the user "dockremap" and its /etc/subuid and
# /etc/subgid ranges are created by dockerd on first start): a container escape
# then lands as nobody, not as host root. IPC_USERNS_REMAP=off starts dockerd
# without it (a kernel without user namespaces); another value names the
# user to remap to, as dockerd's flag does. An engine we did not start is
# never changed: the grader says on each run what it gives.
IPC_USERNS_REMAP="${IPC_USERNS_REMAP:-default}"
IPC_DOCKER_DAEMON_JSON="/etc/docker/daemon.json"

# Prints docker info's error (empty on success); status says whether it answered.
ipc_engine_error() {
  local err
  err="$(timeout 10 docker info 2>&1 >/dev/null)" && return 0
  echo "${err:-docker info timed out after 10 s}" | tail -n 1
  return 1
}

ipc_alive() {
  local state
  state="$(ps -o stat= -p "$1" 2>/dev/null)" && [[ "$state" != Z* ]]
}

# ipc_wait_engine PID|"": poll until the engine answers (0), PID exits (1) or
# IPC_ENGINE_WAIT_S pass (2). Polling is the only way: dockerd offers no
# readiness notification outside systemd.
ipc_wait_engine() {
  local pid="$1" deadline=$((SECONDS + IPC_ENGINE_WAIT_S))
  while ((SECONDS < deadline)); do
    ipc_engine_error >/dev/null && return 0
    if [[ -n "$pid" ]] && ! ipc_alive "$pid"; then return 1; fi
    sleep 1
  done
  return 2
}

# Docker's default bridge network needs a bridge device and iptables NAT; where
# either is missing dockerd refuses to start unless told --bridge=none. Grading
# containers run with --network none, so they lose nothing without the bridge.
ipc_host_offers_bridge() {
  command -v ip >/dev/null && command -v iptables >/dev/null || return 1
  ip link del ipcgprobe0 >/dev/null 2>&1 || true
  ip link add ipcgprobe0 type bridge >/dev/null 2>&1 || return 1
  ip link del ipcgprobe0 >/dev/null 2>&1 || true
  iptables -t nat -S >/dev/null 2>&1
}

# Prints the user-namespace flag for dockerd, one word, or nothing: when
# IPC_USERNS_REMAP is off, or when daemon.json already sets userns-remap
# (dockerd refuses a setting given both ways: "conflicting options").
ipc_dockerd_userns_flags() {
  [[ "$IPC_USERNS_REMAP" == off || "$IPC_USERNS_REMAP" == 0 ]] && return 0
  grep -qs '"userns-remap"' "$IPC_DOCKER_DAEMON_JSON" && return 0
  echo "--userns-remap=$IPC_USERNS_REMAP"
}

# What ipc_start_dockerd's engine gives, for the step's note.
ipc_userns_note() {
  if [[ "$IPC_USERNS_REMAP" == off || "$IPC_USERNS_REMAP" == 0 ]]; then
    echo "without user namespaces (IPC_USERNS_REMAP=$IPC_USERNS_REMAP): container root is host root"
  else
    echo "with userns-remap: container root is an unprivileged host user"
  fi
}

# ipc_start_dockerd FLAGS...: starts dockerd with the user-namespace flag and
# FLAGS (scripts/userns-engine.sh starts a second engine through here too, with
# its own sockets and data root); same statuses as ipc_wait_engine.
ipc_start_dockerd() {
  local -a flags
  read -r -a flags <<<"$(ipc_dockerd_userns_flags)"
  flags+=("$@")
  echo "=== $(date -u +%FT%TZ) scripts/setup.sh starts: dockerd ${flags[*]}" >>"$IPC_DOCKERD_LOG"
  # setsid + nohup + own log: the engine outlives this script, its terminal and
  # the CI step, and holds none of our pipes open (a `| tee` would never end).
  setsid nohup dockerd "${flags[@]}" >>"$IPC_DOCKERD_LOG" 2>&1 </dev/null &
  IPC_DOCKERD_PID=$!
  ipc_wait_engine "$IPC_DOCKERD_PID"
}

# docker.service reads its settings from daemon.json only. Without one we
# write {"userns-remap": ...}; an existing file is the machine owner's and is
# left as it is (the note says so).
ipc_systemd_userns() {
  [[ "$IPC_USERNS_REMAP" == off || "$IPC_USERNS_REMAP" == 0 ]] && return 0
  [[ -e "$IPC_DOCKER_DAEMON_JSON" ]] && return 0
  mkdir -p "$(dirname "$IPC_DOCKER_DAEMON_JSON")" &&
    printf '{"userns-remap": "%s"}\n' "$IPC_USERNS_REMAP" >"$IPC_DOCKER_DAEMON_JSON"
}

ipc_dockerd_failure() {  # $1 = what happened
  echo "last lines of $IPC_DOCKERD_LOG:"
  tail -n 8 "$IPC_DOCKERD_LOG"
  STEP_ERROR="$1 (see $IPC_DOCKERD_LOG): $(tail -n 1 "$IPC_DOCKERD_LOG"). Fix: read the log; usually another engine holds /var/run/docker.pid or /var/lib/docker (stop it), or the kernel lacks overlayfs/cgroups, or (for an error about userns, subuid or dockremap) user namespaces: rerun with IPC_USERNS_REMAP=off; or point DOCKER_HOST at a working engine"
  return 1
}

ipc_step_engine() {
  local err
  if [[ -n "${DOCKER_HOST:-}" ]]; then
    if err="$(ipc_engine_error)"; then
      STEP_NOTE="DOCKER_HOST=$DOCKER_HOST"
      return 0
    fi
    STEP_ERROR="DOCKER_HOST=$DOCKER_HOST is set but no engine answers there: $err. Fix: start that engine, or unset DOCKER_HOST to use a local one"
    return 1
  fi
  if ! command -v docker >/dev/null; then
    STEP_ERROR="no docker client on PATH. Fix: run scripts/setup.sh as root (installs docker.io), or install Docker"
    return 1
  fi
  err="$(ipc_engine_error)" && { STEP_NOTE="already running"; return 0; }
  echo "docker info: $err"

  if ((EUID != 0)); then
    if [[ "$err" == *"permission denied"* ]]; then
      local user
      user="$(id -un 2>/dev/null || echo "\$USER")"
      STEP_ERROR="an engine runs but user $user may not use its socket: $err. Fix: sudo usermod -aG docker $user, then log in again (or run: newgrp docker)"
    else
      STEP_ERROR="no Docker engine answers: $err. Fix: run 'sudo scripts/setup.sh' once (it starts dockerd), or 'sudo systemctl start docker', or start Docker Desktop"
    fi
    return 1
  fi

  # A dockerd that is still starting (or was started by docker.io's init script):
  # wait for it instead of starting a second one on the same pid file.
  local running
  if running="$(pgrep -x dockerd)"; then
    ipc_wait_engine "$(head -n 1 <<<"$running")" && { STEP_NOTE="waited for running dockerd"; return 0; }
    STEP_ERROR="dockerd runs (pid $(tr '\n' ' ' <<<"$running")) but does not answer after ${IPC_ENGINE_WAIT_S} s: $(ipc_engine_error). Fix: stop it (kill <pid>) and rerun scripts/setup.sh"
    return 1
  fi
  if [[ -d /run/systemd/system ]] && command -v systemctl >/dev/null; then
    ipc_systemd_userns || echo "could not write $IPC_DOCKER_DAEMON_JSON"
    if systemctl start docker.service && ipc_wait_engine ""; then
      if grep -qs '"userns-remap"' "$IPC_DOCKER_DAEMON_JSON"; then
        STEP_NOTE="started docker.service with userns-remap ($IPC_DOCKER_DAEMON_JSON)"
      else
        STEP_NOTE="started docker.service; container root is host root (no userns-remap in $IPC_DOCKER_DAEMON_JSON)"
      fi
      return 0
    fi
    echo "systemctl start docker.service did not give an engine; starting dockerd by hand"
  fi
  if ! command -v dockerd >/dev/null; then
    STEP_ERROR="no engine answers and dockerd is not installed. Fix: apt-get install docker.io (scripts/setup.sh does unless another engine is installed), or start your engine"
    return 1
  fi

  local rc=0
  if ipc_host_offers_bridge; then
    ipc_start_dockerd || rc=$?
    ((rc == 0)) && { STEP_NOTE="started dockerd $(ipc_userns_note), log $IPC_DOCKERD_LOG"; return 0; }
    ((rc == 2)) && { ipc_dockerd_failure "dockerd started but did not answer within ${IPC_ENGINE_WAIT_S} s"; return 1; }
    echo "dockerd with the default bridge exited; retrying without bridge networking"
  fi
  rc=0
  ipc_start_dockerd --iptables=false --bridge=none || rc=$?
  ((rc == 0)) && { STEP_NOTE="started dockerd --iptables=false --bridge=none (no bridge networking on this host) $(ipc_userns_note), log $IPC_DOCKERD_LOG"; return 0; }
  if ((rc == 2)); then
    ipc_dockerd_failure "dockerd started but did not answer within ${IPC_ENGINE_WAIT_S} s"
  else
    ipc_dockerd_failure "no Docker engine answers and dockerd could not start"
  fi
}
