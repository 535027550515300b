#!/usr/bin/env bash
# The in-container half of the Gradescope-style baseline (its "run_autograder"):
# the checks of rubrics/ipc-project.yaml that need to run code, written the way
# a course staff member would write them in bash. grade-student.sh runs it in
# one `docker run` per submission and has already judged the git-only checks
# (gitignore, no_built_files, tags) on the host, where git is.
#
# /autograder (read-only) holds:
#   source/autograder.sh, source/standins/   this script and the stand-ins
#   tools/ref-cat, tools/ref-listener        the grader build's reference tools
#   submission/final/, submission/part1/     the graded tree and the part1 tree
# Prints one line per check, "VERDICT <check id> <pass|fail|skipped>"; what it
# saw goes to stderr.
#
# Every step runs in a fresh copy (`cp -a`) of a saved tree at /root, the
# assignment's workdir; a sleep stands in for "the listener is ready".
set -uo pipefail

A=/autograder
SUB=$A/submission
TOOLS=$A/tools
STANDINS=$A/source/standins
W=/var/tmp/gs # saved trees and captured output; never under /root
READY_SLEEP="${GS_READY_SLEEP:-1}" # the assignment's own test sleeps 1 s
REF_CAT=("$TOOLS/ref-cat" --folder=litterbox --refusal=MEOW)
REF_LISTENER=("$TOOLS/ref-listener" "--start=Listener PID: {pid}"
  "--handle=2:1:SIGINT received!" "--handle=10:0:SIGUSR1 received!")
# What a GitLab runner gives the job `ipc-project` (the grader gives the same).
CI_ENV=(CI=true GITLAB_CI=true CI_JOB_NAME=ipc-project CI_JOB_STAGE=test
  CI_PROJECT_DIR=/root CI_BUILDS_DIR=/ CI_SERVER=yes)
mkdir -p "$W"

verdict() { echo "VERDICT $1 $2"; }
note() { echo "autograder: [${SECONDS}s] $*" >&2; }
pass_if() { # ID CONDITION-EXIT-STATUS
  if [[ $2 == 0 ]]; then verdict "$1" pass; else verdict "$1" fail; fi
}

# Stray processes of earlier steps (a listener left behind, garfield's shells),
# and garfield himself unless told to keep him: each test script adds him again.
cleanup() {
  pkill -KILL -x listener 2>/dev/null
  pkill -KILL -x ref-listener 2>/dev/null
  if [[ ${1:-} != keep-users ]] && id garfield >/dev/null 2>&1; then
    pkill -KILL -u garfield 2>/dev/null
    userdel -r garfield >/dev/null 2>&1
  fi
  return 0
}

# A fresh /root from a saved tree: `fresh TREE [keep-users]`.
fresh() {
  cleanup "${2:-}"
  cd / && rm -rf /root && cp -a "$1" /root && cd /root || exit 1
}

save() { rm -rf "${W:?}/${1:?}" && cp -a /root "$W/$1"; }

# The assignment's data files, where the tree has nothing at that path.
data_files() {
  [[ -e secret.txt || -L secret.txt ]] || printf 'Hey! This is a secret!' >secret.txt
  [[ -e litterbox || -L litterbox ]] || mkdir litterbox
  [[ -e litterbox/treasure.txt || -L litterbox/treasure.txt ]] ||
    printf 'Treasure found!' >litterbox/treasure.txt 2>/dev/null
  return 0
}

