// Test helpers for check types and the scorer: a rubric from inline YAML (or
// a rubric file of rubrics/), planned as the pipeline plans it (boxes, the
// grader's own first, checked by protocol::ValidatePlan), a snapshot built
// from a list of paths, and probe results built by hand, so planning and
// scoring are tested without a container.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <string>

#include "rubric_text.h"
#include "checks/check_type.h"
#include "fetch/fetcher.h"
#include "protocol/box_layout.h"
#include "protocol/case_batch.h"
#include "protocol/probe_protocol.h"
#include "report/result.h"
#include "rubric/rubric.h"
#include "score/scorer.h"

namespace ipc::testing {

// The source tree (rubrics/, reference/): ctest passes IPC_SOURCE_DIR; a
// target may define IPC_DEFAULT_SOURCE_DIR for runs outside ctest.
inline std::string SourceDir() {
  if (const char* env = std::getenv("IPC_SOURCE_DIR"); env != nullptr && *env != '\0') return env;
#ifdef IPC_DEFAULT_SOURCE_DIR
  return IPC_DEFAULT_SOURCE_DIR;
#else
  ADD_FAILURE() << "IPC_SOURCE_DIR is not set";
  return ".";
#endif
}

// The assignment's data files and programs, as rubrics/ipc-project.yaml
// describes them, for rubrics written inline in tests.
inline constexpr const char* kProgramsYaml = R"(
data_files:
  - {path: secret.txt, content: "Hey! This is a secret!"}
  - {path: litterbox/treasure.txt, content: "Treasure found!"}
programs:
  listener:
    kind: signal_listener
    source: listener.c
    binary: listener
    build: [gcc, -o, listener, listener.c]
    start: "Listener PID: {pid}"
    handlers:
      - {signal: SIGINT, prints: "SIGINT received!", exit_code: 1}
      - {signal: SIGUSR1, prints: "SIGUSR1 received!", exit_code: 0}
  cat: {kind: path_cat, source: cat.py, folder: litterbox, refusal: MEOW}
mutants:
  - {name: no-usr1-handler, program: listener, remove_handler: SIGUSR1,
     description: has no SIGUSR1 handler (SIGUSR1 kills it),
     hint: check that output.log holds 'SIGUSR1 received!'}
  - {name: always-meow, program: cat, never_open: true,
     description: never prints the file (it always says MEOW),
     hint: compare the output with the expected text}
  - {name: refuses-traversal, program: cat, refuse_traversal: true,
     description: refuses ../ paths, hint: test ../secret.txt}
)";

// A rubric with `rest` (its parts and checks) after the header and
// kProgramsYaml.
inline std::string RubricWithPrograms(const std::string& rest) {
  return "assignment: t\nref: [final]\n" + std::string(kProgramsYaml) + rest;
}

struct ScoringFixture {
  rubric::Rubric rubric;
  fetch::Snapshot snapshot;                           // the graded ref
  std::map<std::string, fetch::Snapshot> other_refs;  // e.g. part1, when present
  std::map<std::string, std::string> other_ref_errors;
  protocol::Report report;
  protocol::Plan plan;
  std::string token_seed = "fixture-secret\nfixture-commit";

  // Parses and validates `yaml`, then plans as if the submission's files
  // were unknown (no snapshot: types that read it plan their default).
  void Load(const std::string& yaml, const std::string& path = "test.yaml") {
    rubric = ipc::testing::ParseTestRubric(yaml, path);
    checks::ValidateChecks(rubric);
    Replan(/*with_snapshot=*/false);
  }
  // A rubric of rubrics/ ("ipc-project.yaml"), loaded from its file.
  void LoadRubricFile(const std::string& name) {
    rubric = rubric::LoadRubric(SourceDir() + "/rubrics/" + name);
    checks::ValidateChecks(rubric);
    Replan(/*with_snapshot=*/false);
  }
  // Plans every check as the pipeline does (grade.cc): the same builder
  // arguments, Finish (grader boxes first), then ValidatePlan, which throws
  // on a plan the probe would refuse.
  void Replan(bool with_snapshot = true) {
    plan = {};
    plan.workdir = rubric.workdir;
    plan.system_dirs = protocol::SystemDirs();
    checks::PlanBuilder builder(&plan, with_snapshot ? &snapshot : nullptr,
                                with_snapshot ? &other_refs : nullptr,
                                &checks::ProgramsOf(rubric), token_seed, &rubric);
    for (const auto& c : rubric.checks) checks::FindType(c.type)->Plan(c, rubric, builder);
    builder.Finish();
    protocol::ValidatePlan(plan);
  }
  void AddFile(const std::string& path, const std::string& data = "x",
               fetch::EntryType type = fetch::EntryType::kFile) {
    snapshot.entries.push_back({path, type, data.size()});
    snapshot.files[path] = data;
  }

