#include "probe/step_runner.h"

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <algorithm>

#include <fcntl.h>

#include "probe/child_io.h"
#include "probe/proc.h"
#include "probe/readiness.h"
#include "probe/tracer.h"
#include "probe/users.h"
#include "protocol/trace_log.h"

namespace ipc::probe {
namespace {

using protocol::StdoutMode;
using protocol::Step;

// How often readiness is looked at: a bounded wait on an outside condition
// (the program reaching pause()), for which Linux offers no notification.
// Two small /proc reads every 5 ms cost nothing measurable.
constexpr auto kReadyTick = std::chrono::milliseconds(5);
// After SIGKILL a process dies at once unless stuck in the kernel (D state).
constexpr auto kKillGrace = std::chrono::seconds(5);
// The tracer's log: an event is a few hundred bytes; a CI job runs a few
// hundred processes.
constexpr std::size_t kTraceLogCap = 8 << 20;

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

Clock::time_point After(Clock::time_point t, double seconds) {
  // Clamp: a huge timeout must not overflow the clock.
  const double s = std::min(seconds, 1e6);
  return t + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s));
}

double CpuSeconds(const struct rusage& ru) {
  auto tv = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return tv(ru.ru_utime) + tv(ru.ru_stime);
}

// Wait for readiness, then send the signal (even when never ready, unless
// the process has ended: "not ready" is itself an observation, and the
// signal's effect still tells the grader something).
void SignalPhase(const Step& step, Spawned& child, ChildIo& io, protocol::SignalObservation* o) {
  ReadyBy by = ReadyBy::kNone;
  const auto wake = io.PumpUntil(
      After(child.started, step.ready_timeout_s),
      [&] {
        Reaper::Get().WithUnreaped(child.pid, [&] {
          by = CheckReady(child.pid, step.ready_signals, step.ready_on_pause);
        });
        return by != ReadyBy::kNone;
      },
      kReadyTick);
  o->ready = by != ReadyBy::kNone;
  o->ready_by = ReadyByName(by);
  o->ready_wait_s = Seconds(Clock::now() - child.started);
  // The program's own CPU time so far (utime+stime): a program that spins
  // instead of pausing has burnt about as much as it waited. And what it
  // looked like then: its state and the handlers it had installed.
  Reaper::Get().WithUnreaped(child.pid, [&] {
    if (auto cpu = ReadCpuSeconds(child.pid)) o->cpu_while_waiting_s = *cpu;
    if (auto st = ReadProcStatus(child.pid)) {
      o->state = std::string(1, st->state);
      for (int sig : step.ready_signals) {
        if (sig >= 1 && sig <= 64 && (st->sig_caught >> (sig - 1)) & 1) o->caught.push_back(sig);
      }
    }
  });
  if (wake == ChildIo::Wake::kExited) return;
  if (step.process.stdout_mode == StdoutMode::kPty) {
    // A terminal is line-buffered: what the program printed before pause()
    // is in the pty already.
    io.DrainAvailable();
    const std::string& seen = io.out().data;
    o->pid_line = seen.substr(0, seen.find('\n'));
  }
  Reaper::Get().WithUnreaped(child.pid,
                             [&] { o->signal_sent = ::kill(child.pid, step.signal) == 0; });
}

// File mode: what the program wrote to its stdout file, read through our
// own descriptor (see Spawn).
void ReadStdoutFile(const Spawned& child, std::size_t cap, protocol::ProcessResult* pr) {
  struct stat st {};
  if (::fstat(child.stdout_file.get(), &st) != 0) return;
  pr->stdout_bytes = static_cast<std::uint64_t>(st.st_size);
  std::string data(std::min<std::uint64_t>(pr->stdout_bytes, cap), '\0');
  std::size_t got = 0;
  while (got < data.size()) {
    const ssize_t n = ::pread(child.stdout_file.get(), data.data() + got, data.size() - got,
                              static_cast<off_t>(got));
    if (n <= 0) break;
    got += static_cast<std::size_t>(n);
  }
  data.resize(got);
  pr->stdout_data = std::move(data);
}

}  // namespace

void KillTree(pid_t pid) {
  Reaper::Get().WithUnreaped(pid, [pid] {
    // The tree is read while `pid` still holds it together, but `pid` is
    // killed first: killing a descendant first could let `pid` (a shell in
    // `wait`) see it die and exit normally before its own SIGKILL lands,
    // and the report would show an exit code instead of the kill.
    const auto descendants = Descendants(pid);
    ::kill(pid, SIGKILL);
    ::killpg(pid, SIGKILL);
    for (pid_t d : descendants) ::kill(d, SIGKILL);
  });
}