# The outcome of a run, as the rubric compares them: "timeout", "crash:CODE",
# "refusal" (stdout starts with MEOW), or "content:<the stripped text>".
outcome() { # EXIT-STATUS STDOUT-FILE
  local rc=$1 s
  if ((rc == 124)); then echo timeout; return; fi
  if ((rc != 0)); then echo "crash:$rc"; return; fi
  s="$(<"$2")"
  s="${s#"${s%%[![:space:]]*}"}"
  s="${s%"${s##*[![:space:]]}"}"
  if [[ $s == MEOW* ]]; then echo refusal; return; fi
  printf 'content:%s\n' "$s"
}

# ---- the cat matrices' inputs (rubrics/ipc-project.yaml, as printf formats)
CAT_NAMES=(treasure treasure-newline treasure-spaces traversal deep-traversal absolute
  dot-slash missing empty whitespace-only directory in-directory not-a-directory symlink
  dangling-symlink symlink-loop nul-byte long-name binary-contents crlf-contents
  unreadable-as-root empty-file quote-in-name double-quote-in-name non-ascii-name
  non-utf8-stdin tab-inside-name dev-null)
LONG="$(printf 'a%.0s' {1..272}).txt"
CAT_INPUTS=('treasure.txt' 'treasure.txt\n' '  treasure.txt \t\n' '../secret.txt'
  '../../../../../etc/debian_version' '/etc/hostname' './treasure.txt' 'no-such-file.txt' ''
  ' \n\t ' 'adir' 'adir/inner.txt' 'treasure.txt/x' 'link.txt' 'dangling.txt' 'loop1'
  'treasure\x00.txt' "$LONG" 'binary.bin' 'crlf.txt' 'locked.txt' 'empty.txt' "it's.txt"
  'say "hi".txt' 'trésor.txt' '\xff\xfe\n' 'treas\ture.txt' '/dev/null')
# The outcome the assignment requires, where it requires one.
CAT_EXPECT=(content content content content - - content refusal refusal refusal refusal
  content refusal content refusal refusal refusal refusal refusal content content - refusal
  refusal refusal - refusal -)
CAT_SETUP='mkdir -p litterbox/adir && printf "deep\n" > litterbox/adir/inner.txt
ln -sf treasure.txt litterbox/link.txt && ln -sf nowhere litterbox/dangling.txt
ln -sf loop2 litterbox/loop1 && ln -sf loop1 litterbox/loop2
printf "\xff\xfe binary \x00\x01" > litterbox/binary.bin
printf "line1\r\nline2\r\n" > litterbox/crlf.txt
printf "hidden\n" > litterbox/locked.txt && chmod 000 litterbox/locked.txt
: > litterbox/empty.txt'
for i in "${!CAT_INPUTS[@]}"; do
  # shellcheck disable=SC2059 # the inputs are printf formats on purpose
  printf "${CAT_INPUTS[$i]}" >"$W/cat-in.$i"
done
DD_NAMES=(secret treasure missing)
DD_INPUTS=('../secret.txt' 'treasure.txt' 'no-such-file.txt')
DD_EXPECT=(refusal - refusal)
# The rubric's set-up: the assignment's `adduser garfield --disabled-password
# --gecos ""` written as the useradd that leaves the same user.
DD_SETUP='useradd -m -U -G users -s /bin/bash -c ",,," -K HOME_MODE=0700 garfield
chgrp users ./litterbox && chown garfield ./litterbox && chmod g+rwx ./litterbox'
for i in "${!DD_INPUTS[@]}"; do printf '%s' "${DD_INPUTS[$i]}" >"$W/dd-in.$i"; done

# One run of a cat, as root in /root: `run_cat OUT-NAME STDIN-FILE ARGV...`
run_cat() {
  timeout 5 "${@:3}" <"$2" >"$W/$1.out" 2>/dev/null
  outcome $? "$W/$1.out" >"$W/$1.outcome" 2>/dev/null
}
# The same as garfield the assignment's way (`su - garfield -c "..."`).
run_cat_as_garfield() {
  timeout 5 su - garfield -c "$3" <"$2" >"$W/$1.out" 2>/dev/null
  outcome $? "$W/$1.out" >"$W/$1.outcome" 2>/dev/null
}

# ---- 1. the reference, before any student code ------------------------------
note "reference runs"
fresh "$SUB/final"
data_files
bash -c "$CAT_SETUP" 2>/dev/null
# The reference changes nothing: all its cases run in one tree.
for i in "${!CAT_INPUTS[@]}"; do
  run_cat "cat-ref.$i" "$W/cat-in.$i" "${REF_CAT[@]}"
done
fresh "$SUB/final"
data_files
bash -c "$DD_SETUP" 2>/dev/null
for i in "${!DD_INPUTS[@]}"; do
  run_cat_as_garfield "dd-ref.$i" "$W/dd-in.$i" "${REF_CAT[*]}"
done
# dd_insight (reported, never graded): why does the DD set-up refuse the
# secret? The reference cat as garfield, the assignment's way (su -) and from
# the repository folder, asking for the secret and the treasure.
insight=""
for name in ../secret.txt treasure.txt; do
  a="$(printf '%s' "$name" | su - garfield -c "${REF_CAT[*]}" 2>&1)"
  b="$(printf '%s' "$name" | su garfield -c "${REF_CAT[*]}" 2>&1)"
  insight+=" [$name: su - => ${a:0:60}; su => ${b:0:60}]"
done
note "dd_insight:$insight"
verdict dd_insight pass
# sigterm's reference: stdout to a file, SIGTERM once it is up.
fresh "$SUB/final"
"${REF_LISTENER[@]}" >"$W/sigterm-ref.out" 2>/dev/null &
pid=$!
sleep "$READY_SLEEP"
kill -s TERM "$pid"
wait "$pid"
echo "$? $(tr -d '\r' <"$W/sigterm-ref.out" | sed "s/$pid/PID/" | md5sum)" >"$W/sigterm-ref"

# ---- 2. files present, data file contents (no code runs) --------------------
note "files, contents"
cd "$SUB/final" || exit 1
missing=0
for f in .gitignore .gitlab-ci.yml cat.py listener.c Makefile secret.txt test_cat_exploit.sh \
  test_cat.sh test_full_dd.sh test_listener.sh litterbox/treasure.txt; do
  if [[ ! -f $f || -L $f ]]; then
    note "files: $f missing"
    missing=1
  fi
done
pass_if files $missing
contents_are() { # FILE TEXT: CRLF read as LF, surrounding whitespace removed
  local s
  [[ -f $1 && ! -L $1 ]] || return 1
  s="$(tr -d '\r' <"$1")"
  s="${s#"${s%%[![:space:]]*}"}"
  s="${s%"${s##*[![:space:]]}"}"
  [[ $s == "$2" ]]
}
contents_are secret.txt 'Hey! This is a secret!'
pass_if secret $?
contents_are litterbox/treasure.txt 'Treasure found!'
pass_if treasure $?

# ---- 3. makefile: `make compile` builds ./listener from listener.c ----------
note "makefile"
fresh "$SUB/final"
token="tok$RANDOM$RANDOM$RANDOM"
printf '#include <stdio.h>\nint main(void) { puts("%s"); return 0; }\n' "$token" >listener.c
ok=1
if timeout 60 make compile >/dev/null 2>&1 &&
  [[ "$(timeout 5 ./listener 2>/dev/null)" == *"$token"* ]]; then
  ok=0
fi
pass_if makefile $ok

# ---- 4. build, then the signal checks from the built tree -------------------
note "build and signals"
fresh "$SUB/final"
build_ok=1
if timeout 60 make >/dev/null 2>&1 && [[ -f listener && ! -L listener ]]; then build_ok=0; fi
pass_if build $build_ok
save build

# Runs ./listener with stdout to a file, a pipe or a pty, sends SIG after a
# sleep, and leaves "<exit status>" in $W/sig.rc and its output in $W/sig.out.
signal_run() { # SIG MODE
  local pid spid cpid
  fresh "$W/build"
  case $2 in
    file)
      ./listener >"$W/sig.out" 2>/dev/null &
      pid=$!
      ;;
    pipe)
      rm -f "$W/fifo" && mkfifo "$W/fifo"
      cat "$W/fifo" >"$W/sig.out" &
      cpid=$!
      ./listener >"$W/fifo" 2>/dev/null &
      pid=$!
      ;;
    pty)
      script -qfec "exec ./listener" /dev/null >"$W/sig.out" 2>/dev/null </dev/null &
      spid=$!
      ;;
  esac
  sleep "$READY_SLEEP"
  [[ $2 == pty ]] && pid="$(pgrep -P "$spid" | head -n 1)"
  kill -s "$1" "${pid:-0}" 2>/dev/null
  # A listener that ignores the signal would hang the script: give it 5 s.
  timeout 5 tail --pid="${pid:-0}" -f /dev/null
  kill -KILL "${pid:-0}" 2>/dev/null
  if [[ $2 == pty ]]; then wait "$spid"; else wait "$pid"; fi
  echo $? >"$W/sig.rc"
  [[ $2 == pipe ]] && wait "$cpid"
  echo "${pid:-0}" >"$W/sig.pid"
}
# Passes when, in every mode, the output has "Listener PID: <its pid>" and
# then MESSAGE on lines of their own, and the listener exited with CODE.
signal_check() { # ID SIG MESSAGE CODE
  local mode ok=0 pid
  for mode in file pipe pty; do
    signal_run "$2" "$mode"
    pid="$(cat "$W/sig.pid")"
    if [[ "$(cat "$W/sig.rc")" == "$4" ]] &&
      tr -d '\r' <"$W/sig.out" | sed -n "/^Listener PID: $pid\$/,\$p" | grep -qxF "$3"; then
      :
    else
      note "$1: $mode: exit $(cat "$W/sig.rc"), output: $(tr '\r\n' '  ' <"$W/sig.out")"
      ok=1
    fi
  done
  pass_if "$1" $ok
}
if [[ $build_ok == 0 ]]; then
  signal_check sigusr1 USR1 'SIGUSR1 received!' 0
  signal_check sigint INT 'SIGINT received!' 1
  # sigterm is worth nothing: reported (compared with the reference), never failed.
  signal_run TERM file
  seen="$(cat "$W/sig.rc") $(tr -d '\r' <"$W/sig.out" | sed "s/$(cat "$W/sig.pid")/PID/" | md5sum)"
  [[ $seen == "$(cat "$W/sigterm-ref")" ]] || note "sigterm: unlike the reference"
  verdict sigterm pass
