#include "probe/plan_runner.h"

#include <sys/stat.h>

#include <map>
#include <set>
#include <system_error>
#include <thread>

#include "probe/sandbox.h"

#include <semaphore>
#include "probe/step_runner.h"
#include "probe/sweep.h"

namespace ipc::probe {
namespace {

constexpr std::ptrdiff_t kMaxParallel = 8;

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
  // At most kMaxParallel steps at once: a 28-case matrix would otherwise
  // start 56 interpreters together and eat the container's memory and pids.
  std::counting_semaphore<kMaxParallel> slots(kMaxParallel);
  auto run_one = [&](std::size_t i) {
    protocol::Step step = plan.steps[i];
    std::string dir = plan.workdir;
    if (!step.sandbox.empty()) {
      auto it = sandboxes.find(step.sandbox);
      if (it == sandboxes.end() || it->second.empty()) return;  // error already filled in
      dir = it->second;
    }
    // "{dir}" in argv is the folder the step runs in: a plan cannot know a
    // sandbox's path, and `su -` moves the working directory away from it.
    for (auto& arg : step.process.argv) {
      for (std::size_t at; (at = arg.find("{dir}")) != std::string::npos;) arg.replace(at, 5, dir);
    }
    slots.acquire();
    (*results)[i] = RunStep(step, SpawnContext{dir, opt.private_dir});
    slots.release();
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
  // A sandbox is copied once, at the start of the first group that names
  // it, from the workdir as the earlier groups left it; later groups keep
  // using that copy (a check's set-up and its cases run in turn in it).
  std::map<std::string, std::string> sandboxes;
  for (const auto& [group, indexes] : groups) {
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
