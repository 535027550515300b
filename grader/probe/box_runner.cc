#include "probe/box_runner.h"

#include <algorithm>

#include <signal.h>

#include <chrono>
#include <optional>

#include "probe/fs_ops.h"
#include "probe/step_runner.h"
#include "probe/sweep.h"
#include "probe/sysv.h"

namespace ipc::probe {
namespace {

using protocol::Box;
using protocol::Plan;
using protocol::Report;
using protocol::Step;
using protocol::StepResult;

constexpr auto kSweepBound = std::chrono::seconds(10);
// The shortest time a step is still started with before the deadline.
constexpr double kMinStepSeconds = 0.5;

void AddError(Report* report, const std::string& what) {
  report->probe_error += (report->probe_error.empty() ? "" : "; ") + what;
}

// What a box starts from, or leaves for others: the workdir and each
// system folder.
struct Snapshot {
  DirState workdir;
  std::map<std::string, DirState> system;
};

// "{dir}" in argv is the folder the step runs in: `su -` moves the working
// directory away from it, so a program must be named by its full path.
Step WithDir(Step step, const std::string& dir) {
  for (auto& arg : step.process.argv) {
    for (std::size_t at = 0; (at = arg.find("{dir}", at)) != std::string::npos; at += dir.size()) {
      arg.replace(at, 5, dir);
    }
  }
  return step;
}

// The probe's own SIGKILLs that are not timeouts: a signal step told to
// send SIGKILL.
bool ProbeSentSigkill(const Step& step, const StepResult& r) {
  return step.kind == Step::Kind::kSignal && step.signal == SIGKILL && r.signal &&
         r.signal->signal_sent;
}

bool Passed(const protocol::ProcessResult& p) {
  return p.started && !p.timed_out && p.exit_code == 0;
}

class BoxRunner {
 public:
  BoxRunner(const Plan& plan, const ProbeOptions& opt, Report* report)
      : plan_(plan), opt_(opt), report_(report),
        oom_([root = opt.cgroup_root] { return ReadOomKills(root); }),
        start_(Clock::now()) {}

  // Reads the system folders as they are now, before any step, and turns
  // the trees into workdir states. False (with probe_error) when the run
  // cannot go on at all.
  bool Prepare(const Trees& trees);
  void Run();

 private:
  double Elapsed() const { return std::chrono::duration<double>(Clock::now() - start_).count(); }
  double Left() const { return plan_.deadline_s > 0 ? plan_.deadline_s - Elapsed() : 1e9; }
  // The box's starting point, or nullopt with *why.
  const Snapshot* SourceOf(const Box& box, std::string* why) const;
  bool MakeBox(const Box& box, const Snapshot& from, std::string* why);
  void RunBox(const Box& box, std::vector<StepResult>* results);
  StepResult RunOneStep(const Step& step);

