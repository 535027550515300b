// Check types and the scorer, driven by hand-made probe observations.
#include <csignal>
#include <filesystem>
#include <fstream>

#include "report/feedback.h"
#include "scoring_fixture.h"

namespace ipc::testing {
namespace {

using report::CheckStatus;

constexpr const char* kRubric = R"(
assignment: t
ref: [final]
parts:
  - {id: setup, title: Setup, points: 2}
  - {id: part1, title: Part 1, points: 6}
  - {id: part2, title: Part 2, points: 4}
checks:
  - id: files
    part: setup
    title: files
    type: files_present
    points: 2
    files: [a.txt, b.txt, dir/, c.txt]
  - id: build
    part: part1
    title: make builds
    type: command
    points: 2
    run: [make]
  - id: usr1
    part: part1
    title: SIGUSR1
    type: signal
    points: 4
    needs: [build]
    program: [./listener]
    reference: [ref-listener]
    signal: SIGUSR1
    expect:
      output: ["Listener PID: {pid}", "SIGUSR1 received!"]
      exit_code: 0
  - id: cat
    part: part2
    title: cat
    type: stdin_cases
    points: 4
    program: [python, cat.py]
    reference: [ref-cat]
    cases:
      - {name: treasure, stdin: "treasure.txt", expect: content}
      - {name: missing, stdin: "nope"}
      - {name: secret, stdin: "../secret.txt"}
      - {name: badutf8, stdin_hex: "ff"}
)";

class ChecksTest : public ::testing::Test, public ScoringFixture {
 protected:
  void SetUp() override {
    Load(kRubric);
    AddFile("a.txt");
    AddFile("b.txt");
    AddFile("c.txt");
    snapshot.entries.push_back({"dir", fetch::EntryType::kDir, 0});
    Exited("build/run", 0);
    for (const char* mode : {"file", "pipe", "pty"}) {
      Exited(std::string("usr1/reference-") + mode, 0, "Listener PID: 7\nSIGUSR1 received!\n", 7);
      Exited(std::string("usr1/student-") + mode, 0, "Listener PID: 9\nSIGUSR1 received!\n", 9);
    }
    CatCase("treasure", 0, "Treasure found!\n", 0, "Treasure found!\n");
    CatCase("missing", 0, "MEOW [Errno 2] No such file or directory: './litterbox/nope'\n", 0,
            "MEOW [Errno 2] No such file or directory: './litterbox/nope'\n");
    CatCase("secret", 0, "Hey! This is a secret!\n", 0, "Hey! This is a secret!\n");
    CatCase("badutf8", 1, "", 1, "");
  }
  void CatCase(const std::string& name, int s_code, const std::string& s_out, int r_code,
               const std::string& r_out) {
    Exited("cat/student/" + name, s_code, s_out);
    Exited("cat/reference/" + name, r_code, r_out);
  }
};

TEST_F(ChecksTest, PerfectSubmissionGetsFullMarks) {
  const auto r = Score();
  for (const auto& c : r.checks) EXPECT_EQ(c.status, CheckStatus::kPass) << c.id << ": " << c.message;
  EXPECT_EQ(r.score, 12);
  EXPECT_EQ(r.max_score, 12);
  ASSERT_EQ(r.parts.size(), 3u);
  EXPECT_EQ(r.parts[1].score, 6);
}

TEST_F(ChecksTest, FilesPresentGivesPartialCreditAndNamesWhatIsMissing) {
  snapshot.entries.erase(snapshot.entries.begin() + 1);  // b.txt
  snapshot.entries[1].type = fetch::EntryType::kSymlink;  // c.txt
  const auto scored_ = Score();
  const auto& c = Check(scored_, "files");
  EXPECT_EQ(c.status, CheckStatus::kFail);
  EXPECT_DOUBLE_EQ(c.score, 1.0);  // 2 of 4
  EXPECT_NE(c.message.find("b.txt is missing"), std::string::npos) << c.message;
  EXPECT_NE(c.message.find("c.txt is a symbolic link"), std::string::npos) << c.message;
}

TEST_F(ChecksTest, FailedBuildSkipsTheChecksThatNeedIt) {
  Exited("build/run", 2).process.stderr_data = "make: *** No rule to make target\n";
  const auto r = Score();
  EXPECT_EQ(Check(r, "build").status, CheckStatus::kFail);
  EXPECT_NE(Check(r, "build").output.find("No rule"), std::string::npos);
  const auto& usr1 = Check(r, "usr1");
  EXPECT_EQ(usr1.status, CheckStatus::kSkipped);
  EXPECT_EQ(usr1.score, 0);
  EXPECT_NE(usr1.message.find("make builds"), std::string::npos) << usr1.message;
}

TEST_F(ChecksTest, MissingHandlerNamesTheSignalExpectedAndWhatHappened) {
  for (const char* mode : {"file", "pipe", "pty"}) {
    Killed(std::string("usr1/student-") + mode, SIGUSR1, "", 9);
  }
  const auto scored_ = Score();
  const auto& c = Check(scored_, "usr1");
  EXPECT_EQ(c.status, CheckStatus::kFail);
  EXPECT_EQ(c.score, 0);
  EXPECT_NE(c.message.find("after SIGUSR1"), std::string::npos) << c.message;
  EXPECT_NE(c.message.find("killed by SIGUSR1 instead of exit 0"), std::string::npos) << c.message;
  EXPECT_NE(c.message.find("install a handler"), std::string::npos) << c.message;
  EXPECT_NE(c.expected.find("'SIGUSR1 received!'"), std::string::npos) << c.expected;
  EXPECT_NE(c.reference.find("exit 0"), std::string::npos) << c.reference;
}

TEST_F(ChecksTest, SignalCreditIsTheShareOfStdoutModesThatBehave) {
  // Output lost when stdout is a file or a pipe (e.g. _exit() in the
  // handler skips the stdio flush), fine on a terminal.
  Exited("usr1/student-file", 0, "", 9);
  Exited("usr1/student-pipe", 0, "", 9);
  const auto scored_ = Score();
  const auto& c = Check(scored_, "usr1");
  EXPECT_EQ(c.status, CheckStatus::kFail);
  EXPECT_NEAR(c.score, 4.0 / 3.0, 0.01);
}

TEST_F(ChecksTest, PidLineMustShowTheRealPid) {
  for (const char* mode : {"file", "pipe", "pty"}) {
    Exited(std::string("usr1/student-") + mode, 0, "Listener PID: 1234\nSIGUSR1 received!\n", 9);
  }
  EXPECT_EQ(Check(Score(), "usr1").status, CheckStatus::kFail);
}

TEST_F(ChecksTest, SwappedExitCodeFails) {
  for (const char* mode : {"file", "pipe", "pty"}) {
    Exited(std::string("usr1/student-") + mode, 1, "Listener PID: 9\nSIGUSR1 received!\n", 9);
  }
  const auto scored_ = Score();
  const auto& c = Check(scored_, "usr1");
  EXPECT_EQ(c.status, CheckStatus::kFail);
  EXPECT_NE(c.message.find("exit 1 instead of exit 0"), std::string::npos) << c.message;
}

TEST_F(ChecksTest, HonestCatVariationsKeepFullMarks) {
  CatCase("missing", 0, "MEOW\n", 0, "MEOW [Errno 2] No such file or directory: './litterbox/nope'\n");
  CatCase("treasure", 0, "Treasure found!", 0, "Treasure found!\n\n");  // stdout.write / stripped
  EXPECT_EQ(Check(Score(), "cat").status, CheckStatus::kPass);
}

TEST_F(ChecksTest, CatThatCrashesInsteadOfMeowLosesThatCase) {
  CatCase("missing", 1, "", 0, "MEOW [Errno 2] No such file or directory: './litterbox/nope'\n");
  const auto scored_ = Score();
  const auto& c = Check(scored_, "cat");
  EXPECT_EQ(c.status, CheckStatus::kFail);
  EXPECT_DOUBLE_EQ(c.score, 3.0);  // 3 of 4 cases
  EXPECT_NE(c.message.find("yours crashed (exit 1), the reference refused (MEOW)"),
            std::string::npos)
      << c.message;
}

TEST_F(ChecksTest, SecureCatFailsTheRequiredTraversalAndTheReference) {
  CatCase("treasure", 0, "MEOW\n", 0, "Treasure found!\n");
  const auto scored_ = Score();
  const auto& c = Check(scored_, "cat");
  EXPECT_NE(c.message.find("the assignment requires content"), std::string::npos) << c.message;
}

TEST_F(ChecksTest, NoReportMakesContainerChecksErrorsNotZeros) {
  const auto r = Score(/*with_report=*/false);
  EXPECT_EQ(Check(r, "files").status, CheckStatus::kPass);  // from git alone
  const auto& build = Check(r, "build");
  EXPECT_EQ(build.status, CheckStatus::kError);
  EXPECT_NE(build.message.find("engine went away"), std::string::npos) << build.message;
}

TEST_F(ChecksTest, FeedbackShowsExpectedYoursAndReferenceForFailures) {
  for (const char* mode : {"file", "pipe", "pty"}) {
    Killed(std::string("usr1/student-") + mode, SIGUSR1, "", 9);
  }
  auto r = Score();
  r.student = "alice";
  const std::string md = report::RenderFeedback(r);
  EXPECT_NE(md.find("### FAIL — SIGUSR1 (0 / 4)"), std::string::npos) << md;
  EXPECT_NE(md.find("- **Expected:**"), std::string::npos);
  EXPECT_NE(md.find("- **Yours:**"), std::string::npos);
  EXPECT_NE(md.find("- **Reference:**"), std::string::npos);
  EXPECT_NE(md.find("**Score: 8 / 12**"), std::string::npos) << md;
}

TEST_F(ChecksTest, ResultJsonRoundTrips) {
  auto r = Score();
  r.student = "bob";
  r.commit = "abc";
  r.tag_time = 1700000000;
  r.timing["fetch"] = 0.25;
  const auto back = report::ResultFromJson(report::ToJson(r));
  EXPECT_EQ(report::ToJson(back), report::ToJson(r));
  EXPECT_EQ(back.checks.size(), r.checks.size());
  EXPECT_EQ(*back.tag_time, 1700000000);
}

TEST(LatePolicy, PenaltyPerStartedDayUsesTagTimeAndSaysSo) {
  rubric::LatePolicy p;
  p.deadline = 1000000;
  p.deadline_text = "D";
  p.penalty_per_day = 0.1;
  p.max_penalty = 0.5;
  fetch::Revision rev;
  rev.ref = "final";
  rev.commit_time = 900000;
  rev.tag_time = 1000000 + 86400 + 60;  // 1 day and a minute late: 2 started days
  auto late = score::ComputeLate(p, rev, 25);
  EXPECT_TRUE(late.late);
  EXPECT_EQ(late.time_used, "tag");
  EXPECT_DOUBLE_EQ(late.penalty, 5);
  EXPECT_NE(late.explanation.find("tag 'final'"), std::string::npos) << late.explanation;
  rev.tag_time.reset();  // lightweight tag: falls back to the commit time
  late = score::ComputeLate(p, rev, 25);
  EXPECT_FALSE(late.late);
  EXPECT_EQ(late.time_used, "commit");
  rev.tag_time = 1000000 + 30 * 86400;
  EXPECT_DOUBLE_EQ(score::ComputeLate(p, rev, 25).penalty, 12.5);  // capped at 50%
}

}  // namespace
}  // namespace ipc::testing

