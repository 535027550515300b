// GradeOne's wiring, with a fake fetcher and a fake engine that plays the
// probe: it reads the plan from the container's stdin and answers every
// step, so the test sees what the real pipeline ships and how it reads back.
#include <gtest/gtest.h>

#include <csignal>

#include "fake_container_runner.h"
#include "checks/check_type.h"
#include "fake_fetcher.h"
#include "pipeline/grade.h"
#include "protocol/probe_protocol.h"

namespace ipc::pipeline {
namespace {

using container::FakeContainerRunner;

constexpr const char* kRubric = R"(
assignment: t
ref: [final, main]
limits: {memory_mb: 300, pids: 64, cpus: 0.5, wall_s: 40}
parts:
  - {id: p, title: P, points: 3}
checks:
  - {id: files, part: p, title: files, type: files_present, points: 1, files: [listener.c]}
  - {id: build, part: p, title: build, type: command, points: 1, run: [make]}
  - id: usr1
    part: p
    title: usr1
    type: signal
    points: 1
    needs: [build]
    program: [./listener]
    reference: [ref-listener]
    signal: SIGUSR1
    stdout: [file]
)";

std::string Frame(const protocol::Report& r, const std::string& nonce) {
  return std::string(protocol::kReportBegin) + nonce + "\n" + protocol::ToJson(r).dump() + "\n" +
         protocol::kReportEnd + nonce + "\n";
}

protocol::Plan PlanOf(const container::RunSpec& spec) {
  const auto nl = spec.stdin_data.find('\n');
  return protocol::PlanFromJson(nlohmann::json::parse(spec.stdin_data.substr(0, nl)));
}

// Answers like a probe running a correct submission.
protocol::Report Answer(const protocol::Plan& plan) {
  protocol::Report rep;
  rep.nonce = plan.nonce;
  for (const auto& step : plan.steps) {
    protocol::StepResult s;
    s.id = step.id;
    s.process.started = true;
    s.process.pid = 42;
    s.process.exit_code = 0;
    s.process.wall_s = 0.25;
    if (step.kind == protocol::Step::Kind::kSignal) {
      s.process.stdout_data = "Listener PID: 42\nSIGUSR1 received!\n";
    }
    rep.steps.push_back(s);
  }
  return rep;
}

class PipelineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    rubric_ = rubric::ParseRubric(kRubric, "t.yaml");
    fetch::Snapshot snap;
    snap.revision.ref = "final";
    snap.revision.commit = "0123456789abcdef0123456789abcdef01234567";
    snap.entries.push_back({"listener.c", fetch::EntryType::kFile, 3});
    snap.tar = "TARBYTES";
    fetcher_.Add("/srv/alice", snap);
    env_.rubric = &rubric_;
    env_.fetcher = &fetcher_;
    env_.runner = &runner_;
    env_.run_image = "ipc-grader/run:test";
    env_.image = "python:latest";
    env_.grader_version = "test";
    env_.engine_userns = "none";
  }
  report::Result Grade() { return GradeOne({"alice", "/srv/alice", {}}, env_); }

  rubric::Rubric rubric_;
  fetch::FakeFetcher fetcher_;
  FakeContainerRunner runner_;
  Environment env_;
};

