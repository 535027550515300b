// GradeOne's wiring, with a fake fetcher and a fake engine that plays the
// probe: it reads the plan from the container's stdin and answers every
// step of every box, so the test sees what the real pipeline ships (one
// container, its plan, its limits, its writable folders) and how it reads
// the report back.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "rubric_text.h"
#include "checks/check_type.h"
#include "fake_container_runner.h"
#include "fake_fetcher.h"
#include "pipeline/grade.h"
#include "protocol/box_layout.h"
#include "protocol/probe_protocol.h"
#include "reference/oracle_yaml.h"
#include "util/error.h"

namespace ipc::pipeline {
namespace {

using container::FakeContainerRunner;

constexpr const char* kCommit = "0123456789abcdef0123456789abcdef01234567";
constexpr const char* kSecret = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";

constexpr const char* kRubric = R"(
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
      - {signal: SIGINT, prints: "SIGINT received!", exit_code: 1}
      - {signal: SIGUSR1, prints: "SIGUSR1 received!", exit_code: 0}
parts:
  - {id: p, title: P, points: 4}
checks:
  - {id: files, part: p, title: files, type: files_present, points: 1, files: [listener.c]}
  - {id: build, part: p, title: build, type: command, points: 1, run: [make]}
  - id: makefile
    part: p
    title: make compile builds what it is given
    type: command
    points: 1
    files:
      - {path: listener.c, content: "int main(void) { puts(\"TOKEN={token}\"); }\n"}
    run: [make, compile]
    then:
      - {run: [./listener], expect_stdout: "{token}"}
  - id: usr1
    part: p
    title: usr1
    type: signal
    points: 1
    needs: [build]
    from: build
    program: [./listener]
    reference: listener
    signal: SIGUSR1
    ready: [SIGINT, SIGUSR1]
    stdout: [file]
    expect: {output: ["Listener PID: {pid}", "SIGUSR1 received!"], exit_code: 0}
)";

std::string Frame(const protocol::Report& r, const std::string& nonce) {
  return std::string(protocol::kReportBegin) + nonce + "\n" + protocol::ToJson(r).dump() + "\n" +
         protocol::kReportEnd + nonce + "\n";
}

protocol::Plan PlanOf(const container::RunSpec& spec) {
  const auto nl = spec.stdin_data.find('\n');
  return protocol::PlanFromJson(nlohmann::json::parse(spec.stdin_data.substr(0, nl)));
}

// What the program a box's files hold prints: the token after "TOKEN=".
std::string PrintedToken(const protocol::Box& box) {
  for (const auto& f : box.files) {
    const auto at = f.content.find("TOKEN=");
    if (at != std::string::npos) return f.content.substr(at + 6, 20) + "\n";
  }
  return "";
}

// Answers like a probe running a correct submission.
protocol::Report Answer(const protocol::Plan& plan) {
  protocol::Report rep;
  rep.nonce = plan.nonce;
  for (const auto& box : plan.boxes) {
    for (const auto& step : box.steps) {
      protocol::StepResult s;
      s.id = step.id;
      s.process.started = true;
      s.process.pid = 42;
      s.process.exit_code = 0;
      s.process.wall_s = 0.25;
      if (step.kind == protocol::Step::Kind::kSignal) {
        s.process.stdout_data = "Listener PID: 42\nSIGUSR1 received!\n";
      }
      if (step.id == "makefile/then.1") s.process.stdout_data = PrintedToken(box);
      rep.steps.push_back(s);
    }
  }
  return rep;
}

container::RunResult Probe(const container::RunSpec& spec) {
  const auto plan = PlanOf(spec);
  return FakeContainerRunner::Exited(0, "noise\n" + Frame(Answer(plan), plan.nonce));
}

fetch::Snapshot Snapshot(const std::string& commit = kCommit) {
  fetch::Snapshot snap;
  snap.revision.ref = "final";
  snap.revision.why = "the newest tag other than part1";
  snap.revision.commit = commit;
  snap.entries.push_back({"listener.c", fetch::EntryType::kFile, 3});
  snap.tar = "TARBYTES";
  return snap;
}

class PipelineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    rubric_ = ipc::testing::ParseTestRubric(kRubric, "t.yaml");
    fetcher_.Add("/srv/alice", Snapshot());
    env_.rubric = &rubric_;
    env_.fetcher = &fetcher_;
    env_.runner = &runner_;
    env_.run_image = "ipc-grader/run:test";
    env_.image = "python:latest";
    env_.grader_version = "test";
    env_.engine_userns = "none";
    env_.secret = kSecret;
  }
  report::Result Grade() { return GradeOne({"alice", "/srv/alice", {}}, env_); }
  // Grades once with the fake probe and returns the plan it was sent.
  protocol::Plan PlanSent() {
    runner_.SetHandler(Probe);
    const auto before = runner_.RunCount();
    const auto r = Grade();
    EXPECT_EQ(r.status, "graded") << r.error;
    EXPECT_EQ(runner_.RunCount(), before + 1);
    return PlanOf(runner_.Runs().back());
  }

  rubric::Rubric rubric_;
  fetch::FakeFetcher fetcher_;
  FakeContainerRunner runner_;
  Environment env_;
};

