#!/bin/bash
# submit.sh CONF [TASKS]
#
# Grades a class on a Slurm cluster: submits the job array (grade-shard.sh,
# one task per shard, sbatch --array=TASKS) and the merge job (merge.sh,
# --dependency=afterok on the array). CONF is a copy of grade.conf.example.
#
#   submit.sh grade.conf          the whole class: tasks 1-N
#   submit.sh grade.conf 2        rerun shard 2 (it failed, was cancelled or
#   submit.sh grade.conf 2,4      preempted past its requeue): the rerun
#                                 resumes, then a new merge combines it with
#                                 the shards that had finished
#
# Prints "submitted: array job A (tasks T of N), merge job M". Logs go to
# RESULTS/logs/. Run it on a login node, in a shell without the token in
# its environment (the token file is read by each task; see TOKEN_FILE).
set -euo pipefail

usage() {
  sed -n '2,16p' "${BASH_SOURCE[0]}" >&2
  exit 2
}
[[ $# -ge 1 && $# -le 2 && "$1" != -* ]] || usage
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
conf="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
[[ -f "$conf" ]] || { echo "submit: no configuration file $1 (copy grade.conf.example)" >&2; exit 2; }
SBATCH_OPTIONS=()
# shellcheck source=grade.conf.example source-path=SCRIPTDIR
source "$conf"

fail() { echo "submit: $conf: $*" >&2; exit 2; }
[[ -x "${GRADER:-}" ]] || fail "GRADER=${GRADER:-} is not an executable (the grader build, build/bin/grader)"
[[ -r "${ROSTER:-}" ]] || fail "ROSTER=${ROSTER:-} is not a readable file"
[[ -r "${RUBRIC:-}" ]] || fail "RUBRIC=${RUBRIC:-} is not a readable file"
[[ "${RESULTS:-}" == /* ]] || fail "RESULTS=${RESULTS:-} must be an absolute path on shared storage"
[[ "${SHARDS:-}" =~ ^[1-9][0-9]*$ ]] || fail "SHARDS=${SHARDS:-} must be a number of shards, 1 or more"
job_name="${JOB_NAME:-ipc-grade}"
tasks="${2:-1-$SHARDS}"
[[ "$tasks" =~ ^[0-9][0-9,-]*$ ]] ||
  { echo "submit: TASKS must be shard numbers like 2 or 2,4 or 1-$SHARDS, got '$tasks'" >&2; exit 2; }
mkdir -p -- "$RESULTS/logs"

# sbatch copies the submitting environment into the job (--export=ALL),
# and Slurm keeps it in its state files: the token must not be in it.
unset IPC_GRADER_TOKEN

# A merge of an earlier submission whose array had a failed task waits
# forever (DependencyNeverSatisfied): the merge submitted below replaces it.
while read -r id reason; do
  if [[ "$reason" == DependencyNeverSatisfied ]]; then scancel -- "$id"; fi
done < <(squeue --noheader --me --name="$job_name-merge" --states=PENDING --format='%i %r' 2>/dev/null || true)

common=(--export="ALL,IPC_GRADE_CONF=$conf" "${SBATCH_OPTIONS[@]}")
array_id="$(sbatch --parsable --array="$tasks" --job-name="$job_name" \
  --cpus-per-task="${CPUS_PER_TASK:-2}" --output="$RESULTS/logs/%x-%A_%a.log" "${common[@]}" \
  "$here/grade-shard.sh")"
array_id="${array_id%%;*}"
merge_id="$(sbatch --parsable --dependency="afterok:$array_id" --job-name="$job_name-merge" \
  --output="$RESULTS/logs/%x-%j.log" "${common[@]}" "$here/merge.sh")"
merge_id="${merge_id%%;*}"
echo "submitted: array job $array_id (tasks $tasks of $SHARDS), merge job $merge_id"
echo "  watch: squeue --jobs=$array_id,$merge_id; results: $RESULTS/class/grades.csv"
