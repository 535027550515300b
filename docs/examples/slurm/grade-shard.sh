#!/bin/bash
# One task of the Slurm job array that grades a class: task K grades shard
# K/N of the roster (`grader batch --shard K/N`) into RESULTS/shard-K, and
# writes RESULTS/shard-K.done when the shard ran to the end. submit.sh
# submits it (sbatch --array=1-N) with IPC_GRADE_CONF naming the
# configuration (grade.conf.example); merge.sh runs after every task.
#
# Exit status, as Slurm sees it: 0 when the shard ran to the end, also
# when some of its students could not be graded (the grader's exit 1:
# their result.json and summary.md say why, and rerunning would not help),
# so the merge still runs. Anything else (no engine, an unreadable roster,
# scancel, preemption, node failure) fails the task, the merge waits, and
# the fix is to rerun the task: submit.sh CONF K. The rerun resumes: a
# student whose result is current is not graded again.
#SBATCH --job-name=ipc-grade
#SBATCH --cpus-per-task=2
#SBATCH --requeue
#SBATCH --open-mode=append
set -euo pipefail
set +x  # the token is read below: never trace this script

conf="${IPC_GRADE_CONF:?IPC_GRADE_CONF is not set: submit with submit.sh CONF, or sbatch --export=ALL,IPC_GRADE_CONF=/path/to/grade.conf}"
# shellcheck source=grade.conf.example source-path=SCRIPTDIR
source "$conf"
k="${SLURM_ARRAY_TASK_ID:?not an array task: submit with submit.sh, or sbatch --array=1-N}"
n="$SHARDS"
out="$RESULTS/shard-$k"
done_marker="$RESULTS/shard-$k.done"
rm -f -- "$done_marker"

# The token goes from a file only its owner can read into the grader's
# environment, here on the node: it is in no job script, no command line
# (sbatch stores both, and `scontrol show job` prints them) and no log.
unset IPC_GRADER_TOKEN
if [[ -n "${TOKEN_FILE:-}" ]]; then
  if [[ ! -f "$TOKEN_FILE" || ! -r "$TOKEN_FILE" ]]; then
    echo "grade-shard: TOKEN_FILE $TOKEN_FILE is not a readable file on $(hostname)." \
         "Fix: put the token there (shared home), or set TOKEN_FILE= in $conf" >&2
    exit 2
  fi
  if (( 8#$(stat -c %a -- "$TOKEN_FILE") & 8#077 )); then
    echo "grade-shard: TOKEN_FILE $TOKEN_FILE can be read by others. Fix: chmod 600 $TOKEN_FILE" >&2
    exit 2
  fi
  IFS= read -r IPC_GRADER_TOKEN <"$TOKEN_FILE" || true
  export IPC_GRADER_TOKEN
fi

# Tasks on one node share its container engine. A grader removes the
# leftover containers carrying its label when it starts, so each shard
# gets a label of its own: running tasks never remove each other's
# containers, and a rerun of shard K removes what a killed try left.
export IPC_GRADER_JOB_LABEL="${IPC_GRADER_JOB_LABEL:-ipc}-${JOB_NAME:-ipc-grade}-shard-$k"

cache=()
if [[ -n "${CACHE:-}" ]]; then cache=(--cache "$CACHE"); fi
echo "grade-shard: shard $k/$n on $(hostname), job ${SLURM_ARRAY_JOB_ID:-?}_$k," \
     "try $((${SLURM_RESTART_COUNT:-0} + 1)), into $out"
# Not exec'd: the exit status is mapped below. On scancel or preemption
# Slurm sends SIGTERM to every process of the task, the grader included:
# it kills its containers, keeps finished results and exits 143. The trap
# keeps this shell alive until then (bash runs it after the grader ends):
# a shell that died at once would orphan the grader, and where Slurm finds
# a task's processes by parentage (proctrack/linuxproc) an orphan escapes
# the SIGKILL that follows KillWait, and keeps the shard's locks.
trap 'echo "grade-shard: SIGTERM (scancel, preemption or time limit)" >&2' TERM
rc=0
"$GRADER" batch --roster "$ROSTER" --rubric "$RUBRIC" --shard "$k/$n" --out "$out" \
  -j "${JOBS:-2}" --token-env IPC_GRADER_TOKEN "${cache[@]}" || rc=$?
case "$rc" in
  0 | 1)
    if [[ "$rc" == 1 ]]; then
      echo "grade-shard: shard $k/$n ran to the end; some students are not graded:" \
           "see $out/summary.md"
    fi
    echo "job ${SLURM_ARRAY_JOB_ID:-?}_$k exit $rc" >"$done_marker.tmp"
    mv -f -- "$done_marker.tmp" "$done_marker"
    exit 0
    ;;
  *)
    echo "grade-shard: shard $k/$n did not finish (grader exit $rc). Rerun it:" \
         "submit.sh $conf $k" >&2
    exit "$rc"
    ;;
esac
