#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# scripts/userns-engine.sh start|stop|purge [NAME]
#
# A second Docker engine beside the machine's own, started by the same code as
# scripts/setup.sh's (scripts/lib/engine.sh, so with --userns-remap unless
# IPC_USERNS_REMAP=off), with its own socket, data root, exec root and pid file:
#   socket   unix:///run/NAME.sock      data root  /var/lib/NAME
#   exec     /run/NAME                  log        /var/log/NAME.log
# NAME defaults to docker-userns. It is for trying the grader and its tests on
# a user-namespaced engine without touching the one everybody uses:
#   sudo scripts/userns-engine.sh start
#   export DOCKER_HOST=unix:///run/docker-userns.sock
#   scripts/setup.sh                  # the grading image, built inside it
#   ctest --test-dir build -L e2e     # compose: also IPC_DOCKER_SOCKET=/run/docker-userns.sock
#   sudo scripts/userns-engine.sh stop     # the engine; `purge` also deletes its data root
# Needs root. `start` prints the DOCKER_HOST line to use.
set -euo pipefail

lib="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib"
# shellcheck source=lib/common.sh
source "$lib/common.sh"
# shellcheck source=lib/engine.sh
source "$lib/engine.sh"

cmd="${1:-}"
name="${2:-docker-userns}"
case "$cmd" in
  start | stop | purge) ;;
  -h | --help) sed -n '2,18p' "${BASH_SOURCE[0]}"; exit 0 ;;
  *) sed -n '2,18p' "${BASH_SOURCE[0]}" >&2; exit 2 ;;
esac
[[ "$name" =~ ^[a-z0-9][a-z0-9_-]*$ ]] || { echo "$0: bad engine name '$name'" >&2; exit 2; }
if ((EUID != 0)); then
  echo "$0: needs root (it starts dockerd). Fix: sudo $0 $*" >&2
  exit 1
fi

sock="/run/$name.sock"
exec_root="/run/$name"
data_root="/var/lib/$name"
pidfile="/run/$name.pid"
export DOCKER_HOST="unix://$sock"
IPC_DOCKERD_LOG="/var/log/$name.log"

stop_engine() {
  local pid
  pid="$(cat "$pidfile" 2>/dev/null || true)"
  if [[ -n "$pid" ]] && ipc_alive "$pid"; then
    # Its containers first: dockerd leaves them to containerd otherwise.
    docker ps -aq | xargs -r docker rm -f -v >/dev/null || true
    kill -TERM "$pid"
    # dockerd stops its containerd and removes its pid file on the way out.
    local i
    for ((i = 0; i < 60; i++)); do ipc_alive "$pid" || break; sleep 1; done
    ipc_alive "$pid" && { echo "$0: dockerd $pid still runs after 60 s; kill -9 $pid" >&2; return 1; }
  fi
  echo "stopped $name"
}

case "$cmd" in
  start)
    if ipc_engine_error >/dev/null; then
      echo "$name already answers; export DOCKER_HOST=$DOCKER_HOST"
      exit 0
    fi
    mkdir -p "$data_root" "$exec_root"
    rc=0
    ipc_start_dockerd --data-root "$data_root" --exec-root "$exec_root" --pidfile "$pidfile" \
      -H "$DOCKER_HOST" --iptables=false --bridge=none || rc=$?
    if ((rc != 0)); then
      ipc_dockerd_failure "dockerd $name did not answer" || true
      echo "$0: $STEP_ERROR" >&2
      exit 1
    fi
    echo "started $name (pid $IPC_DOCKERD_PID, $(ipc_userns_note)); log $IPC_DOCKERD_LOG"
    echo "security options: $(docker info --format '{{json .SecurityOptions}}')"
    echo "export DOCKER_HOST=$DOCKER_HOST"
    ;;
  stop) stop_engine ;;
  purge)
    stop_engine
    # Mounts of a crashed engine would make rm fail half-way.
    grep -oE " ($data_root|$exec_root)/[^ ]*" /proc/mounts | sort -r | xargs -r -n1 umount -l || true
    rm -rf -- "$data_root" "$exec_root"
    echo "removed $data_root"
    ;;
esac
