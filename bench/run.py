#!/usr/bin/env python3
"""The speed benchmark (issues 8, 18): ipc-grader against a naive grader and an equal-coverage
Gradescope-style baseline, same class, same run.

  bench/run.py [--students N] [--jobs 2,4,6] [--compare-jobs N] [--build DIR] [--no-baseline]

1. Generates a class of N submissions: copies of a few fixture submissions
   (fixtures/make-class.sh), each a repository of its own (bare clones).
2. Runs the naive grader (bench/naive-grader.sh: one `docker run` per student,
   in sequence, the assignment's CI job), the equal-coverage Gradescope-style
   baseline (bench/gradescope-style/grade-class.sh: one `docker run` per
   student of a bash script doing the rubric's 20 checks, at the -j of the
   grader) and `grader batch` on that class.
3. Prints wall time, submissions per minute, checks per submission, the
   ratios, the grader's own host CPU time, how many per-check verdicts of the
   baseline agree with the grader's (and a table of those that do not), the
   per-stage breakdown from the results' `timing`, scaling over -j, a TA's
   single rerun with a warm cache, and the flake count (students whose
   verdicts differ between the -j runs).

Nothing here is a pass/fail test: it prints figures. Needs the engine and a
build (scripts/setup.sh --build).
"""
import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# A mix that exercises every check family: a perfect and an honest
# submission, a missing handler, no try/except, tests that test nothing.
MIX = ["perfect", "honest", "no-usr1", "cat-no-try", "fake-tests"]


def machine_busy():
    """CPU-seconds the whole machine has spent busy since boot (/proc/stat)."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    busy = v[0] + v[1] + v[2] + v[5] + v[6]  # user nice system irq softirq
    return busy / os.sysconf("SC_CLK_TCK")


LAST_MACHINE_CPU = [0.0]  # machine CPU-seconds of the last run() (engine, containers, all)


def run(cmd, **kw):
    """Runs cmd; returns (wall seconds, host CPU seconds of it and its children, stdout).
    The whole machine's busy CPU-seconds during the run go to LAST_MACHINE_CPU."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    busy0 = machine_busy()
    start = time.monotonic()
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kw)
    wall = time.monotonic() - start
    LAST_MACHINE_CPU[0] = machine_busy() - busy0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, p.returncode, p.stdout


def exec_scaling(loops=300):
    """How well starting processes scales on this machine: the wall time of
    two loops of `loops` fork+exec of /bin/true side by side, over one loop
    alone. 1.0 = two cores start twice as many processes; 2.0 = no gain."""
    script = f"for i in $(seq {loops}); do /bin/true; done"
    t = time.monotonic()
    subprocess.run(["bash", "-c", script], check=True)
    one = time.monotonic() - t
    t = time.monotonic()
    subprocess.run(["bash", "-c", f"({script}) & ({script}) & wait"], check=True)
    two = time.monotonic() - t
    return one / loops * 1000, two / one


def make_class(work: Path, n: int) -> Path:
    src = work / "src"
    subprocess.run([str(ROOT / "fixtures/make-class.sh"), str(src), *MIX], check=True,
                   stdout=subprocess.DEVNULL)
    lines = ["student,repo"]
    for i in range(n):
        name = f"s{i + 1:03d}-{MIX[i % len(MIX)]}"
        dest = work / "class" / name
        subprocess.run(["git", "clone", "-q", "--bare", str(src / MIX[i % len(MIX)]), str(dest)],
                       check=True)
        lines.append(f"{name},file://{dest}")
    roster = work / "roster.csv"
    roster.write_text("\n".join(lines) + "\n")
    return roster


def verdicts(out: Path):
    """student -> (status, ((check id, status), ...)) from result.json files."""
    v = {}
    for f in sorted(out.glob("*/result.json")):
        r = json.loads(f.read_text())
        v[r["student"]] = (r["status"], tuple((c["id"], c["status"]) for c in r.get("checks", [])))
    return v


def compare_with_baseline(grader_verdicts, baseline_out: Path):
    """Prints how many per-check verdicts of the baseline equal the grader's,
    and a table of those that differ (the grader is the reference)."""
    agree, total, rows = 0, 0, []
    for student, (_, checks) in sorted(grader_verdicts.items()):
        f = baseline_out / student / "verdicts.txt"
        theirs = dict(line.split()[:2] for line in f.read_text().splitlines()
                      if len(line.split()) >= 2) if f.exists() else {}
        for check, status in checks:
            total += 1
            got = theirs.get(check, "missing")
            if got == status:
                agree += 1
            else:
                rows.append((student, check, status, got))
    print(f"verdicts: {agree} of {total} per-check verdicts of the baseline agree with the "
          f"grader's ({len(rows)} differ)")
    if rows:
        print(f"  {'student':<22}{'check':<20}{'grader':<10}{'baseline':<10}")
        for student, check, g, b in rows:
            print(f"  {student:<22}{check:<20}{g:<10}{b:<10}")
        print("  (why: the baseline's log of each student, WORK/baseline/STUDENT/log.txt, "
              "kept with --keep)")


