// Test helpers for check types and the scorer: a rubric from inline YAML,
// a snapshot built from a list of paths, and probe results built by hand,
// so scoring is tested without a container.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "checks/check_type.h"
#include "protocol/case_batch.h"
#include "fetch/fetcher.h"
#include "protocol/probe_protocol.h"
#include "report/result.h"
#include "rubric/rubric.h"
#include "score/scorer.h"

namespace ipc::testing {

struct ScoringFixture {
  rubric::Rubric rubric;
  fetch::Snapshot snapshot;
  protocol::Report report;
  protocol::Plan plan;

  void Load(const std::string& yaml) {
    rubric = rubric::ParseRubric(yaml, "test.yaml");
    checks::ValidateChecks(rubric);
    checks::PlanBuilder builder(&plan);
    for (const auto& c : rubric.checks) checks::FindType(c.type)->Plan(c, rubric, builder);
  }
  void AddFile(const std::string& path, const std::string& data = "x",
               fetch::EntryType type = fetch::EntryType::kFile) {
    snapshot.entries.push_back({path, type, data.size()});
    snapshot.files[path] = data;
  }
  // A result for planned step `id` (must exist in the plan). A stdin_cases
  // check whose side runs all its cases in one step (protocol/case_batch.h)
  // plans one step "CHECK/student" or "CHECK/reference"; its cases are still
  // set here as "CHECK/SIDE/CASE" and Score() writes them into that step's
  // output as the runner would.
  protocol::StepResult& Step(const std::string& id) {
    for (auto& s : report.steps) {
      if (s.id == id) return s;
    }
    if (const auto slash = id.rfind('/'); slash != std::string::npos) {
      const auto* runner = FindPlanned(id.substr(0, slash));
      if (runner != nullptr && IsBatch(*runner)) {
        for (const auto& c : protocol::BatchFromRequest(runner->process.stdin_data)) {
          if (c.name != id.substr(slash + 1)) continue;
          protocol::StepResult& r = batch_cases[id];
          r.id = id;
          r.process.started = true;
          if (!r.process.exit_code && !r.process.term_signal) r.process.exit_code = 0;
          return r;
        }
      }
    }
    const bool planned = FindPlanned(id) != nullptr;
    EXPECT_TRUE(planned) << "no planned step " << id;
    protocol::StepResult r;
    r.id = id;
    r.process.started = true;
    r.process.exit_code = 0;
    report.steps.push_back(r);
    return report.steps.back();
  }
  // Exit code / output in one call.
  protocol::StepResult& Exited(const std::string& id, int code, const std::string& out = "",
                               int pid = 0) {
    auto& s = Step(id);
    s.process.exit_code = code;
    s.process.term_signal.reset();
    s.process.stdout_data = out;
    s.process.stdout_bytes = out.size();
    s.process.pid = pid;
    return s;
  }
  protocol::StepResult& Killed(const std::string& id, int sig, const std::string& out = "",
                               int pid = 0) {
    auto& s = Step(id);
    s.process.exit_code.reset();
    s.process.term_signal = sig;
    s.process.stdout_data = out;
    s.process.pid = pid;
    return s;
  }
  report::Result Score(bool with_report = true) {
    WriteBatchSteps();
    checks::Evidence ev;
    ev.rubric = &rubric;
    ev.snapshot = &snapshot;
    if (with_report) ev.report = &report;
    else ev.container_error = "engine went away";
    report::Result r;
    score::Score(rubric, ev, &r);
    return r;
  }
  // Results of cases a batch step runs, by "CHECK/SIDE/CASE".
  std::map<std::string, protocol::StepResult> batch_cases;

  static bool IsBatch(const protocol::Step& step) {
    return step.process.stdin_data.starts_with("{\"cases\":");
  }

  const protocol::Step* FindPlanned(const std::string& id) const {
    for (const auto& s : plan.steps) {
      if (s.id == id) return &s;
    }
    return nullptr;
  }
  // Each runner step's output: a record per case set through Step().
  void WriteBatchSteps() {
    for (const auto& step : plan.steps) {
      if (!IsBatch(step)) continue;
      std::string out;
      const auto cases = protocol::BatchFromRequest(step.process.stdin_data);
      for (std::size_t i = 0; i < cases.size(); ++i) {
        auto it = batch_cases.find(step.id + "/" + cases[i].name);
        if (it != batch_cases.end()) {
          out += protocol::BatchRecord(i, it->second.process, "fake");
        }
      }
      if (out.empty()) continue;
      protocol::StepResult* runner = nullptr;
      for (auto& s : report.steps) {
        if (s.id == step.id) runner = &s;
      }
      if (runner == nullptr) {
        runner = &report.steps.emplace_back();
        runner->id = step.id;
        runner->process.started = true;
        runner->process.exit_code = 0;
      }
      runner->process.stdout_data = out;
    }
  }
  static const report::CheckResult& Check(const report::Result& r, const std::string& id) {
    for (const auto& c : r.checks) {
      if (c.id == id) return c;
    }
    ADD_FAILURE() << "no check " << id;
    static report::CheckResult none;
    return none;
  }
};

}  // namespace ipc::testing
