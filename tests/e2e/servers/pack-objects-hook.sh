#!/bin/sh
# uploadpack.packObjectsHook for the test git servers (git daemon, and
# git-http-backend under lighttpd): git runs this as `HOOK git pack-objects
# ARGS...` for every fetch that needs objects. It
#  - appends the number of objects each fetch was sent to $STATE/packs.log
#    (from the pack header: "PACK", version, count as a 32-bit big-endian
#    number), which is how the tests prove that a second fetch got only the
#    new objects: counted by the server, not guessed from timing;
#  - when $STATE/fault exists, sends the first half of the pack and then
#      kill-server  kills the whole server (pid in $STATE/server.pid) as if
#                   it crashed mid-clone;
#      stall        stops sending and waits (the grader's fetch timeout must
#                   end the fetch; the test stops the server afterwards);
#      cut-once     ends this connection only (its upload-pack dies), and
#                   removes the fault, so the next attempt succeeds.
# git only honours this hook from the system or global config, never the
# repository's: the servers get GIT_CONFIG_GLOBAL pointing at theirs.
set -eu
state="${IPC_GIT_SERVER_STATE:?IPC_GIT_SERVER_STATE is not set}"
pack="$(mktemp "$state/pack.XXXXXX")"
trap 'rm -f -- "$pack"' EXIT
# pack-objects reads the wanted and common commits on stdin, inherited.
"$@" >"$pack"
# shellcheck disable=SC2046  # od prints four numbers, split on purpose
set -- $(od -An -tu1 -j8 -N4 "$pack")
echo $(((${1} << 24) | (${2} << 16) | (${3} << 8) | ${4})) >>"$state/packs.log"

fault=""
if [ -f "$state/fault" ]; then fault="$(cat "$state/fault")"; fi
if [ -z "$fault" ]; then
  cat -- "$pack"
  exit 0
fi
size="$(wc -c <"$pack")"
head -c "$((size / 2))" -- "$pack"
echo "$fault" >>"$state/faults.log"
case "$fault" in
  kill-server)
    # The server runs in its own process group, so this takes its CGI and
    # upload-pack children (and us) with it.
    # (dash's kill takes no "--"; a negative pid is the group.)
    kill -9 "-$(cat "$state/server.pid")"
    ;;
  stall)
    # Not `sleep` in the foreground of a pipe: exec, so the server's stop
    # (SIGKILL to its process group) ends it and no orphan remains.
    exec sleep 3600
    ;;
  cut-once)
    rm -f -- "$state/fault"
    # Our parent is upload-pack or the `sh -c` it started us through; either
    # way upload-pack loses its pack mid-stream and ends the connection
    # with half the pack sent, while the server itself stays up.
    kill -KILL "$PPID"
    exit 1
    ;;
esac
exit 1