const protocol::Box* FindBox(const protocol::Plan& plan, const std::string& id) {
  for (const auto& b : plan.boxes) {
    if (b.id == id) return &b;
  }
  return nullptr;
}

TEST_F(PipelineTest, OneContainerGetsThePlanAndTheTarAndTheReportIsScored) {
  runner_.SetHandler(Probe);
  const auto r = Grade();
  ASSERT_EQ(r.status, "graded") << r.error;
  EXPECT_EQ(r.score, 4);
  EXPECT_EQ(r.ref, "final");
  EXPECT_EQ(r.ref_why, "the newest tag other than part1");
  EXPECT_EQ(r.commit, kCommit);
  EXPECT_EQ(r.provenance.engine_userns, "none");
  EXPECT_EQ(report::ResultFromJson(report::ToJson(r)).provenance.engine_userns, "none");
  const auto runs = runner_.Runs();
  ASSERT_EQ(runs.size(), 1u);
  const auto& spec = runs[0];
  EXPECT_EQ(spec.image, "ipc-grader/run:test");
  EXPECT_EQ(spec.command, std::vector<std::string>{"/opt/ipc-grader/probe"});
  EXPECT_EQ(spec.limits.memory_bytes, 300ull << 20);
  EXPECT_EQ(spec.limits.pids, 64);
  EXPECT_DOUBLE_EQ(spec.limits.cpus, 0.5);
  EXPECT_DOUBLE_EQ(spec.limits.wall_s, 40);
  EXPECT_EQ(spec.labels.at("io.ipc-grader.student"), "alice");
  EXPECT_TRUE(spec.stdin_data.ends_with("\nTARBYTES"));
  const auto plan = PlanOf(spec);
  EXPECT_EQ(plan.workdir, "/root");
  EXPECT_EQ(plan.nonce.size(), 32u);
  EXPECT_TRUE(plan.extra_trees.empty());
  // Where the time went, by check type, from the steps' wall times: the
  // two command checks' three exec steps, the signal check's reference and
  // student runs (one stdout mode each).
  EXPECT_DOUBLE_EQ(r.timing.at("steps.command"), 0.75);
  EXPECT_DOUBLE_EQ(r.timing.at("steps.signal"), 0.5);
  EXPECT_EQ(r.timing.count("steps.files_present"), 0u) << "no steps, no time";
}

