// The check types files_present, command and signal, and the scorer: the
// boxes each type plans (checked field by field, and the whole plan of the
// project's rubrics as the probe would get it), and the verdicts they give
// for hand-made probe observations.
#include <csignal>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "report/feedback.h"
#include "scoring_fixture.h"

namespace ipc::testing {
namespace {

using report::CheckStatus;

std::string WithPrograms(const std::string& rest) { return RubricWithPrograms(rest); }

const std::string kRubric = WithPrograms(R"(
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
    from: build
    program: [./listener]
    reference: listener
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
    reference: cat
    cases:
      - {name: treasure, stdin: "treasure.txt", expect: content}
      - {name: missing, stdin: "nope"}
)");

const char* const kModes[] = {"file", "pipe", "pty"};

class ChecksTest : public ::testing::Test, public ScoringFixture {
 protected:
  void SetUp() override {
    Load(kRubric);
    AddFile("a.txt");
    AddFile("b.txt");
    AddFile("c.txt");
    snapshot.entries.push_back({"dir", fetch::EntryType::kDir, 0});
    Exited("build/run", 0);
    for (const char* mode : kModes) {
      Exited(std::string("usr1/reference-") + mode, 0, "Listener PID: 7\nSIGUSR1 received!\n", 7);
      Exited(std::string("usr1/student-") + mode, 0, "Listener PID: 9\nSIGUSR1 received!\n", 9);
    }
    Exited("cat/case.treasure", 0, "Treasure found!\n");
    Exited("cat/reference/treasure", 0, "Treasure found!\n");
    const std::string meow = "MEOW [Errno 2] No such file or directory: './litterbox/nope'\n";
    Exited("cat/case.missing", 0, meow);
    Exited("cat/reference/missing", 0, meow);
  }
  void AllStudentModes(int code, const std::string& out) {
    for (const char* mode : kModes) Exited(std::string("usr1/student-") + mode, code, out, 9);
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

// ---- The plan ------------------------------------------------------------------

TEST_F(ChecksTest, TheBuildRunsInABoxOfItsOwnFromTheCommittedTreeAndKeepsWhatItMade) {
  const protocol::Box* in = nullptr;
  const auto* run = Planned("build/run", &in);
  ASSERT_NE(run, nullptr);
  EXPECT_EQ(in->id, "build/run");
  EXPECT_EQ(in->from, protocol::kFromPristine);
  EXPECT_TRUE(in->save) << "the signal checks start from what the build left";
  EXPECT_EQ(in->attempts, 1);
  EXPECT_TRUE(in->files.empty());
  ASSERT_EQ(in->steps.size(), 1u);
  EXPECT_EQ(run->kind, protocol::Step::Kind::kExec);
  EXPECT_TRUE(run->student);
  EXPECT_EQ(run->process.argv, (std::vector<std::string>{"make"}));
  EXPECT_EQ(run->process.timeout_s, 60);
  EXPECT_TRUE(run->watch.empty());
}

TEST_F(ChecksTest, SignalRunsTheReferenceFirstThenEachStdoutModeInAFreshBoxFromTheBuild) {
  const protocol::Box* ref_box = nullptr;
  ASSERT_NE(Planned("usr1/reference-file", &ref_box), nullptr);
  EXPECT_EQ(ref_box->id, "usr1/reference");
  EXPECT_FALSE(protocol::HasStudentStep(*ref_box));
  EXPECT_EQ(ref_box->from, protocol::kFromPristine);
  ASSERT_EQ(ref_box->steps.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    const auto& s = ref_box->steps[i];
    EXPECT_EQ(s.id, std::string("usr1/reference-") + kModes[i]);
    EXPECT_EQ(s.kind, protocol::Step::Kind::kSignal);
    EXPECT_FALSE(s.student);
    EXPECT_EQ(protocol::StdoutModeName(s.process.stdout_mode), kModes[i]);
    // The rubric's description of the listener, as ref-listener's arguments.
    EXPECT_EQ(s.process.argv,
              (std::vector<std::string>{"/opt/ipc-grader/ref-listener",
                                        "--start=Listener PID: {pid}",
                                        "--handle=2:1:SIGINT received!",
                                        "--handle=10:0:SIGUSR1 received!"}));
    EXPECT_EQ(s.signal, SIGUSR1);
  }
  // The grader's own boxes run before any box with student code, the
  // build among them.
  const int ref_at = BoxIndex("usr1/reference");
  EXPECT_LT(ref_at, BoxIndex("build/run"));
  for (const char* mode : kModes) {
    const protocol::Box* box = nullptr;
    const auto* s = Planned(std::string("usr1/student-") + mode, &box);
    ASSERT_NE(s, nullptr) << mode;
    EXPECT_EQ(box->id, std::string("usr1/") + mode);
    EXPECT_EQ(box->from, "box:build/run") << "the listener the build made";
    EXPECT_FALSE(box->save);
    ASSERT_EQ(box->steps.size(), 1u);
    EXPECT_TRUE(s->student);
    EXPECT_EQ(s->process.argv, (std::vector<std::string>{"./listener"}));
    EXPECT_EQ(protocol::StdoutModeName(s->process.stdout_mode), mode);
    EXPECT_EQ(s->signal, SIGUSR1);
    EXPECT_EQ(s->ready_signals, (std::vector<int>{SIGUSR1}));  // default: the signal itself
    EXPECT_TRUE(s->ready_on_pause);
    EXPECT_GT(BoxIndex(box->id), BoxIndex("build/run"));
  }
}

// The probe refuses a plan whose grader box follows student code, whose
// `from` names a later or unsaved box, or whose ids repeat: the project's
// rubrics, with every check planned from a complete submission, must give
// a plan it accepts.
class RubricPlans : public ::testing::TestWithParam<const char*>, public ScoringFixture {};

TEST_P(RubricPlans, EveryCheckPlansAndTheWholePlanIsOneTheProbeAccepts) {
  ASSERT_NO_THROW(LoadRubricFile(GetParam()));
  for (const auto& data : rubric.data_files) AddFile(data.path, data.content);
  for (const auto& c : rubric.checks) {
    if (c.type != "files_present") continue;
    for (const auto& f : c.params["files"]) {
      if (!snapshot.files.count(f.as<std::string>())) AddFile(f.as<std::string>(), "#!/bin/bash\n");
    }
  }
  snapshot.files[".gitlab-ci.yml"] =
      "ipc-project:\n  image: python:latest\n  script:\n    - make\n    - ./test_listener.sh\n";
  other_refs["part1"] = snapshot;
  ASSERT_NO_THROW(Replan()) << GetParam();
  bool student_seen = false;
  for (const auto& box : plan.boxes) {
    const bool student = protocol::HasStudentStep(box);
    EXPECT_FALSE(student_seen && !student) << box.id << " is a grader box after student code";
    student_seen = student_seen || student;
  }
  // Every check that runs something has a box.
  for (const auto& c : rubric.checks) {
    bool planned = false;
    for (const auto& box : plan.boxes) planned = planned || box.id.rfind(c.id + "/", 0) == 0;
    const bool runs = c.type == "command" || c.type == "signal" || c.type == "stdin_cases" ||
                      c.type == "gitlab_ci" || c.type == "test_adequacy" ||
                      c.type == "dd_insight";
    EXPECT_EQ(planned, runs) << c.id;
  }
  EXPECT_EQ(plan.extra_trees, std::vector<std::string>{"part1"});
}

INSTANTIATE_TEST_SUITE_P(ProjectRubrics, RubricPlans,
                         ::testing::Values("ipc-project.yaml", "ipc-variant-sigusr2.yaml",
                                           "ipc-variant-dog.yaml"));

// ---- files_present, needs, no report ------------------------------------------

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
  EXPECT_NE(Check(r, "build").message.find("`make` exit 2 (expected exit 0)"), std::string::npos)
      << Check(r, "build").message;
  EXPECT_NE(Check(r, "build").output.find("No rule"), std::string::npos);
  const auto& usr1 = Check(r, "usr1");
  EXPECT_EQ(usr1.status, CheckStatus::kSkipped);
  EXPECT_EQ(usr1.score, 0);
  EXPECT_NE(usr1.message.find("make builds"), std::string::npos) << usr1.message;
}

TEST_F(ChecksTest, NoReportMakesContainerChecksErrorsNotZeros) {
  const auto r = Score(/*with_report=*/false);
  EXPECT_EQ(Check(r, "files").status, CheckStatus::kPass);  // from git alone
  const auto& build = Check(r, "build");
  EXPECT_EQ(build.status, CheckStatus::kError);
  EXPECT_NE(build.message.find("engine went away"), std::string::npos) << build.message;
}

TEST_F(ChecksTest, AStepThatWasNotRunIsTheGradersErrorSayingWhy) {
  auto& run = Step("build/run");
  run.process = {};
  run.process.error = "not run: the grading time ran out before this step";
  const auto r = Score();
  const auto& build = Check(r, "build");
  EXPECT_EQ(build.status, CheckStatus::kError);
  EXPECT_EQ(build.message.rfind("the grader ", 0), 0u) << build.message;
  EXPECT_TRUE(Has(build.message, "the grading time ran out before this step")) << build.message;
}

// ---- signal ----------------------------------------------------------------------

TEST_F(ChecksTest, MissingHandlerNamesTheSignalExpectedAndWhatHappened) {
  for (const char* mode : kModes) Killed(std::string("usr1/student-") + mode, SIGUSR1, "", 9);
  const auto scored_ = Score();
  const auto& c = Check(scored_, "usr1");
  EXPECT_EQ(c.status, CheckStatus::kFail);
  EXPECT_EQ(c.score, 0);
  // The three modes failed the same way: named together, once.
  EXPECT_NE(c.message.find("With stdout to a file or a pipe or a pty, after SIGUSR1 your program "
                           "printed nothing instead of 'Listener PID: {pid}', 'SIGUSR1 "
                           "received!', and killed by SIGUSR1 instead of exit 0"),
            std::string::npos)
      << c.message;
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
  EXPECT_NE(c.message.find("With stdout to a file or a pipe, after SIGUSR1"), std::string::npos)
      << c.message;
  EXPECT_EQ(c.message.find("a pty"), std::string::npos) << c.message;
}

TEST_F(ChecksTest, PidLineMustShowTheRealPid) {
  AllStudentModes(0, "Listener PID: 1234\nSIGUSR1 received!\n");
  const auto r = Score();
  EXPECT_EQ(Check(r, "usr1").status, CheckStatus::kFail);
  EXPECT_NE(Check(r, "usr1").message.find("printed 'Listener PID: 1234'"), std::string::npos)
      << Check(r, "usr1").message;
}

TEST_F(ChecksTest, SwappedExitCodeFails) {
  AllStudentModes(1, "Listener PID: 9\nSIGUSR1 received!\n");
  const auto scored_ = Score();
  const auto& c = Check(scored_, "usr1");
  EXPECT_EQ(c.status, CheckStatus::kFail);
  EXPECT_NE(c.message.find("exit 1 instead of exit 0"), std::string::npos) << c.message;
}

TEST_F(ChecksTest, ABusyWaitingListenerPassesButIsToldWhatWasSeen) {
  for (const char* mode : kModes) {
    auto& s = Step(std::string("usr1/student-") + mode);
    s.signal.emplace();
    s.signal->ready = true;
    s.signal->ready_by = "sigcgt";
    s.signal->state = "R";
    s.signal->caught = {SIGUSR1};
    s.signal->ready_wait_s = 1.0;
    s.signal->cpu_while_waiting_s = 0.9;
  }
  const auto r = Score();
  const auto& c = Check(r, "usr1");
  EXPECT_EQ(c.status, CheckStatus::kPass) << c.message;
  EXPECT_EQ(c.score, 4);
  EXPECT_EQ(c.message,
            "Seen while it waited for SIGUSR1: state R (running), handlers for SIGUSR1 "
            "installed, 0.90 s of CPU in 1.00 s (it loops instead of waiting in pause()).");
}

TEST_F(ChecksTest, ASignalSentAfterTheWaitRanOutSaysSoAndWhichHandlersWereMissing) {
  for (const char* mode : kModes) {
    auto& s = Killed(std::string("usr1/student-") + mode, SIGUSR1, "Listener PID: 9\n", 9);
    s.signal.emplace();
    s.signal->ready = false;
    s.signal->state = "S";
    s.signal->ready_wait_s = 5;
  }
  const auto c = Check(Score(), "usr1");
  EXPECT_EQ(c.status, CheckStatus::kFail);
  EXPECT_NE(c.message.find("state S (asleep), none for SIGUSR1, 0.00 s of CPU in 5.00 s; the "
                           "signal was sent after the wait ran out"),
            std::string::npos)
      << c.message;
}

TEST_F(ChecksTest, AReferenceThatDidNotRunIsTheGradersErrorNotTheStudents) {
  auto& ref = Step("usr1/reference-pipe");
  ref.process = {};
  ref.process.error = "exec: No such file or directory";
  const auto c = Check(Score(), "usr1");
  EXPECT_EQ(c.status, CheckStatus::kError);
  EXPECT_NE(c.message.find("the reference program (ref-listener --start=Listener PID: {pid} "),
            std::string::npos)
      << c.message;
  EXPECT_NE(c.message.find("stdout to a pipe) did not start: exec: No such file or directory"),
            std::string::npos)
      << c.message;
}

TEST_F(ChecksTest, FeedbackShowsExpectedYoursAndReferenceForFailures) {
  for (const char* mode : kModes) Killed(std::string("usr1/student-") + mode, SIGUSR1, "", 9);
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

// Without `expect`, the program must end as the reference does: the
// project's `sigterm` report, where the reference keeps SIGTERM's default.
class SignalAsTheReference : public ::testing::Test, public ScoringFixture {
 protected:
  void SetUp() override {
    Load(WithPrograms(R"(
parts: [{id: p, title: P, points: 1}]
checks:
  - {id: build, part: p, title: build, type: command, points: 0, run: [make]}
  - {id: term, part: p, title: term, type: signal, points: 1, from: build, program: [./listener],
     reference: listener, signal: SIGTERM, ready: [SIGINT, SIGUSR1], stdout: [file]}
)"));
    Exited("build/run", 0);
    Killed("term/reference-file", SIGTERM, "Listener PID: 7\n", 7);
  }
};

TEST_F(SignalAsTheReference, OnlyTheModesItNamesArePlannedAndReadyMeansEveryHandler) {
  EXPECT_EQ(Planned("term/student-pipe"), nullptr);
  const auto* s = Planned("term/student-file");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->ready_signals, (std::vector<int>{SIGINT, SIGUSR1}));
  EXPECT_EQ(s->signal, SIGTERM);
}

TEST_F(SignalAsTheReference, EndingTheSameWayPassesAndAHandledSignalFails) {
  Killed("term/student-file", SIGTERM, "Listener PID: 9\n", 9);
  EXPECT_EQ(Check(Score(), "term").status, CheckStatus::kPass);
  Exited("term/student-file", 0, "Listener PID: 9\nSIGTERM caught\n", 9);
  const auto c = Check(Score(), "term");
  EXPECT_EQ(c.status, CheckStatus::kFail);
  EXPECT_NE(c.message.find("exit 0 instead of killed by SIGTERM"), std::string::npos) << c.message;
  EXPECT_NE(c.reference.find("killed by SIGTERM"), std::string::npos) << c.reference;
}

class SignalRegressions : public ::testing::Test, public ScoringFixture {};

// Regression: the pid was masked with std::regex, which recurses per
// character; a listener printing one very long line crashed the grader.
TEST_F(SignalRegressions, AHugeOutputLineIsScoredNotACrash) {
  Load(WithPrograms(R"(
parts: [{id: p, title: P, points: 1}]
checks:
  - {id: s, part: p, title: s, type: signal, points: 1, program: [./l], reference: listener,
     signal: SIGUSR1, stdout: [pipe], expect: {output: ["Listener PID: {pid}"], exit_code: 0}}
)"));
  Exited("s/reference-pipe", 0, "Listener PID: 7\n", 7);
  Exited("s/student-pipe", 0, "Listener PID: 9\n" + std::string(200000, 'x') + " 9 19 99\n", 9);
  const auto r = Score();
  EXPECT_EQ(Check(r, "s").status, report::CheckStatus::kPass);
}

// ---- Rubric errors of command and signal ---------------------------------------

// The RubricError of loading `checks` (a rubric with the programs above).
std::string LoadError(const std::string& checks) {
  try {
    ScoringFixture f;
    f.Load(WithPrograms("parts: [{id: p, title: P, points: 1}]\nchecks:\n" + checks), "r.yaml");
  } catch (const rubric::RubricError& e) {
    return e.what();
  }
  return "";
}

TEST(SignalValidate, TheReferenceIsAProgramOfTheRubric) {
  const std::string base =
      "  - {id: s, part: p, title: s, type: signal, points: 1, program: [./l], signal: USR1, ";
  EXPECT_EQ(LoadError(base + "reference: listener}\n"), "");
  EXPECT_NE(LoadError(base + "reference: [ref-listener]}\n").find("'reference' now names a program"),
            std::string::npos);
  EXPECT_NE(LoadError(base + "reference: dog}\n")
                .find("no program 'dog' in the rubric's 'programs' (it has: cat, listener)"),
            std::string::npos)
      << LoadError(base + "reference: dog}\n");
  EXPECT_NE(LoadError(base + "reference: listener, stdout: [tty]}\n")
                .find("'stdout' modes are file, pipe and pty, got 'tty'"),
            std::string::npos);
  EXPECT_NE(LoadError(base + "reference: listener, ready: [SIGFOO]}\n").find("unknown signal 'SIGFOO'"),
            std::string::npos);
}

TEST(CommandValidate, FromNamesAnEarlierCommandAndStageIsGone) {
  const std::string build = "  - {id: build, part: p, title: b, type: command, points: 0, run: [make]}\n";
  EXPECT_EQ(LoadError(build + "  - {id: c, part: p, title: c, type: command, points: 1, "
                              "run: [./listener], from: build}\n"),
            "");
  // A later check, a check of another type, and itself are refused.
  const std::string later = LoadError(
      "  - {id: c, part: p, title: c, type: command, points: 1, run: [x], from: build}\n" +
      std::string("  - {id: build, part: p, title: b, type: command, points: 0, run: [make]}\n"));
  EXPECT_NE(later.find("'from' is 'pristine' (the tree as committed) or the id of a command check "
                       "listed before this one"),
            std::string::npos)
      << later;
  EXPECT_NE(LoadError("  - {id: f, part: p, title: f, type: files_present, points: 0, files: [a]}\n"
                      "  - {id: c, part: p, title: c, type: command, points: 1, run: [x], from: f}\n")
                .find("got 'f'"),
            std::string::npos);
  EXPECT_NE(LoadError("  - {id: c, part: p, title: c, type: command, points: 1, run: [x], from: c}\n")
                .find("got 'c'"),
            std::string::npos);
  EXPECT_NE(LoadError("  - {id: c, part: p, title: c, type: command, points: 1, run: [x], "
                      "stage: build}\n")
                .find("'stage' is gone"),
            std::string::npos);
}

// ---- command: files with a token, then, from, produces -------------------------

// The project's `makefile` check: listener.c replaced by a program that
// prints a per-submission token, then `make compile` must build ./listener
// from it.
const std::string kMakefileRubric = WithPrograms(R"(
parts: [{id: setup, title: Setup, points: 2}]
checks:
  - id: makefile
    part: setup
    title: make compile builds ./listener from listener.c
    type: command
    points: 1
    files:
      - path: listener.c
        content: "#include <stdio.h>\nint main(void) { puts(\"{token}\"); return 0; }\n"
    run: [make, compile]
    then:
      - {run: [./listener], expect_stdout: "{token}"}
      - {run: "test -x listener"}
    timeout: 20
  - id: again
    part: setup
    title: the listener runs again from the makefile check's box
    type: command
    points: 1
    from: makefile
    run: [./listener]
)");

class CommandTest : public ::testing::Test, public ScoringFixture {
 protected:
  void SetUp() override {
    Load(kMakefileRubric);
    Exited("makefile/run", 0, "gcc -o listener listener.c\n");
    Exited("makefile/then.1", 0, Token() + "\n");
    Exited("makefile/then.2", 0);
    Exited("again/run", 0);
  }
  std::string Token() const { return checks::Token(token_seed, "makefile", "token"); }
};

TEST_F(CommandTest, FilesAndThenStepsShareOneBoxAndTheTokenIsTheSubmissionsSecret) {
  const protocol::Box* box = PlannedBox("makefile/run");
  ASSERT_NE(box, nullptr);
  ASSERT_EQ(box->files.size(), 1u);
  EXPECT_EQ(box->files[0].path, "listener.c");
  EXPECT_EQ(box->files[0].mode, 0644);
  EXPECT_FALSE(box->files[0].if_missing) << "it replaces the student's listener.c";
  EXPECT_EQ(box->files[0].content,
            "#include <stdio.h>\nint main(void) { puts(\"" + Token() + "\"); return 0; }\n");
  EXPECT_EQ(Token().size(), 20u);
  // Another submission (another seed) gets another token.
  EXPECT_NE(checks::Token("other-secret\nother-commit", "makefile", "token"), Token());
  ASSERT_EQ(box->steps.size(), 3u);
  EXPECT_EQ(box->steps[0].id, "makefile/run");
  EXPECT_EQ(box->steps[0].process.argv, (std::vector<std::string>{"make", "compile"}));
  EXPECT_EQ(box->steps[0].process.timeout_s, 20);
  EXPECT_EQ(box->steps[1].id, "makefile/then.1");
  EXPECT_EQ(box->steps[1].process.argv, (std::vector<std::string>{"./listener"}));
  EXPECT_EQ(box->steps[2].process.argv,
            (std::vector<std::string>{"bash", "-c", "test -x listener"}));
  // `from: makefile`: a box that starts where that one ended.
  const protocol::Box* again = PlannedBox("again/run");
  ASSERT_NE(again, nullptr);
  EXPECT_EQ(again->from, "box:makefile/run");
  EXPECT_GT(BoxIndex("again/run"), BoxIndex("makefile/run"));
}

TEST_F(CommandTest, PrintingTheTokenPasses) {
  const auto c = Check(Score(), "makefile");
  EXPECT_EQ(c.status, CheckStatus::kPass) << c.message;
  EXPECT_EQ(c.score, 1);
}

TEST_F(CommandTest, ABuildThatIgnoresTheReplacedSourceFailsSayingWhatRanInstead) {
  Exited("makefile/then.1", 0, "Hello, World!\n");  // a listener committed or built from elsewhere
  const auto c = Check(Score(), "makefile");
  EXPECT_EQ(c.status, CheckStatus::kFail);
  EXPECT_EQ(c.message,
            "`make compile` did not build from the files it should use: with listener.c replaced "
            "by a small program that prints a token, `./listener` exit 0 and printed "
            "'Hello, World!\\n' instead of the token.");
  EXPECT_NE(c.output.find("$ ./listener\nHello, World!"), std::string::npos) << c.output;
  EXPECT_EQ(c.message.find(Token()), std::string::npos) << "the token is never shown";
}

TEST_F(CommandTest, ALaterThenStepThatFailsIsNamed) {
  Exited("makefile/then.2", 1);
  const auto c = Check(Score(), "makefile");
  EXPECT_EQ(c.status, CheckStatus::kFail);
  EXPECT_NE(c.student.find("then `bash -c test -x listener` exit 1"), std::string::npos)
      << c.student;
}

TEST_F(CommandTest, TheBuildFailingStopsBeforeTheThenSteps) {
  Exited("makefile/run", 2).process.stderr_data = "make: *** No rule to make target 'compile'.\n";
  Forget("makefile/then.1");  // not needed: the verdict is made before
  const auto c = Check(Score(), "makefile");
  EXPECT_EQ(c.status, CheckStatus::kFail);
  EXPECT_NE(c.message.find("`make compile` exit 2 (expected exit 0)"), std::string::npos)
      << c.message;
  EXPECT_NE(c.output.find("No rule to make target 'compile'"), std::string::npos) << c.output;
}

// command's `produces`: the probe looks at the paths itself (a stat step of
// the same box, after the run), so no program of the image is asked.
const std::string kProducesRubric = WithPrograms(R"(
parts:
  - {id: part1, title: Part 1, points: 2}
checks:
  - id: build
    part: part1
    title: make builds the listener
    type: command
    points: 2
    run: [make]
    produces: [listener, bin/tool]
)");

class ProducesTest : public ::testing::Test, public ScoringFixture {
 protected:
  void SetUp() override {
    Load(kProducesRubric);
    Exited("build/run", 0);
  }
  void Stats(std::vector<protocol::PathStat> stats) { Step("build/produces").stats = std::move(stats); }
  static protocol::PathStat File(const std::string& path, const std::string& type = "file") {
    protocol::PathStat st;
    st.path = path;
    st.exists = true;
    st.type = type;
    st.mode = 0755;
    return st;
  }
  static protocol::PathStat Absent(const std::string& path) {
    protocol::PathStat st;
    st.path = path;
    return st;
  }
};

TEST_F(ProducesTest, TheLookIsAStatStepAfterTheRunInTheSameBox) {
  const protocol::Box* box = PlannedBox("build/run");
  ASSERT_NE(box, nullptr);
  ASSERT_EQ(box->steps.size(), 2u);
  const auto& look = box->steps[1];
  EXPECT_EQ(look.id, "build/produces");
  EXPECT_EQ(look.kind, protocol::Step::Kind::kStat);
  EXPECT_EQ(look.paths, (std::vector<std::string>{"listener", "bin/tool"}));
  EXPECT_TRUE(look.process.argv.empty());
}

TEST_F(ProducesTest, FilesThatAreThereAreAPassAndOnesThatAreNotAFail) {
  Stats({File("listener"), File("bin/tool")});
  EXPECT_EQ(Check(Score(), "build").status, CheckStatus::kPass);
  Stats({Absent("listener"), File("bin/tool", "dir")});
  const auto r = Score();
  const auto& c = Check(r, "build");
  EXPECT_EQ(c.status, CheckStatus::kFail);
  EXPECT_EQ(c.message,
            "`make` succeeded but did not produce listener, bin/tool (a dir, not a file).");
}

TEST_F(ProducesTest, ALookThatWasNotRunIsTheGradersErrorNotAMissingFile) {
  auto& look = Step("build/produces");
  look.process = {};
  look.process.error = "not run: the grading time ran out before this step";
  const auto c = Check(Score(), "build");
  EXPECT_EQ(c.status, CheckStatus::kError);
  EXPECT_NE(c.message.find("grading time ran out"), std::string::npos) << c.message;
}

// ---- The scorer --------------------------------------------------------------------

// A check worth 0 points only reports: failing, it is a pass that says
// "Reported, not graded"; an error stays an error. The project's `sigterm`
// check is one.
class ReportedNotGraded : public ::testing::Test, public ScoringFixture {
 protected:
  void SetUp() override {
    LoadRubricFile("ipc-project.yaml");
    Exited("build/run", 0);
    protocol::PathStat listener;
    listener.path = "listener";
    listener.exists = true;
    listener.type = "file";
    Step("build/produces").stats = {listener};
    Killed("sigterm/reference-file", SIGTERM, "Listener PID: 7\n", 7);
  }
};

TEST_F(ReportedNotGraded, AZeroPointCheckThatFailsIsReportedAsAPassWithItsFindings) {
  Exited("sigterm/student-file", 0, "Listener PID: 9\nSIGTERM received!\n", 9);
  const auto raw = Judge("sigterm");
  ASSERT_EQ(raw.status, CheckStatus::kFail) << "the type itself says fail";
  const auto r = Score();
  const auto& c = Check(r, "sigterm");
  EXPECT_TRUE(c.insight);
  EXPECT_EQ(c.status, CheckStatus::kPass);
  EXPECT_EQ(c.score, 0);
  EXPECT_EQ(c.max_score, 0);
  EXPECT_EQ(c.message, "Reported, not graded: " + raw.message);
  EXPECT_NE(c.message.find("exit 0 instead of killed by SIGTERM"), std::string::npos) << c.message;
  EXPECT_EQ(c.student, raw.student);
}

TEST_F(ReportedNotGraded, AZeroPointCheckThatPassesSaysNothingMore) {
  Killed("sigterm/student-file", SIGTERM, "Listener PID: 9\n", 9);
  const auto c = Check(Score(), "sigterm");
  EXPECT_EQ(c.status, CheckStatus::kPass);
  EXPECT_EQ(c.message.find("Reported, not graded"), std::string::npos) << c.message;
}

TEST_F(ReportedNotGraded, AnErrorStaysAnErrorAndPointedChecksStillFail) {
  Forget("sigterm/reference-file");
  Exited("sigterm/student-file", 0, "Listener PID: 9\n", 9);
  const auto r = Score();
  const auto& c = Check(r, "sigterm");
  EXPECT_EQ(c.status, CheckStatus::kError);
  EXPECT_EQ(c.message.find("Reported, not graded"), std::string::npos) << c.message;
  // A check with points that fails is a failure.
  for (const char* mode : kModes) {
    Exited(std::string("sigint/student-") + mode, 0, "Listener PID: 9\n", 9);
    Exited(std::string("sigint/reference-") + mode, 1, "Listener PID: 7\nSIGINT received!\n", 7);
  }
  const auto sigint = Check(Score(), "sigint");
  EXPECT_EQ(sigint.status, CheckStatus::kFail);
  EXPECT_EQ(sigint.message.find("Reported, not graded"), std::string::npos);
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

// Regression: a cat that printed binary file contents made result.json's
// dump throw (nlohmann::json refuses invalid UTF-8), losing the result.
TEST(ResultFiles, InvalidUtf8FromAStudentIsWrittenNotThrown) {
  report::Result r;
  r.student = "binary";
  report::CheckResult c;
  c.id = "cat";
  c.student = std::string("printed '\xff\xfe binary'");
  r.checks.push_back(c);
  const auto dir = std::filesystem::temp_directory_path() /
                   ("ipc-result-utf8-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  ASSERT_NO_THROW(report::WriteResultFiles(r, dir.string()));
  std::ifstream in(dir / "binary" / "result.json");
  const auto back = report::ResultFromJson(nlohmann::json::parse(in));
  EXPECT_NE(back.checks.at(0).student.find("\xef\xbf\xbd"), std::string::npos);  // U+FFFD
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace ipc::testing
