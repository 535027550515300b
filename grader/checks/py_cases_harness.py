# Runs one Python script on many stdin cases in one interpreter, for the
# stdin_cases check (grader/checks/stdin_cases.cc): starting `python cat.py`
# once per case is most of the check's cost, since on the grading machines a
# process start costs 30-60 ms of CPU. The grader runs this file as
#   python -c "<this file>" SCRIPT
# inside the container, in the step's directory and as the step's user, so the
# interpreter, cwd, environment and user are those `python SCRIPT` would get.
#
# stdin and stdout: the request and the records of protocol/case_batch.h (how:
#   "in-process" or "fresh"). The case's own stdout and stderr are pipes the
#   supervisor drains, as the probe does, so a case that prints without end
#   is capped, not buffered.
#
# Each case runs like `python SCRIPT < stdin` would: a fresh __main__ module
# (runpy), sys.argv = [SCRIPT], sys.path[0] = the script's folder, fds 0/1/2
# and sys.std* rebuilt the way CPython builds them at start-up, SystemExit and
# uncaught exceptions turned into the exit status CPython would give (the
# traceback printed from the script's first frame). Afterwards the process is
# put back: cwd, environment, sys.path, modules the case imported (modules the
# runner itself loaded, such as json, stay loaded: a script that looks for
# them in sys.modules sees them), signal handlers, recursion limit; and, as the probe ends a step's background jobs
# with the step, what the case left running in the worker's process group is
# killed.
#
# What in-process running cannot reproduce is not reproduced: it is run again
# as a fresh `python SCRIPT` (how: "fresh"), the same way the probe would have
# run it. That is any case that ended the worker (os._exit, a signal, the
# kernel's OOM killer, told from other SIGKILLs by the memory cgroup's
# OOM-kill count as the probe does), left threads or atexit handlers behind, raised
# KeyboardInterrupt, failed to flush its output, or rebound anything in a
# standard module (os.getcwd = ...), and any case whose record came back
# garbled (it wrote on the worker's own pipe). A case that runs past its
# timeout is reported timed out (the worker is killed; the next case gets a
# new one). The worker is a fork of this process made before any student code
# runs, so a case cannot corrupt the supervisor that reports (a case can forge
# its own records, which only misreports the script's own behaviour).
import base64
import fcntl
import json
import os
import select
import signal
import sys
import time

TAG = "IPC-CASE "  # kBatchTag in protocol/case_batch.h


def cpu_now():
    s = os.times()
    return s.user + s.system + s.children_user + s.children_system


class Sink:
    """Reads one pipe, keeping the first cap bytes and counting the rest."""

    def __init__(self, fd, cap):
        self.fd, self.cap, self.data, self.total, self.open = fd, cap, b"", 0, True
        fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) | os.O_NONBLOCK)

    def drain(self):
        while self.open:
            try:
                chunk = os.read(self.fd, 1 << 16)
            except BlockingIOError:
                return
            if not chunk:
                self.open = False
                return
            self.total += len(chunk)
            self.data += chunk[:max(0, self.cap - len(self.data))]

    def take(self):
        """The bytes so far (base64) and their count; starts a new case."""
        data, total = base64.b64encode(self.data).decode(), self.total
        self.data, self.total = b"", 0
        return data, total


def oom_kills():
    """The memory cgroup's OOM-kill count (v2, then v1), or None."""
    for path in ("/sys/fs/cgroup/memory.events", "/sys/fs/cgroup/memory/memory.oom_control"):
        try:
            with open(path) as f:
                for line in f:
                    key, _, value = line.partition(" ")
                    if key == "oom_kill":
                        return int(value)
        except (OSError, ValueError):
            pass
    return None


def kill_group(pgid):
    """SIGKILL to a process group, as the probe ends a step's leftovers."""
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def kill_strays(me):
    """SIGKILL to the other members of this process's group: what a case left
    running ends with it, as a step's background jobs end with the step."""
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) == me:
            continue
        try:
            with open("/proc/" + name + "/stat", "rb") as f:
                fields = f.read().rsplit(b")", 1)[1].split()
            if int(fields[2]) == me:  # pgrp
                os.kill(int(name), signal.SIGKILL)
        except (OSError, IndexError, ValueError):
            pass