std::vector<protocol::PathStat> StatPaths(const std::string& dir,
                                          const std::vector<std::string>& paths) {
  std::vector<protocol::PathStat> out;
  for (const auto& path : paths) {
    protocol::PathStat ps;
    ps.path = path;
    // Component by component with O_NOFOLLOW: a symlinked parent is not
    // entered (the entry "does not exist" as far as the tree goes).
    UniqueFd cur(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    std::size_t start = 0;
    std::string name = path;
    for (auto slash = path.find('/'); cur.valid() && slash != std::string::npos;
         slash = path.find('/', start)) {
      cur = UniqueFd(::openat(cur.get(), path.substr(start, slash - start).c_str(),
                              O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      start = slash + 1;
      name = path.substr(start);
    }
    struct stat st {};
    if (cur.valid() && ::fstatat(cur.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
      ps.exists = true;
      ps.type = S_ISREG(st.st_mode)    ? "file"
                : S_ISDIR(st.st_mode)  ? "dir"
                : S_ISLNK(st.st_mode)  ? "symlink"
                : S_ISFIFO(st.st_mode) ? "fifo"
                : S_ISSOCK(st.st_mode) ? "socket"
                : S_ISCHR(st.st_mode)  ? "char"
                                       : "block";
      ps.mode = static_cast<int>(st.st_mode & 07777);
      ps.size = static_cast<std::uint64_t>(st.st_size);
      ps.uid = static_cast<int>(st.st_uid);
      ps.gid = static_cast<int>(st.st_gid);
      ps.user = NameOfId(st.st_uid, "/etc/passwd");
      ps.group = NameOfId(st.st_gid, "/etc/group");
    }
    out.push_back(std::move(ps));
  }
  return out;
}

bool ParseTraceLog(const std::string& log, std::vector<protocol::TraceEvent>* events) {
  std::size_t start = 0;
  while (start < log.size()) {
    const auto eol = log.find('\n', start);
    if (eol == std::string::npos) return false;  // a line cut short
    std::string why;
    auto e = protocol::ParseTraceLine(std::string_view(log).substr(start, eol - start), &why);
    if (!e) return false;
    events->push_back(std::move(*e));
    start = eol + 1;
  }
  return true;
}

protocol::StepResult RunStep(const Step& step, const StepEnv& env) {
  protocol::StepResult r;
  r.id = step.id;
  protocol::ProcessResult& pr = r.process;
  if (step.kind == Step::Kind::kStat) {
    r.stats = StatPaths(env.spawn.step_dir, step.paths);
    pr.started = true;
    return r;
  }
  if (step.kind == Step::Kind::kSignal) r.signal.emplace();

  protocol::ProcessSpec spec = step.process;
  const bool traced = !step.watch.empty();
  if (traced) {
    std::vector<std::string> watch;
    for (const auto& w : step.watch) watch.push_back(env.spawn.step_dir + "/" + w);
    spec.argv = TracerArgv(env.probe_path, watch, spec.argv);
  }
  SpawnContext ctx = env.spawn;
  ctx.probe_tracer = ctx.probe_tracer || traced;
  Spawned child;
  if (!Spawn(spec, ctx, &child, &pr.error)) return r;
  pr.started = true;
  pr.pid = child.pid;
  ChildIo io(&child, spec.stdin_data, spec.output_cap, traced ? kTraceLogCap : 0);

  if (r.signal) SignalPhase(step, child, io, &*r.signal);
  if (io.PumpUntil(After(Clock::now(), spec.timeout_s)) != ChildIo::Wake::kExited) {
    pr.timed_out = true;
    KillTree(child.pid);
    if (io.PumpUntil(Clock::now() + kKillGrace) != ChildIo::Wake::kExited) {
      pr.error = "the process was still alive 5 s after SIGKILL (stuck in the kernel?)";
    }
  }
  if (io.exited()) {
    // The step ends with its process: background jobs it left in its group
    // go too. Ones that escaped the group (setsid) are removed by the sweep
    // before the next box.
    ::killpg(child.pid, SIGKILL);
  }
  io.Finish();

  pr.stdout_data = io.out().data;
  pr.stdout_bytes = io.out().total;
  pr.stderr_data = io.err().data;
  pr.stderr_bytes = io.err().total;
  if (traced) {
    // The tracer's stderr is its log, not the command's (whose stderr went
    // to its stdout).
    const bool whole = pr.stderr_bytes == pr.stderr_data.size();
    r.trace_truncated = !ParseTraceLog(pr.stderr_data, &r.trace) || !whole;
    // The tracer could not put the step filter on the command, which then
    // never ran: the grader's failure to observe, not the step's.
    if (std::string why = TracedCommandNotRun(pr.stderr_data); !why.empty()) {
      pr.started = false;
      pr.error = std::move(why);
    }
    pr.stderr_data.clear();
    pr.stderr_bytes = 0;
  }
  if (spec.stdout_mode == StdoutMode::kFile) {
    ReadStdoutFile(child, spec.output_cap, &pr);
  }
  if (auto ex = Reaper::Get().ExitOf(child.pid)) {
    if (WIFEXITED(ex->status)) pr.exit_code = WEXITSTATUS(ex->status);
    if (WIFSIGNALED(ex->status)) pr.term_signal = WTERMSIG(ex->status);
    pr.wall_s = Seconds(ex->when - child.started);
    pr.cpu_s = CpuSeconds(ex->usage);
  } else {
    pr.wall_s = Seconds(Clock::now() - child.started);
  }
  return r;
}

}  // namespace ipc::probe
