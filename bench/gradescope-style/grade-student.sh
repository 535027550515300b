#!/usr/bin/env bash
# One submission, graded the Gradescope way: clone it, judge the checks that
# need only git here on the host (the grading image has no git: gitignore,
# no_built_files, tags), then run autograder.sh in ONE container with the
# graded tree, the part1 tree, the stand-ins and the reference tools copied
# in. Writes OUT/STUDENT/verdicts.txt ("<check id> <pass|fail|skipped>", one
# line per check of rubrics/ipc-project.yaml) and OUT/STUDENT/log.txt.
#
#   grade-student.sh OUT_DIR IMAGE TOOLS_DIR STUDENT REPO
# TOOLS_DIR holds ref-cat and ref-listener (the grader build's bin/).
set -euo pipefail
out="$1/$4"
image="$2"
tools="$3"
student="$4"
repo="$5"
here="$(cd "$(dirname "$0")" && pwd)"
mkdir -p "$out"
work="$(mktemp -d)"
trap 'rm -rf -- "$work"' EXIT
verdicts="$out/verdicts.txt"
: >"$verdicts"

git clone -q "$repo" "$work/repo" 2>>"$out/log.txt"
g() { git -C "$work/repo" -c core.excludesFile=/dev/null "$@"; }
# The graded ref: the newest tag other than part1 (an annotated tag's own
# date, else its commit's; between equal dates the greater name), else HEAD.
graded="$(g for-each-ref --sort=-refname --sort=-creatordate --format='%(refname:short)' \
  refs/tags | grep -vx part1 | head -n 1 || true)"
ref="${graded:-HEAD}"
g -c advice.detachedHead=false checkout -q "$ref"

# tags: the tag part1 exists, and the graded ref is a tag other than part1.
if g rev-parse -q --verify refs/tags/part1 >/dev/null && [[ -n $graded ]]; then
  echo "tags pass" >>"$verdicts"
else
  echo "tags fail" >>"$verdicts"
fi

# gitignore: git, reading only .gitignore, ignores each entry's sample paths.
ignored=pass
for path in listener output.log .bash_history module.pyc Other.name-1.pyc sub/module.pyc \
  sub/Other.name-1.pyc; do
  if [[ ! -f $work/repo/.gitignore ]] ||
    ! g check-ignore -q --no-index -- "$path"; then
    echo "gitignore: $path is not ignored" >>"$out/log.txt"
    ignored=fail
  fi
done
echo "gitignore $ignored" >>"$verdicts"

# no_built_files: nothing committed is a built binary, a log, shell history or
# a Python cache, at any depth.
committed=pass
while IFS= read -r path; do
  case "/$path" in
    */listener | */output.log | */.bash_history | *.pyc | */__pycache__/*)
      echo "no_built_files: $path is committed" >>"$out/log.txt"
      committed=fail
      ;;
  esac
done < <(g ls-tree -r --name-only "$ref")
echo "no_built_files $committed" >>"$verdicts"

# What goes into the container.
stage="$work/autograder"
mkdir -p "$stage/source" "$stage/tools" "$stage/submission/final" "$stage/submission/part1"
chmod 755 "$work" "$stage" # garfield runs the reference tools from here
cp -a "$here/autograder.sh" "$here/standins" "$stage/source/"
cp -a "$tools/ref-cat" "$tools/ref-listener" "$stage/tools/"
g archive "$ref" | tar -x -C "$stage/submission/final"
if g rev-parse -q --verify refs/tags/part1 >/dev/null; then
  g archive part1 | tar -x -C "$stage/submission/part1"
fi

# The rubric's limits: 1 GiB, 256 processes, 1 CPU, 300 s.
docker run --rm --network none --memory 1024m --memory-swap 1024m --pids-limit 256 \
  --cpus 1.0 --label io.ipc-grader.bench=gradescope-style \
  -v "$stage:/autograder:ro" -e "GS_READY_SLEEP=${GS_READY_SLEEP:-1}" "$image" \
  timeout 300 bash /autograder/source/autograder.sh >"$work/verdicts" 2>>"$out/log.txt" || true
sed -n 's/^VERDICT //p' "$work/verdicts" >>"$verdicts"
echo "gradescope-style: $student $(grep -c ' pass$' "$verdicts" || true)/20 checks passed"
