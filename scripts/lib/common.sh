# shellcheck shell=bash disable=SC2034  # STEP_LOG is read by the step functions (other files)
# Shared by scripts/setup.sh, scripts/demo, scripts/test (sourced, not run).
# Paths, image names, and the step runner that prints one line per step.

IPC_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
IPC_BUILD_DIR="${IPC_BUILD_DIR:-build}"
[[ "$IPC_BUILD_DIR" == /* ]] || IPC_BUILD_DIR="$IPC_ROOT/$IPC_BUILD_DIR"
IPC_LOG_DIR="$IPC_BUILD_DIR/setup-logs"

# The rubric's image, and the tag of the stand-in built from Debian packages
# where no registry answers (rubrics/ipc-project.yaml lists it as the fallback).
IPC_UPSTREAM_IMAGE="python:latest"
IPC_LOCAL_IMAGE="ipc-grader/python:bookworm"

# dockerd, ip and iptables live in sbin, which a non-login root shell may lack.
PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

# The image the grader will end up using, for tests that start containers
# themselves: the rubric's image when present, else the stand-in.
ipc_grading_image() {
  if docker image inspect "$IPC_UPSTREAM_IMAGE" >/dev/null 2>&1; then
    echo "$IPC_UPSTREAM_IMAGE"
  else
    echo "$IPC_LOCAL_IMAGE"
  fi
}

ipc_now_ms() { echo $(($(date +%s%N) / 1000000)); }

# Set by a step function: STEP_NOTE is appended to the ok line, STEP_ERROR is
# the failure text ("<what>. Fix: <how>"), STEP_DETAIL (optional) is shown
# after it instead of the log's tail. STEP_LOG is the step's log file.
STEP_NOTE=""
STEP_ERROR=""
STEP_DETAIL=""
STEP_LOG=""

# ipc_step NAME FUNCTION [TAIL]: runs FUNCTION with its output in
# $IPC_LOG_DIR/<slug>.log and prints `setup: NAME... ok (N s)`; on failure
# prints the error and STEP_DETAIL or the log's last TAIL lines, then exits 1.
# Step functions check every command themselves: errexit does not apply inside
# a function called from a condition.
ipc_step() {
  local name="$1" fn="$2" tail_lines="${3:-15}" slug log start ms rc=0
  slug="$(tr -c 'a-z0-9\n' '-' <<<"${name,,}")"
  mkdir -p "$IPC_LOG_DIR" || { echo "setup: cannot create $IPC_LOG_DIR" >&2; exit 1; }
  log="$IPC_LOG_DIR/$slug.log"
  : >"$log"
  STEP_NOTE="" STEP_ERROR="" STEP_DETAIL="" STEP_LOG="$log"
  start="$(ipc_now_ms)"
  "$fn" >>"$log" 2>&1 </dev/null || rc=$?
  ms=$(($(ipc_now_ms) - start))
  local took="$((ms / 1000)).$(((ms % 1000) / 100)) s"
  if ((rc == 0)); then
    echo "setup: $name... ok ($took${STEP_NOTE:+; $STEP_NOTE})"
    return 0
  fi
  echo "setup: $name: FAILED after $took: ${STEP_ERROR:-exit status $rc (no message; see $log)}" >&2
  if [[ -n "$STEP_DETAIL" ]]; then
    head -n "$tail_lines" <<<"$STEP_DETAIL" | sed 's/^/  | /' >&2
  elif [[ -s "$log" ]]; then
    echo "setup: last lines of $log:" >&2
    tail -n "$tail_lines" "$log" | sed 's/^/  | /' >&2
  fi
  exit 1
}
