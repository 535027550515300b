#include "probe/plan_runner.h"

#include <sys/stat.h>

#include <map>
#include <set>
#include <system_error>
#include <thread>

#include "probe/sealed_tools.h"
#include "probe/step_attempts.h"
#include "probe/step_slots.h"
#include "probe/sweep.h"
#include "probe/user_db.h"
#include "probe/workdir_swap.h"

namespace ipc::probe {
namespace {

constexpr auto kSweepBound = std::chrono::seconds(10);

using protocol::Plan;
using protocol::Report;
using protocol::Step;
using protocol::StepResult;

void AddError(Report* report, const std::string& what) {
  report->probe_error += (report->probe_error.empty() ? "" : "; ") + what;
}

bool RunsAlone(const Step& s) { return s.fresh_users || s.at_workdir; }

// What every step of the run shares.
struct Shared {
  const Plan& plan;
  const ProbeOptions& opt;
  const SealedTools& tools;
  const UserDb& users;
  const SandboxMaker& sandboxes;
  const std::map<std::string, std::string>& sandbox_dirs;  // "" = could not be made
  OomLedger& oom;
};

void RunOne(const Shared& sh, std::size_t i, bool alone, StepResult* result,
            std::string* probe_error) {
  const Step& step = sh.plan.steps[i];
  StepContext ctx;
  ctx.workdir = sh.plan.workdir;
  ctx.dir = sh.plan.workdir;
  if (!step.sandbox.empty()) {
    auto it = sh.sandbox_dirs.find(step.sandbox);
    if (it == sh.sandbox_dirs.end() || it->second.empty()) return;  // error already filled in
    ctx.dir = it->second;
  }
  ctx.private_dir = sh.opt.private_dir;
  ctx.tools = &sh.tools;
  ctx.sandboxes = &sh.sandboxes;
  ctx.users = &sh.users;
  ctx.alone = alone;
  ctx.oom = &sh.oom;
  *result = RunPlannedStep(step, ctx, probe_error);
}

// Runs the steps at `indexes` concurrently; fills results[i] for each.
void RunConcurrently(const Shared& sh, const std::vector<std::size_t>& indexes,
                     std::vector<StepResult>* results, std::vector<std::string>* errors) {
  // One busy step at a time, up to eight when some are only waiting (see
  // step_slots.h): a 28-case matrix started at once costs far more CPU and
  // would eat the container's memory and pids.
  StepSlots slots(SlotPolicy{});
  auto run_one = [&](std::size_t i, std::size_t order) {
    const auto token = slots.Acquire(order);
    RunOne(sh, i, /*alone=*/false, &(*results)[i], &(*errors)[i]);
    slots.Release(token);
  };
  std::vector<std::thread> threads;
  for (std::size_t order = 0; order < indexes.size(); ++order) {
    try {
      threads.emplace_back(run_one, indexes[order], order);
    } catch (const std::system_error&) {
      // No thread to be had (the pids limit counts threads too, and a
      // student's fork bomb may be eating it): run it here instead.
      run_one(indexes[order], order);
    }
  }
  for (auto& t : threads) t.join();
}

// Makes the sandboxes first named in this group (see Step::sandbox).
void MakeSandboxes(const Plan& plan, const std::vector<std::size_t>& indexes, SandboxMaker* maker,
                   std::map<std::string, std::string>* dirs, std::vector<StepResult>* results) {
  for (std::size_t i : indexes) {
    const Step& step = plan.steps[i];
    const std::string& name = step.sandbox;
    if (name.empty() || dirs->count(name)) continue;
    bool retried = false;  // validated: a retried step's sandbox is its own
    for (const auto& s : plan.steps) retried = retried || (s.sandbox == name && s.attempts > 1);
    std::string why;
    (*dirs)[name] = maker->Make(name, step.sandbox_from, retried, &why);
    if ((*dirs)[name].empty()) {
      for (std::size_t j : indexes) {
        if (plan.steps[j].sandbox == name) {
          (*results)[j].process.error = "sandbox '" + name + "': " + why;
        }
      }
    }
  }
}

}  // namespace

Report RunPlan(const Plan& plan, const std::string& archive, const ProbeOptions& opt) {
  Trees trees;
  trees.main = archive;
  return RunPlan(plan, trees, opt);
}

Report RunPlan(const Plan& plan, const Trees& trees, const ProbeOptions& opt) {
  Report report;
  report.nonce = plan.nonce;
  std::string err;
  // First of all, before anything of the student's runs.
  SealedTools tools;
  if (!tools.Seal(opt.tools_dir, &err)) {
    AddError(&report, "sealing the grader's tools: " + err);
    return report;
  }
  UserDb users;
  bool need_users = false;
  for (const auto& s : plan.steps) need_users = need_users || s.fresh_users;
  if (need_users && !users.Snapshot(opt.etc_dir, opt.home_dir, &err)) {
    // Only the fresh_users steps suffer: their Restore says so.
    AddError(&report, "user database snapshot: " + err);
  }
  err.clear();
  if (!MakeDirs(opt.private_dir, 0700, &err)) {
    AddError(&report, "probe directory: " + err);
    return report;
  }
  bool need_swap = false;
  for (const auto& s : plan.steps) need_swap = need_swap || s.at_workdir;
  if (need_swap && !MakeWorkdirRenamable(plan.workdir, &err)) {
    AddError(&report, "preparing the workdir for at_workdir steps: " + err);
    return report;
  }
  // The workdir is world-traversable (0755), as with the assignment's bind
  // mount: its DD test runs `su - garfield -c "python /root/cat.py"`, which
  // only works if garfield can traverse /root (0700 in the image).
  if (!MakeDirs(plan.workdir, 0755, &err) || ::chmod(plan.workdir.c_str(), 0755) != 0) {
    AddError(&report, "workdir: " + (err.empty() ? "cannot chmod '" + plan.workdir + "'" : err));
    return report;
  }
  if (!trees.main.empty() && !tar::Extract(trees.main, plan.workdir, opt.limits, &err)) {
    AddError(&report, "extracting the submission into '" + plan.workdir + "': " + err);
    return report;
  }
  for (const auto& name : plan.extra_trees) {
    if (!trees.extra.count(name)) {
      AddError(&report, "no tar for extra tree '" + name + "'");
      return report;
    }
  }

  std::vector<StepResult> results(plan.steps.size());
  std::map<int, std::vector<std::size_t>> groups;
  for (std::size_t i = 0; i < plan.steps.size(); ++i) {
    results[i].id = plan.steps[i].id;
    if (plan.steps[i].kind == Step::Kind::kSignal) results[i].signal.emplace();
    groups[plan.steps[i].group].push_back(i);
  }
  SandboxPaths paths;
  paths.root = opt.sandbox_root;
  paths.template_root =
      opt.template_root.empty() ? opt.sandbox_root + "-templates" : opt.template_root;
  paths.limits = opt.limits;
  SandboxMaker maker(plan.workdir, &trees, paths);
  // A sandbox is made once, at the start of the first group that names it;
  // later groups keep using it (a check's set-up and its cases run in turn
  // in it). Only a retry makes it again.
  std::map<std::string, std::string> sandbox_dirs;
  OomLedger oom([&opt] { return ReadOomKills(opt.cgroup_root); });
  const Shared shared{plan, opt, tools, users, maker, sandbox_dirs, oom};
  std::vector<std::string> step_errors(plan.steps.size());
  for (const auto& [group, indexes] : groups) {
    const std::string where = "before group " + std::to_string(group) + ": ";
    err.clear();
    // An earlier group's student step may have overwritten a tool that a
    // script of this group runs by path.
    if (!tools.Restore(&err)) AddError(&report, where + err);
    MakeSandboxes(plan, indexes, &maker, &sandbox_dirs, &results);
    std::vector<std::size_t> together;
    for (std::size_t i : indexes) {
      if (!RunsAlone(plan.steps[i])) {
        together.push_back(i);
        continue;
      }
      RunOne(shared, i, /*alone=*/true, &results[i], &step_errors[i]);
    }
    RunConcurrently(shared, together, &results, &step_errors);
    err.clear();
    if (!SweepProcesses(kSweepBound, &err)) {
      AddError(&report, "after group " + std::to_string(group) + ": " + err);
    }
  }
  for (const auto& e : step_errors) {
    if (!e.empty()) AddError(&report, e);
  }
  report.steps = std::move(results);
  return report;
}

}  // namespace ipc::probe