  const Plan& plan_;
  const ProbeOptions& opt_;
  Report* report_;
  OomLedger oom_;
  Clock::time_point start_;
  StateKeeper keeper_;
  std::map<std::string, Snapshot> trees_;  // "pristine", "tree:NAME"
  std::map<std::string, Snapshot> saved_;  // box id -> what it left
  std::map<std::string, std::string> save_errors_;
};

bool BoxRunner::Prepare(const Trees& trees) {
  Snapshot initial;
  for (const auto& dir : plan_.system_dirs) {
    std::string err;
    if (!keeper_.Capture(dir, opt_.limits, &initial.system[dir], &err)) {
      AddError(report_, "reading the system folder " + dir + ": " + err);
      return false;
    }
  }
  std::string err;
  if (!MakeDirs(plan_.workdir, 0755, &err)) {
    AddError(report_, "workdir: " + err);
    return false;
  }
  auto add_tree = [&](const std::string& key, const std::string& tar, const std::string& what) {
    Snapshot s;
    s.system = initial.system;
    // The workdir is world-traversable (0755), as with a bind mount: a test
    // that runs `su - alice -c "python /work/prog.py"` only works if alice
    // can traverse the workdir (which the image may have made 0700).
    if (!StateFromTar(tar, 0755, 0, 0, opt_.limits, &s.workdir, &err)) {
      AddError(report_, "unpacking " + what + ": " + err);
      return false;
    }
    trees_[key] = std::move(s);
    return true;
  };
  if (!add_tree(protocol::kFromPristine, trees.main, "the submission")) return false;
  for (const auto& name : plan_.extra_trees) {
    const auto it = trees.extra.find(name);
    if (it == trees.extra.end()) {
      AddError(report_, "no tar for extra tree '" + name + "'");
      return false;
    }
    if (!add_tree(protocol::FromTree(name), it->second, "tree '" + name + "'")) return false;
  }
  return true;
}

const Snapshot* BoxRunner::SourceOf(const Box& box, std::string* why) const {
  if (const auto source = protocol::BoxOfFrom(box.from)) {
    const auto err = save_errors_.find(*source);
    if (err != save_errors_.end()) {
      *why = "box '" + *source + "', which it starts from, could not be kept: " + err->second;
      return nullptr;
    }
    const auto it = saved_.find(*source);
    if (it == saved_.end()) {
      *why = "box '" + *source + "', which it starts from, did not run";
      return nullptr;
    }
    return &it->second;
  }
  const auto it = trees_.find(box.from);
  if (it == trees_.end()) {
    *why = "no tree '" + box.from + "'";
    return nullptr;
  }
  return &it->second;
}

bool BoxRunner::MakeBox(const Box& box, const Snapshot& from, std::string* why) {
  std::string err;
  // Whatever the last box left running goes first: a process still alive
  // could write into what is being put back.
  if (!SweepProcesses(kSweepBound, &err)) {
    *why = err;
    return false;
  }
  if (!RemoveSysvIpc(&err, opt_.proc_root)) {
    *why = err;
    return false;
  }
  for (const auto& [dir, state] : from.system) {
    if (!keeper_.Restore(dir, state, &err)) {
      *why = "putting back " + dir + ": " + err;
      return false;
    }
  }
  if (!keeper_.Restore(plan_.workdir, from.workdir, &err)) {
    *why = "making the workdir: " + err;
    return false;
  }
  if (!MakeDirs(opt_.private_dir, 0700, &err)) {
    *why = "probe directory: " + err;
    return false;
  }
  if (!WriteOverlay(plan_.workdir, box.files, &err)) {
    *why = err;
    return false;
  }
  return true;
}

StepResult BoxRunner::RunOneStep(const Step& planned) {
  Step step = WithDir(planned, plan_.workdir);
  // A step never runs past the plan's deadline: the probe must still
  // report in time for the grader to read it.
  bool cut = false;
  if (plan_.deadline_s > 0 && Left() < step.process.timeout_s) {
    step.process.timeout_s = std::max(Left(), 0.1);
    cut = true;
  }
  StepEnv env;
  env.spawn.step_dir = plan_.workdir;
  env.spawn.private_dir = opt_.private_dir;
  env.probe_path = opt_.probe_path;
  const OomLedger::Ticket ticket = oom_.Enter();
  StepResult r = RunStep(step, env);
  // Read once the process has been reaped, so an OOM kill of it is counted
  // by then (the kernel counts before it signals).
  const bool rose = oom_.Leave(ticket);
  r.process.oom_killed = AttributeOomKill(r.process, ProbeSentSigkill(step, r), rose);
  r.cut_by_deadline = cut && r.process.timed_out;
  return r;
}

void BoxRunner::RunBox(const Box& box, std::vector<StepResult>* results) {
  auto not_run = [&](const std::string& why) {
    for (auto& r : *results) {
      r.process = protocol::ProcessResult{};
      r.process.error = "not run: " + why;
    }
  };
  std::string why;
  const Snapshot* from = SourceOf(box, &why);
  if (from == nullptr) {
    not_run(why);
    return;
  }
  for (int attempt = 1; attempt <= box.attempts; ++attempt) {
    if (Left() < kMinStepSeconds) {
      if (attempt == 1) {
        not_run("the grading time ran out (the plan's deadline of " +
                std::to_string(static_cast<int>(plan_.deadline_s)) + " s) before this box");
      }
      // Not run, or fewer attempts than planned: the deadline decided.
      for (auto& r : *results) r.cut_by_deadline = true;
      return;  // earlier attempts' results stand
    }
    if (!MakeBox(box, *from, &why)) {
      not_run("the probe could not prepare the box: " + why);
      AddError(report_, "box '" + box.id + "': " + why);
      return;
    }
    std::vector<StepResult> now(box.steps.size());
    for (std::size_t i = 0; i < box.steps.size(); ++i) {
      if (Left() < kMinStepSeconds) {
        now[i].id = box.steps[i].id;
        now[i].process.error = "not run: the grading time ran out before this step";
        now[i].cut_by_deadline = true;
        continue;
      }
      now[i] = RunOneStep(box.steps[i]);
    }
    const bool passed = Passed(now.back().process);
    for (std::size_t i = 0; i < now.size(); ++i) {
      StepResult& r = (*results)[i];
      if (attempt > 1) r.earlier_attempts.push_back(std::move(r.process));
      auto earlier = std::move(r.earlier_attempts);
      r = std::move(now[i]);
      r.earlier_attempts = std::move(earlier);
    }
    if (passed) break;
  }
  if (!box.save) return;
  // What it leaves: the workdir as it is now; the system folders as the box
  // left them only when every step was the grader's own.
  Snapshot kept;
  std::string err;
  if (!SweepProcesses(kSweepBound, &err) ||
      !keeper_.Capture(plan_.workdir, opt_.limits, &kept.workdir, &err)) {
    save_errors_[box.id] = err;
    return;
  }
  if (protocol::HasStudentStep(box)) {
    kept.system = from->system;
  } else {
    for (const auto& dir : plan_.system_dirs) {
      if (!keeper_.Capture(dir, opt_.limits, &kept.system[dir], &err)) {
        save_errors_[box.id] = err;
        return;
      }
    }
  }
  saved_[box.id] = std::move(kept);
}

void BoxRunner::Run() {
  std::map<std::string, int> timeouts_in_a_row;  // group -> count
  for (const auto& box : plan_.boxes) {
    std::vector<StepResult> results(box.steps.size());
    for (std::size_t i = 0; i < box.steps.size(); ++i) {
      results[i].id = box.steps[i].id;
      if (box.steps[i].kind == Step::Kind::kSignal) results[i].signal.emplace();
    }
    int* in_a_row = box.group.empty() ? nullptr : &timeouts_in_a_row[box.group];
    if (in_a_row != nullptr && box.group_timeouts > 0 && *in_a_row >= box.group_timeouts) {
      for (auto& r : results) {
        r.process.timed_out = true;
        r.process.error = "skipped: the " + std::to_string(*in_a_row) +
                          " boxes of its group before it each timed out";
      }
    } else {
      RunBox(box, &results);
      if (in_a_row != nullptr) {
        const bool timed_out = std::any_of(results.begin(), results.end(), [](const auto& r) {
          return r.process.timed_out && !r.cut_by_deadline;
        });
        *in_a_row = timed_out ? *in_a_row + 1 : 0;
      }
    }
    for (auto& r : results) report_->steps.push_back(std::move(r));
  }
  std::string err;
  if (!SweepProcesses(kSweepBound, &err)) AddError(report_, "after the last box: " + err);
}

}  // namespace

Report RunPlan(const Plan& plan, const Trees& trees, const ProbeOptions& opt) {
  Report report;
  report.nonce = plan.nonce;
  BoxRunner runner(plan, opt, &report);
  if (runner.Prepare(trees)) runner.Run();
  return report;
}

}  // namespace ipc::probe
