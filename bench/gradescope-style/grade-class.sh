#!/usr/bin/env bash
# The equal-coverage baseline of the benchmark (issue 18): a Gradescope-style
# grader as course staff would write it. For each roster row, JOBS at a time
# (the -j of `grader batch`), grade-student.sh clones the repository and runs
# autograder.sh, a plain bash script, in one `docker run --network none` with
# the rubric's limits. It performs the 20 checks of rubrics/ipc-project.yaml
# (see docs/PERFORMANCE.md for where it is less thorough than the grader)
# and writes OUT/STUDENT/verdicts.txt, one "<check id> <verdict>" per line.
#
#   bench/gradescope-style/grade-class.sh ROSTER.csv OUT_DIR IMAGE TOOLS_DIR [JOBS]
# TOOLS_DIR: a grader build's bin/ (ref-cat, ref-listener). GS_READY_SLEEP
# (default 1, as the assignment's own test) is the wait before a signal.
set -euo pipefail
roster="$1"
out="$2"
image="$3"
tools="$4"
jobs="${5:-2}"
here="$(cd "$(dirname "$0")" && pwd)"
for t in ref-cat ref-listener; do
  if [[ ! -x $tools/$t ]]; then
    echo "grade-class: $tools/$t is missing: build the grader first (scripts/setup.sh --build)" >&2
    exit 2
  fi
done
mkdir -p "$out"
tail -n +2 "$roster" | tr -d '"' | cut -d, -f1,2 | tr , '\n' |
  xargs -d '\n' -n 2 -P "$jobs" "$here/grade-student.sh" "$out" "$image" "$tools"
