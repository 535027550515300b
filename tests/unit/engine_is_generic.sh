#!/usr/bin/env bash
# grader/ is a generic grading engine: everything about an assignment lives
# in rubrics/ and reference/. This test fails when a file under grader/
# names a noun of the assignments in rubrics/ (the "Inter-Process
# Communication" rubric and its two variants), printing each file:line.
#
#   tests/unit/engine_is_generic.sh [SOURCE_DIR] [SCAN_DIR]
#
# SOURCE_DIR: the repository (default: two folders above this script);
# SCAN_DIR: the folder scanned (default: SOURCE_DIR/grader).
#
# The words are matched case-insensitively, as whole words where a word
# character could run on (`\b`): `/rootfs` and `mypart10` do not count. When
# a rubric gains a noun, add it here; when a word below no longer appears in
# any rubric, this test says so (a word that matches nothing proves nothing).
set -euo pipefail

src=${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
scan=${2:-$src/grader}

# Extended regular expressions (grep -E), one noun each.
words=(
  # rubrics/ipc-project.yaml (and hostile-limits.yaml, its subset)
  'ipc-project'
  'python:latest'
  'python:bookworm'
  '/root\b'
  '\bpart1\b'
  '\bpart2\b'
  'secret\.txt'
  'Hey! This is a secret'
  'litterbox'
  '\btreasure'
  'Treasure found'
  '\blistener'
  'Listener PID'
  'output\.log'
  '\bcat\.py\b'
  'MEOW'
  'garfield'
  'SIGUSR1'
  'test_listener'
  'test_cat'
  'test_full_dd'
  'no-usr1-handler'
  'always-meow'
  'always-leaks'
  'refuses-traversal'
  # rubrics/ipc-variant-sigusr2.yaml
  'ipc-variant-sigusr2'
  'SIGUSR2'
  'no-usr2-handler'
  # rubrics/ipc-variant-dog.yaml
  'ipc-variant-dog'
  '\bdog\.py\b'
  'doghouse'
  '\bbone\.txt\b'
  'Bone found'
  'WOOF'
  '\bodie\b'
  'test_dog'
  'always-woof'
)

if [[ ! -d $scan ]]; then
  echo "engine_is_generic: no folder $scan" >&2
  exit 2
fi
rubric_files=("$src"/rubrics/*.yaml)
if [[ ! -e ${rubric_files[0]} ]]; then
  echo "engine_is_generic: no rubrics in $src/rubrics" >&2
  exit 2
fi

status=0

# Every word is a noun of some rubric: a stale or mistyped word would match
# nothing anywhere and make the scan below look cleaner than it is.
for w in "${words[@]}"; do
  if ! grep -qIiE -e "$w" "${rubric_files[@]}"; then
    echo "engine_is_generic: the word list names /$w/, which no rubric in $src/rubrics uses:" \
         "update the list in ${BASH_SOURCE[0]}" >&2
    status=1
  fi
done

pattern=$(IFS='|'; echo "${words[*]}")
# grep exits 1 when nothing matches: that is the pass.
if hits=$(cd "$scan/.." && grep -rnIiE -e "$pattern" "$(basename "$scan")"); then
  echo "engine_is_generic: $scan names the assignments of rubrics/ (move it to a rubric" \
       "or reference/, or write a generic example):" >&2
  while IFS= read -r line; do
    file_line=$(cut -d: -f1,2 <<<"$line")
    found=$(grep -oiE -e "$pattern" <<<"${line#*:*:}" | sort -u | paste -sd, -)
    echo "$file_line: $found" >&2
  done <<<"$hits"
  status=1
else
  rc=$?
  if [[ $rc -ne 1 ]]; then
    echo "engine_is_generic: grep failed (exit $rc)" >&2
    exit 2
  fi
fi

if [[ $status -eq 0 ]]; then
  echo "engine_is_generic: $(find "$scan" -type f | wc -l) files under $scan name none of" \
       "${#words[@]} assignment words"
fi
exit $status