def stdin_fd(data):
    """A pipe holding data, then EOF, as the probe feeds a case."""
    r, w = os.pipe()
    if len(data) > 60000:  # more than a pipe holds: a file does the same job
        os.close(r)
        os.close(w)
        r = os.memfd_create("stdin")
        os.write(r, data)
        os.lseek(r, 0, os.SEEK_SET)
        return r
    os.write(w, data)
    os.close(w)
    return r


def make_record(how, out=None, err=None, **fields):
    """A record of protocol/case_batch.h with every field: the defaults, then
    `fields`, then the bytes and counts of the Sinks `out` and `err`."""
    r = {"how": how, "started": True, "error": "", "exit": None, "signal": None,
         "timed_out": False, "oom": False, "out": "", "err": "", "out_bytes": 0,
         "err_bytes": 0, "wall": 0.0, "cpu": 0.0}
    r.update(fields)
    if out is not None:
        (r["out"], r["out_bytes"]), (r["err"], r["err_bytes"]) = out.take(), err.take()
    return r


def not_started(error):
    return make_record("fresh", started=False, error=str(error))


def fresh(script, case, env, cwd):
    """The case as its own `python SCRIPT` process, as the probe would run it."""
    t0, c0, k0 = time.monotonic(), cpu_now(), oom_kills()
    import subprocess  # only here: a case run on its own is rare

    fin = stdin_fd(base64.b64decode(case["stdin"]))
    try:
        p = subprocess.Popen([sys.executable, script], stdin=fin, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, cwd=cwd, env=env, start_new_session=True)
    except OSError as e:  # as the probe reports a spawn that failed
        return not_started(e)
    finally:
        os.close(fin)
    out, err = Sink(p.stdout.fileno(), case["cap"]), Sink(p.stderr.fileno(), case["cap"])
    deadline = t0 + case["timeout"]
    timed_out = False
    while (out.open or err.open) and p.poll() is None:
        left = deadline - time.monotonic()
        if left <= 0:
            timed_out = True
            break
        select.select([s.fd for s in (out, err) if s.open], [], [], left)
        out.drain()
        err.drain()
    kill_group(p.pid)  # on a timeout, and the leftovers of a process that ended
    rc = p.wait()
    out.drain()
    err.drain()
    # SIGKILLed, not by us, while the container's OOM-kill count rose: the
    # kernel's OOM killer (as the probe tells it, probe/oom_ledger.h).
    k1 = oom_kills()
    oom = rc == -signal.SIGKILL and not timed_out and None not in (k0, k1) and k1 > k0
    r = make_record("fresh", out, err, timed_out=timed_out, oom=oom,
                    wall=time.monotonic() - t0, cpu=cpu_now() - c0)
    if not timed_out:
        r["exit" if rc >= 0 else "signal"] = rc if rc >= 0 else -rc
    p.stdout.close()
    p.stderr.close()
    return r


