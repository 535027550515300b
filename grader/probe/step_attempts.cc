#include "probe/step_attempts.h"

#include <signal.h>

#include <chrono>
#include <optional>

#include "probe/fs_ops.h"
#include "probe/step_runner.h"
#include "probe/sweep.h"
#include "probe/workdir_swap.h"

namespace ipc::probe {
namespace {

constexpr auto kSweepBound = std::chrono::seconds(10);

void Append(std::string* err, const std::string& what) {
  *err += (err->empty() ? "" : "; ") + what;
}

// "{dir}" in argv is the folder the step runs in: a plan cannot know a
// sandbox's path, and `su -` moves the working directory away from it.
protocol::Step WithDir(protocol::Step step, const std::string& dir) {
  for (auto& arg : step.process.argv) {
    for (std::size_t at = 0; (at = arg.find("{dir}", at)) != std::string::npos; at += dir.size()) {
      arg.replace(at, 5, dir);
    }
  }
  return step;
}

// The probe's own SIGKILLs that are not timeouts: a signal step told to
// send SIGKILL.
bool ProbeSentSigkill(const protocol::Step& step, const protocol::StepResult& r) {
  return step.kind == protocol::Step::Kind::kSignal && step.signal == SIGKILL && r.signal &&
         r.signal->signal_sent;
}

// RunStep between two readings of the OOM-kill counter. The second is taken
// once RunStep has reaped the process, so an OOM kill of it is counted by
// then (the kernel counts before it signals).
protocol::StepResult RunWatched(const protocol::Step& step, const SpawnContext& sc,
                                OomLedger* oom) {
  if (oom == nullptr) return RunStep(step, sc);
  const OomLedger::Ticket ticket = oom->Enter();
  protocol::StepResult r = RunStep(step, sc);
  const bool rose_alone = oom->Leave(ticket);
  r.process.oom_killed = AttributeOomKill(r.process, ProbeSentSigkill(step, r), rose_alone);
  return r;
}

bool Passed(const protocol::ProcessResult& p) {
  return p.started && !p.timed_out && p.exit_code == 0;
}

}  // namespace

protocol::StepResult RunPlannedStep(const protocol::Step& step, const StepContext& ctx,
                                    std::string* probe_error) {
  protocol::StepResult result;
  result.id = step.id;
  if (step.kind == protocol::Step::Kind::kSignal) result.signal.emplace();
  const int attempts = std::max(1, step.attempts);
  auto fail = [&](const std::string& why) {
    result.process = protocol::ProcessResult{};
    result.process.error = why;
    return result;
  };
  for (int attempt = 1; attempt <= attempts; ++attempt) {
    const std::string nth = attempts > 1 ? " (attempt " + std::to_string(attempt) + ")" : "";
    std::string why;
    // The first attempt runs in the sandbox made at the group's start.
    if (attempt > 1 && ctx.sandboxes->Remake(step.sandbox, &why).empty()) {
      return fail("a fresh sandbox '" + step.sandbox + "'" + nth + ": " + why);
    }
    if (step.fresh_users && !ctx.users->Restore(&why)) {
      return fail("resetting the user database" + nth + ": " + why);
    }
    if (!WriteOverlay(ctx.dir, step.overlay, &why)) return fail(why + nth);
    std::string run_dir = ctx.dir;
    std::optional<WorkdirSwap> swap;
    if (step.at_workdir) {
      swap.emplace(ctx.workdir, ctx.dir);
      if (!swap->Enter(&why)) return fail("putting the sandbox at the workdir" + nth + ": " + why);
      run_dir = ctx.workdir;
    }
    protocol::StepResult r = RunWatched(
        WithDir(step, run_dir), SpawnContext{run_dir, ctx.private_dir, ctx.tools}, ctx.oom);
    if (ctx.alone && !SweepProcesses(kSweepBound, &why)) {
      Append(probe_error, "after step '" + step.id + "'" + nth + ": " + why);
    }
    // After the sweep: nothing the step started still writes into the
    // sandbox as it becomes the workdir again.
    why.clear();
    if (swap && !swap->Leave(&why)) {
      Append(probe_error, "after step '" + step.id + "'" + nth + ": " + why);
    }
    if (Passed(r.process) || attempt == attempts) {
      result.process = std::move(r.process);
      result.signal = std::move(r.signal);
      break;
    }
    result.failed_attempts.push_back(std::move(r.process));
  }
  return result;
}

}  // namespace ipc::probe
