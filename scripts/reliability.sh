#!/usr/bin/env bash
# reliability.sh [--runs N] [--fixture NAME] [--bin DIR] [--no-load] [--keep]
#
# The repeat-under-load measurement of issue 6: grades the same submission
# N times (default 20) with `grader grade` while another `grader batch`
# (the demo class, regraded with --force in a loop) loads the CPU, then
# prints how many distinct verdict sets came out (the flake count is that
# number minus one; the goal is 0) and the timings.
#
# A verdict set is every check's id, status and score of one result.json,
# plus the result's status. Checks the grader marked flaky (passed on a
# rerun) are counted too: they are not flakes of the grade, but they show
# how often the assignment's own race bit.
#
#   --runs N       gradings of the submission (default 20)
#   --fixture NAME the fixture of fixtures/class/ to grade (default perfect)
#   --bin DIR      folder of grader, probe, ref-cat, ref-listener
#                  (default: $IPC_BIN_DIR, else build/bin)
#   --no-load      no load batch (for comparison)
#   --keep         keep the work folder (results of every run) and print it
#
# Exit status: 0 when every run gave the same verdict set, 1 otherwise,
# 2 on a usage or set-up error.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
runs=20 fixture=perfect bin="${IPC_BIN_DIR:-$repo/build/bin}" load=1 keep=0

while [[ $# -gt 0 ]]; do
  case "$1" in
    --runs) runs="${2:?--runs needs a number}"; shift 2 ;;
    --fixture) fixture="${2:?--fixture needs a name}"; shift 2 ;;
    --bin) bin="${2:?--bin needs a folder}"; shift 2 ;;
    --no-load) load=0; shift ;;
    --keep) keep=1; shift ;;
    -h | --help) sed -n '2,27p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "$0: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || { echo "$0: --runs must be a positive number" >&2; exit 2; }
grader="$bin/grader"
[[ -x "$grader" ]] || {
  echo "$0: no grader at $grader. Fix: build it (cmake --build build --target grader probe" \
       "ref-cat ref-listener) or pass --bin DIR" >&2
  exit 2
}
command -v python3 >/dev/null || { echo "$0: python3 is needed to read result.json" >&2; exit 2; }
rubric="$repo/rubrics/ipc-project.yaml"

work="$(mktemp -d "${TMPDIR:-/tmp}/ipc-reliability.XXXXXX")"
load_pid=""
cleanup() {
  # Only the load loop this script started, by its pid; the loop's grader
  # ends its own containers on SIGTERM.
  if [[ -n "$load_pid" ]] && kill -0 "$load_pid" 2>/dev/null; then
    touch "$work/stop-load"
    kill -TERM "$load_pid" 2>/dev/null || true
    wait "$load_pid" 2>/dev/null || true
  fi
  if [[ $keep -eq 1 ]]; then echo "reliability: work folder kept: $work"; else rm -rf -- "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$repo/fixtures/make-class.sh" "$work/sub" "$fixture" >/dev/null
source_url="file://$work/sub/$fixture"

if [[ $load -eq 1 ]]; then
  "$repo/fixtures/make-class.sh" --demo "$work/load" >/dev/null
  # The load: the demo class graded again and again, -j 2, until told to
  # stop. On SIGTERM the loop passes it to its running grader (which removes
  # its own containers) and waits for it.
  (
    child=""
    trap '[[ -n "$child" ]] && kill -TERM "$child" 2>/dev/null; wait; exit 0' TERM
    rounds=0
    while [[ ! -e "$work/stop-load" ]]; do
      "$grader" batch --roster "$work/load/roster.csv" --rubric "$rubric" --out "$work/load-out" \
        --cache "$work/cache-load" --force -j 2 >>"$work/load.log" 2>&1 &
      child=$!
      wait "$child" || true
      rounds=$((rounds + 1))
      echo "$rounds" >"$work/load-rounds"
    done
  ) &
  load_pid=$!
  # Give the load a head start so the first gradings already run under it.
  sleep 3
fi

declare -a times=()
for ((i = 1; i <= runs; i++)); do
  t0=$(date +%s.%N)
  # --force: every run observes everything again (a reused observation
  # would repeat the first run's verdicts, not measure repeatability).
  "$grader" grade --student "$fixture" --rubric "$rubric" --out "$work/runs/$i" \
    --cache "$work/cache" --force "$source_url" >"$work/run-$i.log" 2>&1 || true
  t1=$(date +%s.%N)
  times+=("$(python3 -c "print(f'{$t1 - $t0:.2f}')")")
  printf 'reliability: run %2d/%d  %6s s\n' "$i" "$runs" "${times[-1]}"
done

if [[ -n "$load_pid" ]]; then
  touch "$work/stop-load"
  kill -TERM "$load_pid" 2>/dev/null || true
  wait "$load_pid" 2>/dev/null || true
  load_pid=""
fi

python3 - "$work" "$runs" "$fixture" "$load" "${times[@]}" <<'PY'
import collections, json, os, statistics, sys

work, runs, fixture, load = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4] == "1"
times = [float(t) for t in sys.argv[5:]]
sets = collections.Counter()
flaky_checks = collections.Counter()
missing = 0
for i in range(1, runs + 1):
    path = os.path.join(work, "runs", str(i), fixture, "result.json")
    try:
        r = json.load(open(path))
    except (OSError, ValueError) as e:
        missing += 1
        sets[f"no result ({e.__class__.__name__})"] += 1
        continue
    key = [f"status={r.get('status')} score={r.get('score')}"]
    for c in r.get("checks", []):
        key.append(f"{c['id']}={c['status']}:{c.get('score')}")
        if c.get("flaky"):
            flaky_checks[c["id"]] += 1
    sets[" ".join(key)] += 1
rounds = 0
try:
    rounds = int(open(os.path.join(work, "load-rounds")).read())
except (OSError, ValueError):
    pass
print()
print(f"reliability: {runs} gradings of '{fixture}'" +
      (f" under load (the demo class regraded {rounds} time(s) alongside, -j 2)" if load else " without load"))
print(f"reliability: distinct verdict sets: {len(sets)}  (flakes: {len(sets) - 1}; goal 0)")
for s, n in sets.most_common():
    print(f"  {n:3d} x {s}")
if flaky_checks:
    print("reliability: checks that passed only on a rerun: " +
          ", ".join(f"{k} ({v}x)" for k, v in sorted(flaky_checks.items())))
if times:
    print(f"reliability: seconds per grading: min {min(times):.2f}, median {statistics.median(times):.2f}, "
          f"max {max(times):.2f}, total {sum(times):.1f}")
sys.exit(0 if len(sets) == 1 and missing == 0 else 1)
PY
