// A class of students for batch tests: FakeFetcher snapshots under
// /srv/<student>, and a FakeContainerRunner that plays the probe (reads the
// plan from the container's stdin and answers every step of every box), so RunBatch
// drives the real GradeOne, scorer and writers with no git and no engine.
// Per student, the build can be made to fail, the engine to fail, or the
// whole run to throw ipc::Fatal (a crash of the grader).
#pragma once

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "rubric_text.h"
#include "batch/roster.h"
#include "fake_container_runner.h"
#include "fake_fetcher.h"
#include "pipeline/grade.h"
#include "protocol/probe_protocol.h"
#include "rubric/rubric.h"
#include "util/error.h"
#include "util/fs.h"

namespace ipc::batch::testing {

inline constexpr const char* kClassRubric = R"(
assignment: t
ref: [final, main]
limits: {memory_mb: 300, pids: 64, cpus: 0.5, wall_s: 40}
programs:
  listener:
    kind: signal_listener
    source: listener.c
    binary: listener
    build: [gcc, -o, listener, listener.c]
    start: "Listener PID: {pid}"
    handlers:
      - {signal: SIGUSR1, prints: "SIGUSR1 received!", exit_code: 0}
parts:
  - {id: setup, title: Setup, points: 1}
  - {id: part1, title: Part 1, points: 2}
checks:
  - {id: files, part: setup, title: files, type: files_present, points: 1, files: [listener.c]}
  - {id: build, part: part1, title: build, type: command, points: 1, run: [make]}
  - id: usr1
    part: part1
    title: usr1
    type: signal
    points: 1
    needs: [build]
    from: build
    program: [./listener]
    reference: listener
    signal: SIGUSR1
    stdout: [file]
)";

inline std::string ReadFileText(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class FakeClass {
 public:
  FakeClass() {
    rubric_ = ipc::testing::ParseTestRubric(kClassRubric, "t.yaml");
    rubric_.sha256 = "rubric-sha-1";
    env.rubric = &rubric_;
    env.fetcher = &fetcher;
    env.runner = &runner;
    env.run_image = "ipc-grader/run:test";
    env.image = "python:latest";
    env.image_id = "sha256:image-1";
    env.grader_version = "test-1";
    env.secret = std::string(64, '5');
    runner.SetHandler([this](const container::RunSpec& spec) { return Answer(spec); });
  }

  void Add(const std::string& student, const std::string& commit = "") {
    fetch::Snapshot snap;
    snap.revision.ref = "final";
    snap.revision.ref_kind = "tag";
    snap.revision.commit = commit.empty() ? std::string(40, 'a') : commit;
    snap.entries.push_back({"listener.c", fetch::EntryType::kFile, 3});
    snap.tar = "TAR";
    fetcher.Add("/srv/" + student, snap);
    std::lock_guard lock(mu_);
    if (std::find(students_.begin(), students_.end(), student) == students_.end()) {
      students_.push_back(student);
    }
  }
  void SetCommit(const std::string& student, const std::string& commit) { Add(student, commit); }

  std::vector<RosterEntry> Roster() const {
    std::vector<RosterEntry> r;
    int line = 2;
    for (const auto& s : students_) r.push_back({s, "/srv/" + s, {}, line++});
    return r;
  }

  // Behaviour of the fake probe, per student.
  void FailBuild(const std::string& student) {
    std::lock_guard lock(mu_);
    failing_build_.insert(student);
  }
  void EngineFails(const std::string& student, bool on) {
    std::lock_guard lock(mu_);
    if (on) {
      engine_fails_.insert(student);
    } else {
      engine_fails_.erase(student);
    }
  }
  void CrashOn(const std::string& student) {
    std::lock_guard lock(mu_);
    crash_on_ = student;
  }
  // Called inside the container run of `student` (e.g. to raise an interrupt).
  void DuringRunOf(const std::string& student, std::function<void()> f) {
    std::lock_guard lock(mu_);
    during_[student] = std::move(f);
  }

  // Students whose container ran, in order.
  std::vector<std::string> Graded() const {
    std::vector<std::string> names;
    for (const auto& spec : runner.Runs()) names.push_back(spec.name_hint);
    return names;
  }

  rubric::Rubric& rubric() { return rubric_; }

  fetch::FakeFetcher fetcher;
  container::FakeContainerRunner runner;
  pipeline::Environment env;

 private:
  container::RunResult Answer(const container::RunSpec& spec) {
    const std::string student = spec.name_hint;
    bool fail_build = false, engine = false, crash = false;
    std::function<void()> during;
    {
      std::lock_guard lock(mu_);
      fail_build = failing_build_.count(student) > 0;
      engine = engine_fails_.count(student) > 0;
      crash = crash_on_ == student;
      if (auto it = during_.find(student); it != during_.end()) during = it->second;
    }
    if (during) during();
    if (crash) throw Fatal("simulated grader crash on " + student);
    if (engine) return container::FakeContainerRunner::EngineFailure("daemon hiccup");
    const auto nl = spec.stdin_data.find('\n');
    const protocol::Plan plan =
        protocol::PlanFromJson(nlohmann::json::parse(spec.stdin_data.substr(0, nl)));
    protocol::Report rep;
    rep.nonce = plan.nonce;
    for (const auto& box : plan.boxes) {
      for (const auto& step : box.steps) {
        protocol::StepResult s;
        s.id = step.id;
        s.process.started = true;
        s.process.pid = 42;
        s.process.exit_code = (fail_build && s.id == "build/run") ? 2 : 0;
        if (step.kind == protocol::Step::Kind::kSignal) {
          s.process.stdout_data = "Listener PID: 42\nSIGUSR1 received!\n";
        }
        rep.steps.push_back(s);
      }
    }
    return container::FakeContainerRunner::Exited(
        0, std::string(protocol::kReportBegin) + plan.nonce + "\n" + protocol::ToJson(rep).dump() +
               "\n" + protocol::kReportEnd + plan.nonce + "\n");
  }

  rubric::Rubric rubric_;
  mutable std::mutex mu_;
  std::vector<std::string> students_;
  std::set<std::string> failing_build_;
  std::set<std::string> engine_fails_;
  std::string crash_on_;
  std::map<std::string, std::function<void()>> during_;
};

// A fresh temporary folder, removed at the end of the test.
class TempDir {
 public:
  TempDir() : path_(MakeTempDir("ipc-batch-test-")) {}
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& sub) const { return path_ + "/" + sub; }

 private:
  std::string path_;
};

}  // namespace ipc::batch::testing
