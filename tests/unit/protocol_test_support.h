// Shared pieces of the protocol tests: a plan that uses every field of
// every box and step kind, and the error text a changed copy of it gets.
#pragma once

#include <gtest/gtest.h>

#include <csignal>
#include <functional>
#include <string>

#include "protocol/base64.h"
#include "protocol/probe_protocol.h"

namespace ipc::protocol::testing {

inline std::string AllBytes() {
  std::string s;
  for (int i = 0; i < 256; ++i) s += static_cast<char>(i);
  return s;
}

// boxes[0] "setup": the grader's own build, saved.
// boxes[1] "cat": from an extra tree, with files, retried; a student
//          exec step with every process field, and a stat step.
// boxes[2] "listener": from what "setup" saved; a signal step and a
//          traced exec step.
inline Plan SamplePlan() {
  Plan plan;
  plan.nonce = "0123abcd";
  plan.workdir = "/root";
  plan.system_dirs = {"/etc", "/tmp", "/dev/shm"};
  plan.deadline_s = 165;
  plan.extra_trees = {"part1", "refs/heads/odd name"};

  Box setup;
  setup.id = "setup";
  setup.save = true;
  Step build;
  build.id = "build/run";
  build.student = false;
  build.process.argv = {"make", "-C", "dir with space"};
  build.process.timeout_s = 30;
  setup.steps.push_back(build);
  plan.boxes.push_back(setup);

  Box cat;
  cat.id = "cat";
  cat.from = FromTree("part1");
  cat.files = {{"listener", "#!/bin/sh\nexec /opt/ipc-grader/ref-listener\n", 0755, false},
               {"litterbox/bytes.bin", AllBytes(), 0600, true}};
  cat.attempts = 3;
  Step run;
  run.id = "cat/student/binary";
  run.process.argv = {"python", "cat.py"};
  run.process.cwd = "sub";
  run.process.user = "garfield";
  run.process.login_shell = true;
  run.process.stdin_data = AllBytes() + "\xff\xfe\n";
  run.process.env = {{"PYTHONIOENCODING", "utf-8"}, {"X", ""}};
  run.process.stdout_mode = StdoutMode::kFile;
  run.process.output_cap = 4096;
  cat.steps.push_back(run);
  Step stat;
  stat.id = "cat/stat";
  stat.kind = Step::Kind::kStat;
  stat.student = false;
  stat.paths = {".", "litterbox/treasure.txt"};
  cat.steps.push_back(stat);
  plan.boxes.push_back(cat);

  Box listener;
  listener.id = "listener";
  listener.from = FromBox("setup");
  Step sig;
  sig.id = "listener/student-pty";
  sig.kind = Step::Kind::kSignal;
  sig.process.argv = {"./listener"};
  sig.process.stdout_mode = StdoutMode::kPty;
  sig.signal = SIGUSR1;
  sig.ready_signals = {SIGINT, SIGUSR1};
  sig.ready_on_pause = false;
  sig.ready_timeout_s = 2.5;
  listener.steps.push_back(sig);
  Step job;
  job.id = "ci/job";
  job.process.argv = {"bash", "-c", "tests/run.sh && tests/other.sh"};
  job.watch = {"tests/run.sh", "tests/other.sh"};
  listener.steps.push_back(job);
  plan.boxes.push_back(listener);
  return plan;
}

// The error text PlanFromJson gives for the sample plan changed by `edit`,
// or "(accepted)".
inline std::string PlanError(const std::function<void(nlohmann::json&)>& edit) {
  nlohmann::json j = ToJson(SamplePlan());
  edit(j);
  try {
    PlanFromJson(j);
  } catch (const ProtocolError& e) {
    return e.what();
  }
  return "(accepted)";
}

// The error text ValidatePlan gives for the sample plan changed by `edit`
// (a plan the grader built in memory), or "(accepted)".
inline std::string RuleError(const std::function<void(Plan&)>& edit) {
  Plan plan = SamplePlan();
  edit(plan);
  try {
    ValidatePlan(plan);
  } catch (const ProtocolError& e) {
    return e.what();
  }
  return "(accepted)";
}

}  // namespace ipc::protocol::testing