else
  for id in sigusr1 sigint sigterm; do verdict "$id" skipped; done
fi

# ---- 5. the CI job (.gitlab-ci.yml's job ipc-project), at part1 and at final
# The job's before_script and script lines, in order, one per line.
note "CI jobs"
ci_lines() { # CI-FILE
  awk '
    /^[^ \t#]/ { job = ($0 ~ /^ipc-project:/); key = ""; next }
    !job { next }
    /^[ \t]*#/ { next }
    /^[ \t]+[A-Za-z_]+:/ { key = $1; sub(/:.*/, "", key); next }
    /^[ \t]+- / && (key == "before_script" || key == "script") {
      line = $0; sub(/^[ \t]+- /, "", line)
      if (line ~ /^".*"$/ || line ~ /^'\''.*'\''$/) line = substr(line, 2, length(line) - 2)
      if (key == "before_script") before = before line "\n"; else script = script line "\n"
    }
    END { printf "%s%s", before, script }' "$1"
}
# Passes when the job passes (up to three attempts, each in a fresh tree) and
# each required test script is one of its (uncommented) commands.
ci_check() { # ID TREE SCRIPT...
  local id=$1 tree=$2 lines attempt passed=1 s
  shift 2
  if [[ ! -f $tree/.gitlab-ci.yml ]]; then
    note "$id: no .gitlab-ci.yml"
    verdict "$id" fail
    return
  fi
  lines="$(ci_lines "$tree/.gitlab-ci.yml")"
  for s in "$@"; do
    if ! grep -qE "(^|[ /])${s//./\\.}([ ;&|)]|$)" <<<"$lines"; then
      note "$id: the job does not run $s"
      verdict "$id" fail
      return
    fi
  done
  for attempt in 1 2 3; do
    fresh "$tree"
    if env "${CI_ENV[@]}" timeout 30 bash -c "set -eo pipefail
$lines" >"$W/ci.log" 2>&1; then
      passed=0
      break
    fi
    note "$id: attempt $attempt failed: $(tail -c 200 "$W/ci.log" | tr '\n' ' ')"
  done
  pass_if "$id" $passed
}
ci_check ci_part1 "$SUB/part1" test_listener.sh
ci_check ci_final "$SUB/final" test_cat.sh test_cat_exploit.sh test_listener.sh test_full_dd.sh

# ---- 6. the test scripts against stand-ins -----------------------------------
# One run of `bash SCRIPT` in a fresh tree with the stand-in in place of the
# program it tests; exits as the script did.
note "adequacy_listener"
standin_run() { # SCRIPT STAND-IN
  fresh "$SUB/final"
  data_files
  case $2 in
    *.c)
      cp "$STANDINS/$2" listener.c
      gcc -o listener listener.c || return 99
      ;;
    *.py) cp "$STANDINS/$2" cat.py ;;
  esac
  env "${CI_ENV[@]}" timeout 30 bash "$1" >"$W/adequacy.log" 2>&1
}
# Passes when SCRIPT passes with the correct stand-in (one of three runs) and
# fails with the faulty one in each of three runs.
adequacy_check() { # ID SCRIPT CORRECT FAULTY
  local correct=1 fooled=1
  if [[ ! -f $SUB/final/$2 ]]; then
    note "$1: no $2"
    verdict "$1" fail
    return
  fi
  for _ in 1 2 3; do
    if standin_run "$2" "$3"; then correct=0 && break; fi
  done
  if [[ $correct != 0 ]]; then
    note "$1: $2 fails with a correct program"
    verdict "$1" fail
    return
  fi
  for _ in 1 2 3; do
    if standin_run "$2" "$4"; then fooled=0 && break; fi
  done
  [[ $fooled == 0 ]] && note "$1: $2 passes with $4"
  pass_if "$1" $((1 - fooled))
}
adequacy_check adequacy_listener test_listener.sh listener-correct.c listener-no-usr1-handler.c

