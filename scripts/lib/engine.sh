# shellcheck shell=bash disable=SC2034  # STEP_NOTE/STEP_ERROR are read by ipc_step (common.sh)
# Step "docker engine": make sure a Docker engine answers. Respects DOCKER_HOST
# (a remote engine: only checked), reuses a running dockerd, tries systemd, and
# otherwise starts Debian's dockerd in the background (CI machines have no init).

IPC_DOCKERD_LOG="/var/log/ipc-grader-dockerd.log"
IPC_ENGINE_WAIT_S=60

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

# ipc_start_dockerd FLAGS...: same statuses as ipc_wait_engine.
ipc_start_dockerd() {
  echo "=== $(date -u +%FT%TZ) scripts/setup.sh starts: dockerd $*" >>"$IPC_DOCKERD_LOG"
  # setsid + nohup + own log: the engine outlives this script, its terminal and
  # the CI step, and holds none of our pipes open (a `| tee` would never end).
  setsid nohup dockerd "$@" >>"$IPC_DOCKERD_LOG" 2>&1 </dev/null &
  ipc_wait_engine "$!"
}

ipc_dockerd_failure() {  # $1 = what happened
  echo "last lines of $IPC_DOCKERD_LOG:"
  tail -n 8 "$IPC_DOCKERD_LOG"
  STEP_ERROR="$1 (see $IPC_DOCKERD_LOG): $(tail -n 1 "$IPC_DOCKERD_LOG"). Fix: read the log; usually another engine holds /var/run/docker.pid or /var/lib/docker (stop it), or the kernel lacks overlayfs/cgroups; or point DOCKER_HOST at a working engine"
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
    if systemctl start docker.service && ipc_wait_engine ""; then
      STEP_NOTE="started docker.service"
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
    ((rc == 0)) && { STEP_NOTE="started dockerd, log $IPC_DOCKERD_LOG"; return 0; }
    ((rc == 2)) && { ipc_dockerd_failure "dockerd started but did not answer within ${IPC_ENGINE_WAIT_S} s"; return 1; }
    echo "dockerd with the default bridge exited; retrying without bridge networking"
  fi
  rc=0
  ipc_start_dockerd --iptables=false --bridge=none || rc=$?
  ((rc == 0)) && { STEP_NOTE="started dockerd --iptables=false --bridge=none (no bridge networking on this host), log $IPC_DOCKERD_LOG"; return 0; }
  if ((rc == 2)); then
    ipc_dockerd_failure "dockerd started but did not answer within ${IPC_ENGINE_WAIT_S} s"
  else
    ipc_dockerd_failure "no Docker engine answers and dockerd could not start"
  fi
}
