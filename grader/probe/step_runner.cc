#include "probe/step_runner.h"

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <algorithm>

#include "probe/child_io.h"
#include "probe/proc.h"
#include "probe/readiness.h"

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
  // The program's own CPU time so far (utime+stime): a listener that spins
  // instead of pausing has burnt about as much as it waited.
  Reaper::Get().WithUnreaped(child.pid, [&] {
    if (auto cpu = ReadCpuSeconds(child.pid)) o->cpu_while_waiting_s = *cpu;
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

protocol::StepResult RunStep(const Step& step, const SpawnContext& ctx) {
  protocol::StepResult r;
  r.id = step.id;
  if (step.kind == Step::Kind::kSignal) r.signal.emplace();
  protocol::ProcessResult& pr = r.process;

  Spawned child;
  if (!Spawn(step.process, ctx, &child, &pr.error)) return r;
  pr.started = true;
  pr.pid = child.pid;
  ChildIo io(&child, step.process.stdin_data, step.process.output_cap);

  if (r.signal) SignalPhase(step, child, io, &*r.signal);
  if (io.PumpUntil(After(Clock::now(), step.process.timeout_s)) != ChildIo::Wake::kExited) {
    pr.timed_out = true;
    KillTree(child.pid);
    if (io.PumpUntil(Clock::now() + kKillGrace) != ChildIo::Wake::kExited) {
      pr.error = "the process was still alive 5 s after SIGKILL (stuck in the kernel?)";
    }
  }
  if (io.exited()) {
    // The step ends with its process: background jobs it left in its group
    // go too. Ones that escaped the group (setsid) are removed by the sweep
    // after the step's group (plan_runner).
    ::killpg(child.pid, SIGKILL);
  }
  io.Finish();

  pr.stdout_data = io.out().data;
  pr.stdout_bytes = io.out().total;
  pr.stderr_data = io.err().data;
  pr.stderr_bytes = io.err().total;
  if (step.process.stdout_mode == StdoutMode::kFile) {
    ReadStdoutFile(child, step.process.output_cap, &pr);
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
