#!/bin/bash
# The merge job of the Slurm example: after every task of the array
# (submit.sh submits it with --dependency=afterok:ARRAY), one gradebook
# for the class from RESULTS/shard-1 .. shard-N into RESULTS/class.
#
# It merges only when every shard has its shard-K.done marker (written by
# grade-shard.sh when the shard ran to the end), so shards from a rerun
# and shards from the first array combine, and a missing one is named.
# Exit 0 when merged, also when some students are not graded (grades.csv
# and summary.md say which and why); 1 when a shard is missing.
#SBATCH --job-name=ipc-grade-merge
#SBATCH --cpus-per-task=1
#SBATCH --open-mode=append
set -euo pipefail

conf="${IPC_GRADE_CONF:?IPC_GRADE_CONF is not set: submit with submit.sh CONF}"
# shellcheck source=grade.conf.example source-path=SCRIPTDIR
source "$conf"

inputs=()
missing=()
for ((k = 1; k <= SHARDS; k++)); do
  inputs+=("$RESULTS/shard-$k")
  [[ -f "$RESULTS/shard-$k.done" ]] || missing+=("$k")
done
if ((${#missing[@]} > 0)); then
  echo "merge: not merged: shard(s) ${missing[*]} of $SHARDS did not run to the end." \
       "Rerun them: submit.sh $conf $(IFS=,; echo "${missing[*]}")" >&2
  exit 1
fi
rc=0
"$GRADER" merge "${inputs[@]}" --out "$RESULTS/class" || rc=$?
if [[ "$rc" == 1 ]]; then
  echo "merge: merged; some students are not graded: see $RESULTS/class/summary.md"
  rc=0
fi
exit "$rc"
