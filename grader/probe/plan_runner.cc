#include "probe/plan_runner.h"

#include <sys/stat.h>

#include <map>
#include <set>
#include <system_error>
#include <thread>

#include "probe/sandbox.h"
#include "probe/step_runner.h"
#include "probe/sweep.h"

namespace ipc::probe {
namespace {

using protocol::Plan;
using protocol::Report;
using protocol::StepResult;

constexpr auto kSweepBound = std::chrono::seconds(10);

void AddError(Report* report, const std::string& what) {
  report->probe_error += (report->probe_error.empty() ? "" : "; ") + what;
}

// Runs the steps at `indexes` concurrently; fills results[i] for each.
void RunGroup(const Plan& plan, const std::vector<std::size_t>& indexes,
              const std::map<std::string, std::string>& sandboxes, const ProbeOptions& opt,
              std::vector<StepResult>* results) {
  auto run_one = [&](std::size_t i) {
    const auto& step = plan.steps[i];
    std::string dir = plan.workdir;
    if (!step.sandbox.empty()) {
      auto it = sandboxes.find(step.sandbox);
      if (it == sandboxes.end() || it->second.empty()) return;  // error already filled in
      dir = it->second;
    }
    (*results)[i] = RunStep(step, SpawnContext{dir, opt.private_dir});
  };
  std::vector<std::thread> threads;
  for (std::size_t i : indexes) {
    try {
      threads.emplace_back(run_one, i);
    } catch (const std::system_error&) {
      // No thread to be had (the pids limit counts threads too, and a
      // student's fork bomb may be eating it): run it here instead.
      run_one(i);
    }
  }
  for (auto& t : threads) t.join();
}

}  // namespace

Report RunPlan(const Plan& plan, const std::string& archive, const ProbeOptions& opt) {
  Report report;
  report.nonce = plan.nonce;
  std::string err;
  if (!MakeDirs(opt.private_dir, 0700, &err)) {
    AddError(&report, "probe directory: " + err);
    return report;
  }
  // The workdir is world-traversable (0755), as with the assignment's bind
  // mount: its DD test runs `su - garfield -c "python /root/cat.py"`, which
  // only works if garfield can traverse /root (0700 in the image).
  if (!MakeDirs(plan.workdir, 0755, &err) || ::chmod(plan.workdir.c_str(), 0755) != 0) {
    AddError(&report, "workdir: " + (err.empty() ? "cannot chmod '" + plan.workdir + "'" : err));
    return report;
  }
  if (!archive.empty() && !tar::Extract(archive, plan.workdir, opt.limits, &err)) {
    AddError(&report, "extracting the submission into '" + plan.workdir + "': " + err);
    return report;
  }

  std::vector<StepResult> results(plan.steps.size());
  std::map<int, std::vector<std::size_t>> groups;
  for (std::size_t i = 0; i < plan.steps.size(); ++i) {
    results[i].id = plan.steps[i].id;
    if (plan.steps[i].kind == protocol::Step::Kind::kSignal) results[i].signal.emplace();
    groups[plan.steps[i].group].push_back(i);
  }
  for (const auto& [group, indexes] : groups) {
    // Sandboxes are copied at the start of their group, from the workdir
    // as the earlier groups left it.
    std::map<std::string, std::string> sandboxes;
    for (std::size_t i : indexes) {
      const std::string& name = plan.steps[i].sandbox;
      if (name.empty() || sandboxes.count(name)) continue;
      std::string why;
      sandboxes[name] = MakeSandbox(plan.workdir, opt.sandbox_root, name, opt.private_dir, &why);
      if (sandboxes[name].empty()) {
        for (std::size_t j : indexes) {
          if (plan.steps[j].sandbox == name)
            results[j].process.error = "sandbox '" + name + "': " + why;
        }
      }
    }
    RunGroup(plan, indexes, sandboxes, opt, &results);
    if (!SweepProcesses(kSweepBound, &err)) {
      AddError(&report, "after group " + std::to_string(group) + ": " + err);
    }
  }
  report.steps = std::move(results);
  return report;
}

}  // namespace ipc::probe