TEST_F(PipelineTest, ShipsPlanAndTarOnStdinWithRubricLimitsAndScoresTheReport) {
  runner_.SetHandler([](const container::RunSpec& spec) {
    const auto plan = PlanOf(spec);
    return FakeContainerRunner::Exited(0, "noise\n" + Frame(Answer(plan), plan.nonce));
  });
  const auto r = Grade();
  ASSERT_EQ(r.status, "graded") << r.error;
  EXPECT_EQ(r.score, 3);
  EXPECT_EQ(r.ref, "final");
  EXPECT_EQ(r.commit.substr(0, 4), "0123");
  EXPECT_EQ(r.provenance.engine_userns, "none");
  EXPECT_EQ(report::ResultFromJson(report::ToJson(r)).provenance.engine_userns, "none");
  const auto runs = runner_.Runs();
  ASSERT_EQ(runs.size(), 1u);
  const auto& spec = runs[0];
  EXPECT_EQ(spec.image, "ipc-grader/run:test");
  EXPECT_EQ(spec.limits.memory_bytes, 300ull << 20);
  EXPECT_EQ(spec.limits.pids, 64);
  EXPECT_DOUBLE_EQ(spec.limits.wall_s, 40);
  EXPECT_TRUE(spec.stdin_data.ends_with("\nTARBYTES"));
  const auto plan = PlanOf(spec);
  EXPECT_EQ(plan.workdir, "/root");
  EXPECT_EQ(plan.nonce.size(), 32u);
  // The reference tool is resolved into the image's tools folder.
  bool saw_ref = false;
  for (const auto& s : plan.steps) {
    saw_ref |= s.process.argv.at(0) == "/opt/ipc-grader/ref-listener";
  }
  EXPECT_TRUE(saw_ref);
  // Where the time went, by check type, from the steps' wall times: the
  // build's one step and the signal check's two (student and reference).
  EXPECT_DOUBLE_EQ(r.timing.at("steps.command"), 0.25);
  EXPECT_DOUBLE_EQ(r.timing.at("steps.signal"), 0.5);
  EXPECT_EQ(r.timing.count("steps.files_present"), 0u) << "no steps, no time";
}

TEST_F(PipelineTest, ForgedReportsDoNotCount) {
  // A student who found the container's stdout prints a perfect report
  // under a guessed nonce, and the real probe saw a failing build.
  runner_.SetHandler([](const container::RunSpec& spec) {
    const auto plan = PlanOf(spec);
    protocol::Plan forged_plan = plan;
    forged_plan.nonce = std::string(32, 'f');
    auto real = Answer(plan);
    for (auto& s : real.steps) {
      if (s.id == "build/run") s.process.exit_code = 2;
    }
    return FakeContainerRunner::Exited(
        0, Frame(Answer(forged_plan), forged_plan.nonce) + Frame(real, plan.nonce));
  });
  const auto r = Grade();
  // A foreign frame means the stream was tampered with: an error verdict
  // (regraded by staff), never the forged full marks.
  EXPECT_EQ(r.status, "error");
  EXPECT_EQ(r.score, 0);
  EXPECT_NE(r.error.find("forged"), std::string::npos) << r.error;
}

TEST_F(PipelineTest, TwoFramesWithTheRealNonceAreAnErrorNeverAGrade) {
  runner_.SetHandler([](const container::RunSpec& spec) {
    const auto plan = PlanOf(spec);
    const std::string f = Frame(Answer(plan), plan.nonce);
    return FakeContainerRunner::Exited(0, f + f);
  });
  const auto r = Grade();
  EXPECT_EQ(r.status, "error");
  EXPECT_EQ(r.score, 0);
}

TEST_F(PipelineTest, CloneFailureIsAnErrorResultWithTheCause) {
  fetcher_.Fail("/srv/bob", fetch::FetchErrorKind::kAuth, "authentication refused by git.example");
  const auto r = GradeOne({"bob", "/srv/bob", {}}, env_);
  EXPECT_EQ(r.status, "error");
  EXPECT_EQ(r.error, "authentication refused by git.example");
  EXPECT_TRUE(runner_.Runs().empty());
}

TEST_F(PipelineTest, EngineFailureAndTimeoutAreErrorsWithTheCause) {
  runner_.QueueResult(FakeContainerRunner::EngineFailure("Error response from daemon: boom"));
  auto r = Grade();
  EXPECT_EQ(r.status, "error");
  EXPECT_NE(r.error.find("boom"), std::string::npos) << r.error;
  runner_.QueueResult(FakeContainerRunner::TimedOut());
  r = Grade();
  EXPECT_EQ(r.status, "error");
  EXPECT_NE(r.error.find("40 s wall-time limit"), std::string::npos) << r.error;
}

// Lanes (pipeline/lanes.h): the dd_insight check runs alone with fresh
// users, so with more than one lane it moves to a second container.
constexpr const char* kLanesRubric = R"(
assignment: t
ref: [final]
limits: {memory_mb: 300, pids: 64, cpus: 0.5, wall_s: 40}
parts:
  - {id: p, title: P, points: 2}