def worker(script, cases, first, tx, ack):
    """Runs cases[first:] in this process (a fork of the supervisor, fds 1 and 2
    already the case pipes) and writes one JSON line per case to fd tx after
    the case's output, then waits for the supervisor's byte on fd ack before the
    next case, so no case's output can be taken for another's. Never returns."""
    import atexit
    import io
    import pkgutil  # what runpy.run_path imports on first use
    import runpy
    import traceback

    me = os.getpid()
    encodings = [(f.encoding, f.errors) for f in (sys.stdin, sys.stdout, sys.stderr)]
    script_dir = os.path.dirname(os.path.abspath(script))
    base_path = [script_dir] + sys.path[1:]
    base_cwd = os.getcwd()
    base_env = dict(os.environ)
    base_modules = set(sys.modules)
    # The worker's own tools, held before any case can replace them in their
    # modules (a case may monkeypatch os.write or json.dumps).
    write, read, dumps, monotonic, listdir = os.write, os.read, json.dumps, time.monotonic, os.listdir
    module_type, ident, fingerprint_of = type(sys), id, hash
    # What the stdlib's modules hold (attributes that are modules aside: a
    # case importing a submodule adds one to its package). A case that
    # rebinds any of it (os.getcwd = ...) would leak into the next: rerun.
    per_case = {"stdin", "stdout", "stderr", "__stdin__", "__stdout__", "__stderr__", "argv",
                "last_type", "last_value", "last_traceback"}

    def fingerprint():
        prints = {}
        for name in base_modules:
            module = sys.modules.get(name)
            if module is None or name == "__main__":
                continue
            items = vars(module).items()
            prints[name] = fingerprint_of(tuple([
                ident(v) for k, v in items
                if type(v) is not module_type and (module is not sys or k not in per_case)]))
        return prints

    base_print = fingerprint()
    base_limit = sys.getrecursionlimit()
    base_handlers = {s: signal.getsignal(s) for s in signal.valid_signals()
                     if s not in (signal.SIGKILL, signal.SIGSTOP)}

    def stream(fd, write, encoding, errors, line_buffering):
        # As CPython's create_stdio() builds sys.stdin/stdout/stderr.
        raw = io.FileIO(fd, "wb" if write else "rb", closefd=False)
        buf = io.BufferedWriter(raw) if write else io.BufferedReader(raw)
        return io.TextIOWrapper(buf, encoding=encoding, errors=errors, newline="\n",
                                line_buffering=line_buffering)

    def exit_status(e):
        # CPython's handling of an uncaught SystemExit (pythonrun.c).
        if e.code is None:
            return 0
        if isinstance(e.code, int):
            return e.code & 0xFF
        try:
            print(e.code, file=sys.stderr)
        except Exception:
            pass
        return 1

    for i in range(first, len(cases)):
        case = cases[i]
        fin = stdin_fd(base64.b64decode(case["stdin"]))
        os.dup2(fin, 0)
        os.close(fin)
        sys.stdin = sys.__stdin__ = stream(0, False, *encodings[0], False)
        sys.stdout = sys.__stdout__ = stream(1, True, *encodings[1], False)
        sys.stderr = sys.__stderr__ = stream(2, True, *encodings[2], True)
        sys.argv = [script]
        sys.path[:] = base_path
        atexit._clear()
        t0, c0 = time.monotonic(), cpu_now()
        unsafe = False
        try:
            runpy.run_path(script, run_name="__main__")
            code = 0
        except SystemExit as e:
            code = exit_status(e)
        except KeyboardInterrupt:
            unsafe, code = True, 1
        except BaseException as e:
            tb = e.__traceback__  # from the script's first frame, as `python SCRIPT` prints it
            while tb is not None and tb.tb_frame.f_code.co_filename != script:
                tb = tb.tb_next
            try:
                traceback.print_exception(type(e), e, tb or e.__traceback__, file=sys.stderr)
            except Exception:
                pass
            code = 1
        if os.getpid() != me:  # the script forked and this is its child: end as it would
            for f in (sys.stdout, sys.stderr):
                try:
                    f.flush()
                except Exception:
                    code = 120
            os._exit(code)
        kill_strays(me)
        for f in (sys.stdout, sys.stderr):
            try:
                f.flush()
            except Exception:
                unsafe = True
        if (len(listdir("/proc/self/task")) > 1 or atexit._ncallbacks() > 0
                or fingerprint() != base_print):
            unsafe = True
        record = {"exit": code, "wall": monotonic() - t0, "cpu": cpu_now() - c0,
                  "unsafe": unsafe}
        line = (dumps(record) + "\n").encode()
        while line:
            line = line[write(tx, line):]
        if unsafe or not read(ack, 1):
            break  # its state cannot be trusted: the supervisor starts another worker
        os.chdir(base_cwd)
        for name in set(sys.modules) - base_modules:  # the case imports its own afresh
            del sys.modules[name]
        if dict(os.environ) != base_env:
            os.environ.clear()
            os.environ.update(base_env)
        sys.setrecursionlimit(base_limit)
        for s, h in base_handlers.items():
            if h is not None and signal.getsignal(s) is not h:
                signal.signal(s, h)
    os._exit(0)