namespace ipc::testing {
namespace {

// Regression: a cat that printed binary file contents made result.json's
// dump throw (nlohmann::json refuses invalid UTF-8), losing the result.
TEST(ResultFiles, InvalidUtf8FromAStudentIsWrittenNotThrown) {
  report::Result r;
  r.student = "binary";
  report::CheckResult c;
  c.id = "cat";
  c.student = std::string("printed '\xff\xfe binary'");
  r.checks.push_back(c);
  const auto dir = std::filesystem::temp_directory_path() / "ipc-result-utf8";
  std::filesystem::remove_all(dir);
  ASSERT_NO_THROW(report::WriteResultFiles(r, dir.string()));
  std::ifstream in(dir / "binary" / "result.json");
  const auto back = report::ResultFromJson(nlohmann::json::parse(in));
  EXPECT_NE(back.checks.at(0).student.find("\xef\xbf\xbd"), std::string::npos);  // U+FFFD
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace ipc::testing

namespace ipc::testing {
namespace {

class SignalRegressions : public ::testing::Test, public ScoringFixture {};

// Regression: the pid was masked with std::regex, which recurses per
// character; a listener printing one very long line crashed the grader.
TEST_F(SignalRegressions, AHugeOutputLineIsScoredNotACrash) {
  Load(R"(
assignment: t
ref: [final]
parts: [{id: p, title: P, points: 1}]
checks:
  - {id: s, part: p, title: s, type: signal, points: 1, program: [./l], reference: [ref-listener],
     signal: SIGUSR1, stdout: [pipe], expect: {output: ["Listener PID: {pid}"], exit_code: 0}}
)");
  Exited("s/reference-pipe", 0, "Listener PID: 7\n", 7);
  Exited("s/student-pipe", 0, "Listener PID: 9\n" + std::string(200000, 'x') + " 9 19 99\n", 9);
  const auto r = Score();
  EXPECT_EQ(Check(r, "s").status, report::CheckStatus::kPass);
}

}  // namespace
}  // namespace ipc::testing

namespace ipc::testing {
namespace {

using report::CheckStatus;

constexpr const char* kSetupRubric = R"(
assignment: t
ref: [final]
parts:
  - {id: p, title: P, points: 1}
checks:
  - id: dd
    part: p
    title: dd
    type: stdin_cases
    points: 1
    program: [python, cat.py]
    reference: [ref-cat]
    setup: "chgrp users ./litterbox"
    setup_needs: [litterbox/, cat.py]
    cases:
      - {name: secret, stdin: "../secret.txt", expect: refusal}
)";

class SetupNeeds : public ::testing::Test, public ScoringFixture {
 protected:
  void SetUp() override {
    Load(kSetupRubric);
    Exited("dd/setup", 1).process.stderr_data =
        "chgrp: cannot access './litterbox': No such file or directory\n";
    Exited("dd/student/secret", 0, "MEOW\n");
    Exited("dd/reference/secret", 0, "MEOW\n");
  }
};

TEST_F(SetupNeeds, AFailedSetUpIsTheStudentsFailureWhenTheirTreeLacksWhatItNeeds) {
  AddFile("cat.py");  // but no litterbox/
  const auto scored_ = Score();
  const auto& c = Check(scored_, "dd");
  EXPECT_EQ(c.status, CheckStatus::kFail);
  EXPECT_NE(c.message.find("no litterbox/ folder"), std::string::npos) << c.message;
  EXPECT_NE(c.output.find("chgrp"), std::string::npos) << c.output;
}

TEST_F(SetupNeeds, AFailedSetUpWithEverythingPresentIsTheGradersError) {
  AddFile("cat.py");
  AddFile("litterbox/treasure.txt");
  const auto scored_ = Score();
  const auto& c = Check(scored_, "dd");
  EXPECT_EQ(c.status, CheckStatus::kError);
  EXPECT_NE(c.message.find("own set-up"), std::string::npos) << c.message;
}

TEST(SetupNeedsRubric, SetupNeedsWithoutSetupIsARubricError) {
  std::string text = kSetupRubric;
  text.replace(text.find("    setup: \"chgrp users ./litterbox\"\n"),
               std::string("    setup: \"chgrp users ./litterbox\"\n").size(), "");
  try {
    checks::ValidateChecks(rubric::ParseRubric(text, "t.yaml"));
    FAIL() << "accepted setup_needs without setup";
  } catch (const rubric::RubricError& e) {
    EXPECT_NE(std::string(e.what()).find("there is no 'setup'"), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).rfind("t.yaml:", 0), 0u) << e.what();
  }
}


// command's `produces`: the grader's own look (`ls -ld`) runs as a step of
// its own; only its answer counts against the student, not its failure to
// run (a fork bomb in the same group may take every pid).
constexpr const char* kProducesRubric = R"(
assignment: t
title: T
image: python:latest
ref: [final]
parts:
  - {id: part1, title: Part 1, points: 2}
checks:
  - id: build
    part: part1
    title: make builds the listener
    type: command
    points: 2
    run: [make]
    produces: [listener]
)";

class ProducesTest : public ::testing::Test, public ScoringFixture {
 protected:
  void SetUp() override {
    Load(kProducesRubric);
    Exited("build/run", 0);
  }
};

TEST_F(ProducesTest, AFileThatIsThereIsAPassAndOneThatIsNotAFail) {
  Exited("build/produces", 0, "-rwxr-xr-x 1 root root 16000 Nov 27 20:00 listener\n");
  EXPECT_EQ(Check(Score(), "build").status, CheckStatus::kPass);
  Exited("build/produces", 2).process.stderr_data = "ls: cannot access 'listener'\n";
  const auto r = Score();
  EXPECT_EQ(Check(r, "build").status, CheckStatus::kFail);
  EXPECT_NE(Check(r, "build").message.find("did not produce listener"), std::string::npos);
}

TEST_F(ProducesTest, ALookThatCouldNotRunIsTheGradersErrorNotAMissingFile) {
  auto& look = Exited("build/produces", 0);
  look.process.started = false;
  look.process.exit_code.reset();
  look.process.error = "clone: Resource temporarily unavailable";
  const auto r = Score();
  const auto& c = Check(r, "build");
  EXPECT_EQ(c.status, CheckStatus::kError);
  EXPECT_NE(c.message.find("could not look"), std::string::npos) << c.message;
  EXPECT_NE(c.message.find("Resource temporarily unavailable"), std::string::npos) << c.message;
}

}  // namespace
}  // namespace ipc::testing
