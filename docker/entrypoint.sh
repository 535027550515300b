#!/bin/sh
# Entry point of the grader image (docker-compose.yml, service `grader`).
#
#  1. Results belong to the person who runs the grader, not to root: the
#     grader runs as IPC_UID:IPC_GID when set, else as the owner of /out
#     (the host folder, so normally whoever created it), else, when /out is
#     root's (the engine creates a missing bind-mount source as root), as the
#     owner of /data, and then /out itself is handed to that user. Compose's
#     own `user: "${UID}:${GID}"` is not used: shells do not export UID/GID,
#     so it would silently run as root.
#  2. The grader keeps access to the engine: it also gets the group that
#     owns the mounted socket (a numeric gid; it need not exist in the image).
#  3. `grade` and `batch` write to /out and keep their git mirrors in /cache
#     (a named volume: the next run fetches only what changed), unless the
#     command names --out / --cache itself.
# Everything else is passed to the grader unchanged (try `--help`).
set -eu

sock=/var/run/docker.sock
if [ ! -S "$sock" ]; then
  echo "grader image: no Docker socket at $sock. Fix: mount the host's socket (docker-compose.yml does: IPC_DOCKER_SOCKET, default /var/run/docker.sock)." >&2
  exit 2
fi

owner() { stat -c '%u:%g' "$1"; }

if [ -n "${IPC_UID:-}" ]; then
  ids="$IPC_UID:${IPC_GID:-$IPC_UID}"
elif [ -d /out ] && [ "$(owner /out)" != "0:0" ]; then
  ids="$(owner /out)"
elif [ -d /data ]; then
  ids="$(owner /data)"
else
  ids="0:0"
fi
uid="${ids%%:*}"
gid="${ids#*:}"

case "${1:-}" in
  grade | batch)
    has_out=0
    has_cache=0
    for a in "$@"; do
      case "$a" in
        --out | --out=*) has_out=1 ;;
        --cache | --cache=*) has_cache=1 ;;
      esac
    done
    sub="$1"
    shift
    [ "$has_cache" = 1 ] || set -- --cache /cache "$@"
    [ "$has_out" = 1 ] || set -- --out /out "$@"
    set -- "$sub" "$@"
    ;;
esac

if [ "$uid" = 0 ]; then
  exec /opt/ipc-grader/bin/grader "$@"
fi

# Only the top of each folder changes hands: /out when the engine created it
# for us, the cache volume when an earlier run used another user.
if [ -d /out ] && [ "$(stat -c %u /out)" = 0 ]; then chown "$uid:$gid" /out; fi
if [ -d /cache ] && [ "$(stat -c %u /cache)" != "$uid" ]; then chown -R "$uid:$gid" /cache; fi

# HOME: libgit2 reads ~/.gitconfig and ~/.ssh/known_hosts from there; an
# ssh known_hosts mounted at /ssh/known_hosts is copied in (see docs/GITLAB.md).
home=/tmp/ipc-grader-home
mkdir -p "$home/.ssh"
if [ -f /ssh/known_hosts ]; then cp /ssh/known_hosts "$home/.ssh/known_hosts"; fi
chown -R "$uid:$gid" "$home"
chmod 0700 "$home" "$home/.ssh"

exec setpriv --reuid="$uid" --regid="$gid" --groups="$(stat -c %g "$sock")" \
  --no-new-privs env HOME="$home" /opt/ipc-grader/bin/grader "$@"