def fork():
    """os.fork(), tried again while the container is out of processes: a case
    that forked without end is being killed, and its processes take a moment
    to go."""
    for attempt in range(50):
        try:
            return os.fork()
        except BlockingIOError:
            if attempt == 49:
                raise
            time.sleep(0.02)


def main():
    script = sys.argv[1]
    request = json.loads(sys.stdin.buffer.readline())
    cases = request["cases"]
    tag = TAG.encode()
    env, cwd = dict(os.environ), os.getcwd()
    report = os.dup(1)

    def emit(i, record):
        record["i"] = i
        line = tag + json.dumps(record).encode() + b"\n"
        while line:
            line = line[os.write(report, line):]

    i = 0
    while i < len(cases):
        rx, tx = os.pipe()
        ack_r, ack_w = os.pipe()
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        try:
            pid = fork()
        except OSError as e:  # no process left to run a worker with: nor a case
            for fd in (rx, tx, ack_r, ack_w, out_r, out_w, err_r, err_w):
                os.close(fd)
            for j in range(i, len(cases)):
                emit(j, not_started(e))
            break
        if pid == 0:
            os.setpgid(0, 0)  # the worker's group: a case's leftovers, killed with it
            os.dup2(out_w, 1)
            os.dup2(err_w, 2)
            for fd in (rx, ack_w, out_r, out_w, err_r, err_w, report):
                os.close(fd)
            worker(script, cases, i, tx, ack_r)
        try:
            os.setpgid(pid, pid)  # set on both sides: no kill_group before the child's
        except OSError:
            pass
        for fd in (tx, ack_r, out_w, err_w):
            os.close(fd)
        out, err = Sink(out_r, cases[i]["cap"]), Sink(err_r, cases[i]["cap"])
        pending = b""
        started = time.monotonic()
        restart = False
        while i < len(cases) and not restart:
            left = started + cases[i]["timeout"] - time.monotonic()
            ready, _, _ = select.select([rx] + [s.fd for s in (out, err) if s.open], [], [],
                                        max(0.0, left))
            out.drain()
            err.drain()
            if not ready and left <= 0:  # past its timeout: so reported; a new worker goes on
                os.kill(pid, signal.SIGKILL)
                kill_group(pid)
                emit(i, make_record("in-process", out, err, timed_out=True,
                                    wall=cases[i]["timeout"]))
                i += 1
                break
            if rx not in ready:
                continue
            chunk = os.read(rx, 1 << 16)
            if not chunk:  # the worker ended inside the case: run it on its own
                emit(i, fresh(script, cases[i], env, cwd))
                i += 1
                break
            pending += chunk
            if b"\n" not in pending:
                continue
            try:
                sent = json.loads(pending.split(b"\n", 1)[0])
                unsafe = sent["unsafe"] is not False
                ran = {"exit": int(sent["exit"]), "wall": float(sent["wall"]),
                       "cpu": float(sent["cpu"])}
            except (ValueError, KeyError, TypeError):
                unsafe = True  # a case wrote on the worker's own pipe
            pending = b""  # one record in flight: the worker waits for the ack
            if unsafe:
                emit(i, fresh(script, cases[i], env, cwd))
                restart = True
            else:
                out.drain()  # what the case wrote just before its record
                err.drain()
                emit(i, make_record("in-process", out, err, **ran))
            i += 1
            if restart or i == len(cases):
                break
            out.cap = err.cap = cases[i]["cap"]
            started = time.monotonic()
            os.write(ack_w, b"k")
        for fd in (rx, ack_w, out_r, err_r):
            os.close(fd)
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        kill_group(pid)
        os.waitpid(pid, 0)


main()
