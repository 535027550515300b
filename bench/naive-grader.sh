#!/usr/bin/env bash
# The naive grader the benchmark compares against (issue 8): what a TA would
# write. For each roster row, in sequence: clone the repository, check out
# the graded tag, and run the assignment's CI job (make, chmod, the four test
# scripts) in ONE `docker run` with the repository bind-mounted at /root, as
# the assignment's own command line does. Four checks per student: each test
# script passes or fails. Prints one line per student and writes OUT/grades.csv.
#
#   bench/naive-grader.sh ROSTER.csv OUT_DIR [IMAGE]
set -euo pipefail
roster="$1"
out="$2"
image="${3:-ipc-grader/python:bookworm}"
mkdir -p "$out"
work="$(mktemp -d)"
trap 'rm -rf -- "$work"' EXIT
echo "student,passed,of" >"$out/grades.csv"
tail -n +2 "$roster" | while IFS=, read -r student repo _; do
  repo="${repo//\"/}"
  git clone -q "$repo" "$work/$student" 2>/dev/null
  git -C "$work/$student" -c advice.detachedHead=false checkout -q final 2>/dev/null || true
  # The job's script lines, then one verdict line per test script.
  verdicts="$(docker run --rm --network none -v "$work/$student:/root" -w /root "$image" \
    bash -c 'make >/dev/null 2>&1; chmod +x test_* 2>/dev/null
             for t in test_cat.sh test_cat_exploit.sh test_listener.sh test_full_dd.sh; do
               if ./"$t" >/dev/null 2>&1; then echo "$t pass"; else echo "$t fail"; fi
             done' 2>/dev/null || true)"
  passed="$(grep -c ' pass$' <<<"$verdicts" || true)"
  echo "$student,$passed,4" >>"$out/grades.csv"
  echo "naive: $student $passed/4"
  rm -rf -- "${work:?}/$student"
done
