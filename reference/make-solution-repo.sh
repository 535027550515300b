#!/usr/bin/env bash
# make-solution-repo.sh OUT_DIR
#
# Materialises the model solution (reference/solution/) as a real git
# repository with the history the assignment asks for:
#   1. Part 0 state: every file created, listener.c is hello-world, cat.py and
#      the test scripts empty, every CI test line commented out;
#   2. Part 1: listener with handlers and exit codes, test_listener.sh, its CI
#      line uncommented; annotated tag `part1`;
#   3. Part 2: cat.py, test_cat.sh, test_cat_exploit.sh, their CI lines;
#   4. Part 2 (DD): test_full_dd.sh, all four CI lines; annotated tag `final`.
#
# Deterministic: fixed identity and dates, no user/system git config read, so
# every run yields the same commit and tag SHAs. OUT_DIR is deleted and
# re-created from scratch each run (idempotent).
set -euo pipefail

if [[ $# -ne 1 || -z "$1" ]]; then
  echo "usage: $0 OUT_DIR" >&2
  exit 2
fi

src_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/solution" && pwd)"
out_dir="$1"

# OUT_DIR is removed recursively: refuse "/", anything inside this source
# tree, and any ancestor of it (which would delete the sources).
out_real="$(realpath -m -- "$out_dir")"
ref_real="$(realpath -m -- "$src_dir/..")"
if [[ "$out_real" == "/" || "$out_real" == "$ref_real" || "$out_real" == "$ref_real"/* ||
      "$ref_real" == "$out_real"/* ]]; then
  echo "$0: refusing to replace '$out_dir': it is / or overlaps $ref_real" >&2
  exit 2
fi

rm -rf -- "$out_dir"
mkdir -p -- "$out_dir"
cd -- "$out_dir"

# File modes are recorded by git: keep them independent of the caller's umask.
umask 022

# Nothing from the caller's git configuration may change the result.
export GIT_CONFIG_NOSYSTEM=1
export GIT_CONFIG_GLOBAL=/dev/null
export GIT_AUTHOR_NAME="IPC Model Student"
export GIT_AUTHOR_EMAIL="model.student@example.edu"
export GIT_COMMITTER_NAME="$GIT_AUTHOR_NAME"
export GIT_COMMITTER_EMAIL="$GIT_AUTHOR_EMAIL"
export TZ=UTC
unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE

git_() {
  git -c user.name="$GIT_AUTHOR_NAME" -c user.email="$GIT_AUTHOR_EMAIL" \
      -c commit.gpgsign=false -c tag.gpgsign=false -c core.autocrlf=false \
      -c core.fileMode=true "$@"
}

# commit DATE MESSAGE: commit everything in the work tree at DATE.
commit() {
  export GIT_AUTHOR_DATE="$1" GIT_COMMITTER_DATE="$1"
  git_ add --all
  git_ commit --quiet --no-verify -m "$2"
}

# tag NAME DATE MESSAGE: annotated tag on HEAD (the tagger date is the
# committer date).
tag() {
  export GIT_COMMITTER_DATE="$2"
  git_ tag --annotate "$1" -m "$3"
}

# ci_yml LINES...: .gitlab-ci.yml with the given test lines uncommented.
ci_yml() {
  local t
  cat <<'YML'
image:
  name: python:latest # don't change this
ipc-project:
  stage: test
  script:
    - make
    - chmod +x test_*
YML
  for t in test_cat test_cat_exploit test_listener test_full_dd; do
    if [[ " $* " == *" $t "* ]]; then
      echo "    - ./$t.sh"
    else
      echo "    # - ./$t.sh"
    fi
  done
}

git_ init --quiet --initial-branch=main .

# --- Part 0: setup ----------------------------------------------------------
cp -- "$src_dir/.gitignore" "$src_dir/Makefile" "$src_dir/secret.txt" .
mkdir litterbox
cp -- "$src_dir/litterbox/treasure.txt" litterbox/
ci_yml > .gitlab-ci.yml
cat > listener.c <<'C'
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <unistd.h>

int main(){
	printf("Hello, world!\n");
	return 0;
}
C
# The text creates every file empty first and fills them in one by one.
: > cat.py
: > test_cat_exploit.sh
: > test_cat.sh
: > test_full_dd.sh
: > test_listener.sh
commit "2024-10-14T14:00:00Z" "Part 0: project skeleton and CI"

# --- Part 1: signal listener ------------------------------------------------
cp -- "$src_dir/listener.c" "$src_dir/test_listener.sh" .
ci_yml test_listener > .gitlab-ci.yml
commit "2024-10-21T15:00:00Z" "Part 1: listener handles SIGINT and SIGUSR1"
tag part1 "2024-10-21T15:05:00Z" "Part 1: signal listener"

# --- Part 2: pipes and distrustful decomposition ----------------------------
cp -- "$src_dir/cat.py" "$src_dir/test_cat.sh" "$src_dir/test_cat_exploit.sh" .
ci_yml test_cat test_cat_exploit test_listener > .gitlab-ci.yml
commit "2024-10-22T15:00:00Z" "Part 2: cat.py with its tests"

cp -- "$src_dir/test_full_dd.sh" .
cp -- "$src_dir/.gitlab-ci.yml" .
commit "2024-10-28T16:30:00Z" "Part 2: distrustful decomposition test"
tag final "2024-10-28T16:35:00Z" "Final submission"

# The generated CI file and the solution's must agree, or the history lies.
if ! cmp -s .gitlab-ci.yml <(ci_yml test_cat test_cat_exploit test_listener test_full_dd); then
  echo "$0: $src_dir/.gitlab-ci.yml differs from the generated final CI file" >&2
  exit 1
fi