  // ---- The plan ----------------------------------------------------------
  const protocol::Box* PlannedBox(const std::string& id) const {
    for (const auto& b : plan.boxes) {
      if (b.id == id) return &b;
    }
    return nullptr;
  }
  // The planned step `id`, and the box it is in.
  const protocol::Step* Planned(const std::string& id, const protocol::Box** in = nullptr) const {
    for (const auto& b : plan.boxes) {
      for (const auto& s : b.steps) {
        if (s.id != id) continue;
        if (in != nullptr) *in = &b;
        return &s;
      }
    }
    return nullptr;
  }
  // The index of box `id` in the plan (the probe runs them in this order);
  // -1 when absent.
  int BoxIndex(const std::string& id) const {
    for (std::size_t i = 0; i < plan.boxes.size(); ++i) {
      if (plan.boxes[i].id == id) return static_cast<int>(i);
    }
    return -1;
  }

  // ---- The report --------------------------------------------------------
  // A result for planned step `id` (started, exit 0 until changed). A step
  // that runs many stdin cases itself (protocol/case_batch.h: the reference
  // side of a stdin_cases check, "CHECK/reference") has its cases set here
  // as "CHECK/reference/CASE"; Score() writes them into that step's output
  // as the runner would.
  protocol::StepResult& Step(const std::string& id) {
    for (auto& s : report.steps) {
      if (s.id == id) return s;
    }
    if (const auto slash = id.rfind('/'); slash != std::string::npos) {
      const auto* runner = Planned(id.substr(0, slash));
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
    EXPECT_NE(Planned(id), nullptr) << "no planned step " << id;
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
    s.process.stdout_bytes = out.size();
    s.process.pid = pid;
    return s;
  }
  void Forget(const std::string& id) {
    std::erase_if(report.steps, [&](const protocol::StepResult& s) { return s.id == id; });
    batch_cases.erase(id);
  }

  // ---- Scoring -----------------------------------------------------------
  checks::Evidence MakeEvidence(bool with_report = true) {
    WriteBatchSteps();
    checks::Evidence ev;
    ev.rubric = &rubric;
    ev.snapshot = &snapshot;
    ev.other_refs = other_refs;
    ev.other_ref_errors = other_ref_errors;
    ev.programs = &checks::ProgramsOf(rubric);
    ev.token_seed = token_seed;
    if (with_report) {
      ev.report = &report;
    } else {
      ev.container_error = "engine went away";
    }
    return ev;
  }
  report::Result Score(bool with_report = true) {
    const checks::Evidence ev = MakeEvidence(with_report);
    report::Result r;
    score::Score(rubric, ev, &r);
    return r;
  }
  // What check `id`'s type says, before the scorer's rules (needs,
  // points, the insight rule).
  checks::Outcome Judge(const std::string& id) {
    const checks::Evidence ev = MakeEvidence();
    const rubric::Check* c = rubric.FindCheck(id);
    EXPECT_NE(c, nullptr) << "no check " << id;
    if (c == nullptr) return checks::Outcome::Error("no check " + id);
    return checks::FindType(c->type)->Score(*c, ev);
  }
  // Results of cases a batch step runs, by "CHECK/reference/CASE".
  std::map<std::string, protocol::StepResult> batch_cases;

  static bool IsBatch(const protocol::Step& step) {
    return step.process.stdin_data.starts_with("{\"cases\":");
  }
  // Each batch step's output: a record per case set through Step().
  void WriteBatchSteps() {
    for (const auto& box : plan.boxes) {
      for (const auto& step : box.steps) {
        if (!IsBatch(step)) continue;
        std::string out;
        const auto cases = protocol::BatchFromRequest(step.process.stdin_data);
        for (std::size_t i = 0; i < cases.size(); ++i) {
          auto it = batch_cases.find(step.id + "/" + cases[i].name);
          if (it != batch_cases.end()) out += protocol::BatchRecord(i, it->second.process, "fake");
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
        runner->process.stdout_bytes = out.size();
      }
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

inline bool Has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace ipc::testing