TEST_F(PipelineTest, TheImageIsReadOnlyButTheWorkdirAndTheFoldersTheProbePutsBack) {
  runner_.SetHandler(Probe);
  Grade();
  ASSERT_EQ(runner_.RunCount(), 1u);
  const auto spec = runner_.Runs()[0];
  std::vector<container::RunSpec::Writable> want = {{"/root", false, 0755}};
  for (const auto& m : protocol::WritableMounts()) {
    const bool sticky = m.path == "/tmp" || m.path == "/var/tmp";
    want.push_back({m.path, m.image_content, sticky ? 01777 : 0755});
  }
  EXPECT_EQ(spec.writable, want);
  // /etc starts with the image's user database (adduser changes it).
  const auto etc = std::find_if(spec.writable.begin(), spec.writable.end(),
                                [](const auto& w) { return w.path == "/etc"; });
  ASSERT_NE(etc, spec.writable.end());
  EXPECT_TRUE(etc->image_content);
  // The probe is told the same folders, plus the engine's own under /dev.
  EXPECT_EQ(PlanOf(spec).system_dirs, protocol::SystemDirs());
}

TEST_F(PipelineTest, TheProbeStopsStartingStepsFifteenSecondsBeforeTheWallTime) {
  EXPECT_DOUBLE_EQ(PlanSent().deadline_s, 25);  // wall_s 40
  // But it keeps at least half of a short wall time for the steps.
  rubric_.limits.wall_s = 20;
  EXPECT_DOUBLE_EQ(PlanSent().deadline_s, 10);
}

TEST_F(PipelineTest, TheReferenceRunsConfiguredByTheRubricBeforeAnyStudentCode) {
  const auto plan = PlanSent();
  const auto& programs = checks::ProgramsOf(rubric_);
  std::vector<std::string> want =
      reference::ReferenceArgv(programs.programs.at("listener").spec);
  want[0] = "/opt/ipc-grader/" + want[0];
  const auto* ref = FindBox(plan, "usr1/reference");
  ASSERT_NE(ref, nullptr);
  ASSERT_EQ(ref->steps.size(), 1u);
  EXPECT_EQ(ref->steps[0].process.argv, want);
  EXPECT_FALSE(ref->steps[0].student);
  // The student's listener runs where the build check's box ended.
  const auto* mine = FindBox(plan, "usr1/file");
  ASSERT_NE(mine, nullptr);
  EXPECT_EQ(mine->from, protocol::FromBox("build/run"));
  EXPECT_EQ(mine->steps.at(0).process.argv, std::vector<std::string>{"./listener"});
  // Every box without a student step comes before the first with one.
  bool seen_student = false;
  for (const auto& b : plan.boxes) {
    if (protocol::HasStudentStep(b)) {
      seen_student = true;
    } else {
      EXPECT_FALSE(seen_student) << b.id << " (the grader's own) runs after student code";
    }
  }
  EXPECT_TRUE(seen_student);
}

TEST_F(PipelineTest, TokensComeFromTheInstallationsSecretAndTheCommit) {
  const auto token_in = [](const protocol::Plan& plan) {
    const auto* box = FindBox(plan, "makefile/run");
    EXPECT_NE(box, nullptr);
    return box ? PrintedToken(*box) : std::string();
  };
  const auto first = PlanSent();
  const std::string token = token_in(first);
  EXPECT_EQ(token,
            checks::Token(std::string(kSecret) + "\n" + kCommit, "makefile", "token") + "\n");
  // The secret itself never enters the container.
  EXPECT_EQ(runner_.Runs().back().stdin_data.find(kSecret), std::string::npos);

  // The same commit, the same installation: the same plan but its nonce,
  // so a stored result of an unchanged submission stays valid.
  auto again = PlanSent();
  EXPECT_NE(again.nonce, first.nonce);
  again.nonce = first.nonce;
  EXPECT_EQ(again, first);

  // Another commit, or another installation: another token.
  fetcher_.Add("/srv/alice", Snapshot("fedcba9876543210fedcba9876543210fedcba98"));
  const std::string other_commit = token_in(PlanSent());
  fetcher_.Add("/srv/alice", Snapshot());
  env_.secret = std::string(64, 'a');
  const std::string other_secret = token_in(PlanSent());
  EXPECT_NE(other_commit, token);
  EXPECT_NE(other_secret, token);
  EXPECT_NE(other_secret, other_commit);
}