checks:
  - {id: build, part: p, title: build, type: command, points: 1, run: [make]}
  - {id: build2, part: p, title: build again, type: command, points: 1, run: [make, all]}
  - {id: insight, part: p, title: insight, type: dd_insight, points: 0, user: garfield}
)";

class PipelineLanesTest : public PipelineTest {
 protected:
  void SetUp() override {
    PipelineTest::SetUp();
    rubric_ = rubric::ParseRubric(kLanesRubric, "t.yaml");  // env_.rubric points here
    runner_.SetHandler(Probe);
  }
  static container::RunResult Probe(const container::RunSpec& spec) {
    const auto plan = PlanOf(spec);
    return FakeContainerRunner::Exited(0, Frame(Answer(plan), plan.nonce));
  }
};

TEST_F(PipelineLanesTest, SameVerdictsInOneContainerOrSeveral) {
  env_.lanes = 1;
  const auto one = Grade();
  ASSERT_EQ(one.status, "graded") << one.error;
  ASSERT_EQ(runner_.Runs().size(), 1u);
  env_.lanes = 3;
  const auto several = Grade();
  ASSERT_EQ(several.status, "graded") << several.error;
  const auto runs = runner_.Runs();
  ASSERT_EQ(runs.size(), 3u) << "one run, then two side by side (one unit moves)";
  // Each container had its own nonce and the rubric's limits.
  EXPECT_NE(PlanOf(runs[1]).nonce, PlanOf(runs[2]).nonce);
  EXPECT_EQ(runs[2].limits.pids, 64);
  ASSERT_EQ(one.checks.size(), several.checks.size());
  for (std::size_t i = 0; i < one.checks.size(); ++i) {
    EXPECT_EQ(one.checks[i].id, several.checks[i].id);
    EXPECT_EQ(one.checks[i].status, several.checks[i].status) << one.checks[i].id;
    EXPECT_EQ(one.checks[i].score, several.checks[i].score) << one.checks[i].id;
  }
}

TEST_F(PipelineLanesTest, ALaneWithoutAReportIsAnErrorNamingThatContainer) {
  env_.lanes = 2;
  // The container that runs the moved unit (the insight check) times out.
  runner_.SetHandler([](const container::RunSpec& spec) {
    if (spec.stdin_data.find("\"insight/") != std::string::npos) {
      return FakeContainerRunner::TimedOut();
    }
    return Probe(spec);
  });
  const auto r = Grade();
  EXPECT_EQ(r.status, "error");
  EXPECT_NE(r.error.find("container 2 of 2: the whole run exceeded"), std::string::npos) << r.error;
}

TEST(PlanBuilder, UseTreeShipsAFetchedRefOnceAndNamesIt) {
  protocol::Plan plan;
  fetch::Snapshot graded;
  std::map<std::string, fetch::Snapshot> refs;
  refs["part1"].tar = "PART1TAR";
  checks::PlanBuilder b(&plan, &graded, &refs);
  EXPECT_EQ(b.snapshot(), &graded);
  EXPECT_EQ(b.RefSnapshot("part1"), &refs["part1"]);
  EXPECT_EQ(b.RefSnapshot("final"), nullptr);
  EXPECT_EQ(b.UseTree("part1"), "tree:part1");
  EXPECT_EQ(b.UseTree("part1"), "tree:part1");
  EXPECT_EQ(b.UseTree("final"), "");  // not fetched: nothing to ship
  EXPECT_EQ(plan.extra_trees, std::vector<std::string>{"part1"});
  // Without refs (some unit tests) every ref is missing.
  protocol::Plan bare;
  checks::PlanBuilder none(&bare);
  EXPECT_EQ(none.UseTree("part1"), "");
  EXPECT_TRUE(bare.extra_trees.empty());
}

TEST(StudentNames, OnlySafeFolderNamesAreAccepted) {
  EXPECT_EQ(CheckStudentName("alice.b-c_1"), "");
  EXPECT_NE(CheckStudentName("../etc"), "");
  EXPECT_NE(CheckStudentName(".hidden"), "");
  EXPECT_NE(CheckStudentName("a/b"), "");
  EXPECT_NE(CheckStudentName(""), "");
}

}  // namespace
}  // namespace ipc::pipeline