# ---- 7. cat.py against the reference, as root and as garfield ---------------
note "cat matrices"
fresh "$SUB/final"
data_files
bash -c "$CAT_SETUP" 2>/dev/null
save cat-setup
matched=0
for i in "${!CAT_INPUTS[@]}"; do
  fresh "$W/cat-setup"
  run_cat "cat.$i" "$W/cat-in.$i" python cat.py
  got="$(<"$W/cat.$i.outcome")"
  want="$(<"$W/cat-ref.$i.outcome")"
  if [[ $got == "$want" && (${CAT_EXPECT[$i]} == - || $got == "${CAT_EXPECT[$i]}"*) ]]; then
    matched=$((matched + 1))
  else
    note "cat_matrix: ${CAT_NAMES[$i]}: yours $got, the reference $want, required ${CAT_EXPECT[$i]}"
  fi
done
pass_if cat_matrix $((matched != ${#CAT_INPUTS[@]}))

fresh "$SUB/final"
data_files
if bash -c "$DD_SETUP" 2>/dev/null; then
  save dd-setup
  matched=0
  for i in "${!DD_INPUTS[@]}"; do
    fresh "$W/dd-setup" keep-users
    run_cat_as_garfield "dd.$i" "$W/dd-in.$i" "python /root/cat.py"
    got="$(<"$W/dd.$i.outcome")"
    want="$(<"$W/dd-ref.$i.outcome")"
    if [[ $got == "$want" && (${DD_EXPECT[$i]} == - || $got == "${DD_EXPECT[$i]}"*) ]]; then
      matched=$((matched + 1))
    else
      note "dd_matrix: ${DD_NAMES[$i]}: yours $got, the reference $want, required ${DD_EXPECT[$i]}"
    fi
  done
  pass_if dd_matrix $((matched != ${#DD_INPUTS[@]}))
else
  note "dd_matrix: the assignment's set-up failed"
  verdict dd_matrix fail
fi

note "adequacy of the cat tests"
adequacy_check adequacy_cat test_cat.sh cat-correct.py cat-always-meow.py
adequacy_check adequacy_exploit test_cat_exploit.sh cat-correct.py cat-refuses-traversal.py
adequacy_check adequacy_dd test_full_dd.sh cat-correct.py cat-always-leaks.py
note "done"
cleanup