TEST_F(PipelineTest, ABuildThatPrintsAnotherTokenFails) {
  runner_.SetHandler([](const container::RunSpec& spec) {
    const auto plan = PlanOf(spec);
    auto rep = Answer(plan);
    for (auto& s : rep.steps) {
      if (s.id == "makefile/then.1") s.process.stdout_data = "TOKEN=guessed\n";
    }
    return FakeContainerRunner::Exited(0, Frame(rep, plan.nonce));
  });
  const auto r = Grade();
  ASSERT_EQ(r.status, "graded") << r.error;
  EXPECT_EQ(r.score, 3);
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

TEST_F(PipelineTest, EngineFailureTimeoutAndOomAreErrorsWithTheCause) {
  runner_.QueueResult(FakeContainerRunner::EngineFailure("Error response from daemon: boom"));
  auto r = Grade();
  EXPECT_EQ(r.status, "error");
  EXPECT_NE(r.error.find("boom"), std::string::npos) << r.error;
  runner_.QueueResult(FakeContainerRunner::TimedOut());
  r = Grade();
  EXPECT_EQ(r.status, "error");
  EXPECT_NE(r.error.find("40 s wall-time limit"), std::string::npos) << r.error;
  runner_.QueueResult(FakeContainerRunner::OomKilled());
  r = Grade();
  EXPECT_EQ(r.status, "error");
  EXPECT_NE(r.error.find("out of memory (limit 300 MB)"), std::string::npos) << r.error;
  EXPECT_EQ(runner_.RunCount(), 3u) << "one container per grading, never a second one";
}

TEST_F(PipelineTest, ARubricWithNothingToRunStartsNoContainer) {
  rubric_ = ipc::testing::ParseTestRubric(R"(
assignment: t
ref: [final]
parts:
  - {id: p, title: P, points: 1}
checks:
  - {id: files, part: p, title: files, type: files_present, points: 1, files: [listener.c]}
)",
                                "t.yaml");
  const auto r = Grade();
  EXPECT_EQ(r.status, "graded") << r.error;
  EXPECT_EQ(r.score, 1);
  EXPECT_EQ(runner_.RunCount(), 0u);
}

TEST(PlanBuilder, UseTreeShipsAFetchedRefOnceAndNamesIt) {
  protocol::Plan plan;
  fetch::Snapshot graded;
  std::map<std::string, fetch::Snapshot> refs;
  refs["part1"].tar = "PART1TAR";
  checks::PlanBuilder b(&plan, &graded, &refs, nullptr, "seed", nullptr);
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

class SecretTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ipc-secret-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_;
};

TEST_F(SecretTest, MadeOnceAsPrivateRandomHexAndKept) {
  const std::string cache = dir_ + "/cache";  // made if missing
  const std::string secret = LoadSecret(cache);
  EXPECT_EQ(secret.size(), 64u);
  EXPECT_EQ(secret.find_first_not_of("0123456789abcdef"), std::string::npos) << secret;
  struct stat st {};
  ASSERT_EQ(stat((cache + "/secret").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(LoadSecret(cache), secret);  // kept
  EXPECT_NE(LoadSecret(dir_ + "/other"), secret);
}

TEST_F(SecretTest, AnUnusableSecretIsFatalNeverAWeakOne) {
  std::ofstream(dir_ + "/secret") << "short\n";
  EXPECT_THROW(LoadSecret(dir_), Fatal);
  // A folder where it cannot be made.
  EXPECT_THROW(LoadSecret("/proc/no-such-folder"), Fatal);
}

}  // namespace
}  // namespace ipc::pipeline