def stage_breakdown(out: Path):
    stages = {}
    for f in out.glob("*/result.json"):
        for k, s in json.loads(f.read_text()).get("timing", {}).items():
            if isinstance(s, (int, float)):
                stages.setdefault(k, []).append(s)
            elif isinstance(s, dict):  # nested, e.g. per check family
                for k2, s2 in s.items():
                    stages.setdefault(f"{k}.{k2}", []).append(s2)
    return {k: (statistics.mean(v), max(v)) for k, v in sorted(stages.items())}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--students", type=int, default=15)
    ap.add_argument("--jobs", default="2,4,6", help="the -j values of the scaling runs")
    ap.add_argument("--compare-jobs", type=int, default=2 * (os.cpu_count() or 1),
                    help="-j of the grader run compared with the baselines, and of the "
                         "Gradescope-style baseline (default: batch's own, 2 per core)")
    ap.add_argument("--build", default=os.environ.get("IPC_BUILD_DIR", str(ROOT / "build")))
    ap.add_argument("--image", default="ipc-grader/python:bookworm",
                    help="image of the naive grader and of the Gradescope-style baseline")
    ap.add_argument("--keep", action="store_true", help="keep the work folder")
    ap.add_argument("--no-baseline", action="store_true",
                    help="skip the Gradescope-style baseline (bench/gradescope-style/)")
    a = ap.parse_args()
    grader = Path(a.build) / "bin" / "grader"
    if not grader.exists():
        sys.exit(f"bench: {grader} is missing: run scripts/setup.sh --build first")

    work = Path(tempfile.mkdtemp(prefix="ipc-bench-"))
    try:
        print(f"bench: machine: {os.cpu_count()} cores, "
              f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB; "
              f"class of {a.students} ({', '.join(MIX)} repeated)", flush=True)
        ms, ratio = exec_scaling()
        print(f"bench: fork+exec of /bin/true: {ms:.1f} ms each; two loops side by side take "
              f"{ratio:.2f}x one loop's time (1.0 = scales with cores, 2.0 = not at all)",
              flush=True)
        roster = make_class(work, a.students)
        cache = work / "cache"

        # The naive grader first, then ours on the same class, in one run.
        nw, ncpu, _, _ = run([str(ROOT / "bench/naive-grader.sh"), str(roster), str(work / "naive"),
                              a.image])
        nmachine = LAST_MACHINE_CPU[0]
        naive_checks = 4
        # The equal-coverage baseline, at the grader's -j, on the same class.
        if not a.no_baseline:
            bw, bcpu, brc, blog = run([str(ROOT / "bench/gradescope-style/grade-class.sh"),
                                       str(roster), str(work / "baseline"), a.image,
                                       str(Path(a.build) / "bin"), str(a.compare_jobs)])
            bmachine = LAST_MACHINE_CPU[0]
            if brc != 0:
                print(blog)
                sys.exit(f"bench: the Gradescope-style baseline failed with exit {brc}")
        out = work / f"ipc-j{a.compare_jobs}"
        gw, gcpu, rc, log = run([str(grader), "batch", "--roster", str(roster), "--out", str(out),
                                 "-j", str(a.compare_jobs), "--cache", str(cache), "--force"])
        gmachine = LAST_MACHINE_CPU[0]
        if rc not in (0, 1):
            print(log)
            sys.exit(f"bench: grader batch failed with exit {rc}")
        v = verdicts(out)
        checks = statistics.mean(len(c) for _, c in v.values()) if v else 0
        n = a.students
        print()
        print(f"{'grader':<22}{'wall s':>9}{'subs/min':>10}{'checks/sub':>12}{'host CPU s':>12}"
              f"{'machine CPU s/sub':>19}")
        print(f"{'naive (sequential)':<22}{nw:>9.1f}{60 * n / nw:>10.1f}{naive_checks:>12}{ncpu:>12.1f}"
              f"{nmachine / n:>19.2f}")
        if not a.no_baseline:
            print(f"{f'gradescope-style -j {a.compare_jobs}':<22}{bw:>9.1f}{60 * n / bw:>10.1f}"
                  f"{20:>12}{bcpu:>12.1f}{bmachine / n:>19.2f}")
        print(f"{f'ipc-grader -j {a.compare_jobs}':<22}{gw:>9.1f}{60 * n / gw:>10.1f}{checks:>12.1f}"
              f"{gcpu:>12.1f}{gmachine / n:>19.2f}")
        if not a.no_baseline:
            print(f"equal coverage: grader wall / baseline wall = {gw / bw:.2f} "
                  f"(the grader is {bw / gw:.2f}x as fast as the Gradescope-style baseline)")
            compare_with_baseline(v, work / "baseline")
        print(f"speed ratio (naive wall / ipc-grader wall): {nw / gw:.2f}x  "
              f"(checks per second ratio: {(checks * n / gw) / (naive_checks * n / nw):.1f}x)")
        print(f"ipc-grader host CPU (grader + docker CLI): {100 * gcpu / gw:.1f}% of wall "
              f"(the containers' own CPU is not counted)")

        print("\nper-stage time per submission (mean / max, s), from result.json `timing`:")
        for k, (mean, mx) in stage_breakdown(out).items():
            print(f"  {k:<28}{mean:>8.2f}{mx:>8.2f}")

        print("\nscaling (warm clone cache, --force):")
        runs = {a.compare_jobs: v}
        for j in [int(x) for x in a.jobs.split(",") if x]:
            o = work / f"ipc-scale-j{j}"
            w, c, rc, log = run([str(grader), "batch", "--roster", str(roster), "--out", str(o),
                                 "-j", str(j), "--cache", str(cache), "--force"])
            runs[j] = verdicts(o)
            print(f"  -j {j}: {w:6.1f} s  {60 * n / w:6.1f} subs/min  host CPU {100 * c / w:4.1f}%"
                  f"  machine CPU {LAST_MACHINE_CPU[0] / n:.2f} s/sub")

        # Regrades that reuse observations (issue 18), against the full
        # regrade above (--force: everything observed again).
        print(f"\nregrades reusing observations (full regrade, --force: {gw:.1f} s):")
        rub = work / "rubric"
        rub.mkdir()
        shutil.copy(ROOT / "rubrics/ipc-project.txt", rub / "ipc-project.txt")
        text = (ROOT / "rubrics/ipc-project.yaml").read_text()
        (rub / "scoring.yaml").write_text(text + "\n# a scoring-only edit\n")
        anchor = '      - {name: treasure, stdin: "treasure.txt", expect: content}\n'
        assert anchor in text, "bench: the cat matrix's first case moved; update bench/run.py"
        (rub / "one-check.yaml").write_text(text.replace(
            anchor, anchor + '      - {name: treasure-tab, stdin: "\\ttreasure.txt", expect: content}\n'))
        for label, name in (("scoring-only edit (a comment)", "scoring.yaml"),
                            ("one container check edited (a cat case)", "one-check.yaml")):
            o = work / f"ipc-{name}"
            w, _, rc, log = run([str(grader), "batch", "--roster", str(roster), "--out", str(o),
                                 "-j", str(a.compare_jobs), "--cache", str(cache),
                                 "--rubric", str(rub / name)])
            ran = sum(json.loads(f.read_text()).get("timing", {}).get("boxes.run", 0)
                      for f in o.glob("*/result.json"))
            same = verdicts(o) == v if name == "scoring.yaml" else None
            print(f"  {label:<42}{w:6.1f} s  {gw / w:6.1f}x faster  {100 * w / gw:5.1f}% of full"
                  f"  boxes run: {ran:.0f}" + ("" if same is None else f"  same verdicts: {same}"))

        # A TA's rerun of one student, warm cache: nothing changed, so every
        # observation is reused; and with --force, everything observed again.
        first = next(iter(sorted(v)))
        w, _, _, _ = run([str(grader), "batch", "--roster", str(roster), "--out", str(out),
                          "--only", first, "--cache", str(cache)])
        wf, _, _, _ = run([str(grader), "batch", "--roster", str(roster), "--out", str(out),
                           "--only", first, "--cache", str(cache), "--force"])
        print(f"\nTA rerun of one student (--only, warm cache): {w:.1f} s reusing observations, "
              f"{wf:.1f} s with --force")

        # Flakes: a student whose verdicts differ between any two runs.
        flaky = sorted(s for s in v if len({tuple(r.get(s, ())) for r in runs.values()}) > 1)
        print(f"flake count over {len(runs)} runs of {n} students: {len(flaky)}"
              + (f" ({', '.join(flaky)})" if flaky else ""))
    finally:
        if a.keep:
            print(f"bench: work folder kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
