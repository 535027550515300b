// The stdin_cases check type: the boxes it plans (the reference's cases in
// one step of a grader box, `ref-cat --cases`; every case of the student's
// program in a fresh box of its own, after the rubric's set-up in a saved
// box), and its verdicts from hand-made observations, compared by outcome
// class (classify.h).
#include <csignal>

#include "scoring_fixture.h"

namespace ipc::testing {
namespace {

using report::CheckStatus;

const std::string kRubric = RubricWithPrograms(R"(
parts:
  - {id: part2, title: Part 2, points: 6}
checks:
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
      - {name: secret, stdin: "../secret.txt"}
      - {name: badutf8, stdin_hex: "ff 0a"}
  - id: dd
    part: part2
    title: dd
    type: stdin_cases
    points: 2
    program: [python, "{dir}/cat.py"]
    reference: cat
    user: garfield
    login_shell: true
    data_files: false
    timeout: 3
    setup: "useradd -m garfield && chgrp users ./litterbox"
    setup_needs: [litterbox/, cat.py]
    cases:
      - {name: secret, stdin: "../secret.txt", expect: refusal}
      - {name: treasure, stdin: "treasure.txt"}
)");

constexpr const char* kMeow = "MEOW [Errno 2] No such file or directory: './litterbox/nope'\n";

class StdinCasesTest : public ::testing::Test, public ScoringFixture {
 protected:
  void SetUp() override {
    Load(kRubric);
    AddFile("cat.py");
    AddFile("litterbox/treasure.txt", "Treasure found!");
    Case("treasure", 0, "Treasure found!\n", 0, "Treasure found!\n");
    Case("missing", 0, kMeow, 0, kMeow);
    Case("secret", 0, "Hey! This is a secret!\n", 0, "Hey! This is a secret!\n");
    Case("badutf8", 1, "", 1, "");
    Exited("dd/reference.setup", 0);
    Exited("dd/setup", 0);
    Exited("dd/case.secret", 0, "MEOW\n");
    Exited("dd/reference/secret", 0, "MEOW [Errno 13] Permission denied\n");
    Exited("dd/case.treasure", 0, "Treasure found!\n");
    Exited("dd/reference/treasure", 0, "Treasure found!\n");
  }
  void Case(const std::string& name, int s_code, const std::string& s_out, int r_code,
            const std::string& r_out) {
    Exited("cat/case." + name, s_code, s_out);
    Exited("cat/reference/" + name, r_code, r_out);
  }
  int FirstStudentBox() const {
    for (std::size_t i = 0; i < plan.boxes.size(); ++i) {
      if (protocol::HasStudentStep(plan.boxes[i])) return static_cast<int>(i);
    }
    return -1;
  }
};

// ---- The plan ----------------------------------------------------------------

TEST_F(StdinCasesTest, TheReferenceRunsEveryCaseInOneStepOfAGraderBoxBeforeAnyStudentCode) {
  const protocol::Box* box = PlannedBox("cat/reference");
  ASSERT_NE(box, nullptr);
  EXPECT_FALSE(protocol::HasStudentStep(*box));
  EXPECT_LT(BoxIndex("cat/reference"), FirstStudentBox());
  EXPECT_EQ(box->from, protocol::kFromPristine);
  // The assignment's data files, where the submission lacks them.
  ASSERT_EQ(box->files.size(), 2u);
  EXPECT_EQ(box->files[0].path, "secret.txt");
  EXPECT_EQ(box->files[0].content, "Hey! This is a secret!");
  EXPECT_TRUE(box->files[0].if_missing);
  EXPECT_EQ(box->files[1].path, "litterbox/treasure.txt");
  EXPECT_TRUE(box->files[1].if_missing);
  ASSERT_EQ(box->steps.size(), 1u);
  const auto& s = box->steps[0];
  EXPECT_EQ(s.id, "cat/reference");
  EXPECT_FALSE(s.student);
  EXPECT_EQ(s.process.argv, (std::vector<std::string>{"/opt/ipc-grader/ref-cat",
                                                      "--folder=litterbox", "--refusal=MEOW",
                                                      "--cases"}));
  EXPECT_EQ(s.process.user, "");
  const auto cases = protocol::BatchFromRequest(s.process.stdin_data);
  ASSERT_EQ(cases.size(), 4u);
  EXPECT_EQ(cases[0].name, "treasure");
  EXPECT_EQ(cases[0].stdin_data, "treasure.txt");
  EXPECT_EQ(cases[3].name, "badutf8");
  EXPECT_EQ(cases[3].stdin_data, "\xff\n");  // stdin_hex, blanks ignored
  EXPECT_EQ(cases[0].timeout_s, 5);
  EXPECT_EQ(cases[0].output_cap, 4096u);
  EXPECT_EQ(s.process.timeout_s, protocol::BatchTimeout(cases));
  EXPECT_EQ(s.process.output_cap, protocol::BatchOutputCap(cases));
}

TEST_F(StdinCasesTest, EachCaseOfTheStudentsProgramRunsAloneInAFreshBox) {
  const char* const names[] = {"treasure", "missing", "secret", "badutf8"};
  const char* const inputs[] = {"treasure.txt", "nope", "../secret.txt", "\xff\n"};
  for (std::size_t i = 0; i < 4; ++i) {
    const std::string id = std::string("cat/case.") + names[i];
    const protocol::Box* box = PlannedBox(id);
    ASSERT_NE(box, nullptr) << id;
    EXPECT_EQ(box->from, protocol::kFromPristine) << id;
    EXPECT_FALSE(box->save) << id;
    EXPECT_EQ(box->files.size(), 2u) << id << ": the data files where missing";
    ASSERT_EQ(box->steps.size(), 1u) << id;
    const auto& s = box->steps[0];
    EXPECT_EQ(s.id, id);
    EXPECT_TRUE(s.student);
    EXPECT_EQ(s.process.argv, (std::vector<std::string>{"python", "cat.py"}));
    EXPECT_EQ(s.process.stdin_data, inputs[i]) << id;
    EXPECT_EQ(s.process.timeout_s, 5);
    EXPECT_EQ(s.process.output_cap, 4096u);
  }
}

TEST_F(StdinCasesTest, TheSetUpRunsOnceInASavedGraderBoxAndEveryCaseStartsFromIt) {
  const protocol::Box* setup = PlannedBox("dd/setup");
  ASSERT_NE(setup, nullptr);
  EXPECT_TRUE(setup->save);
  EXPECT_FALSE(protocol::HasStudentStep(*setup))
      << "the rubric's own set-up: its user database is kept for the cases";
  EXPECT_LT(BoxIndex("dd/setup"), FirstStudentBox());
  EXPECT_TRUE(setup->files.empty()) << "data_files: false";
  ASSERT_EQ(setup->steps.size(), 1u);
  EXPECT_EQ(setup->steps[0].process.argv,
            (std::vector<std::string>{"bash", "-c",
                                      "useradd -m garfield && chgrp users ./litterbox"}));
  for (const char* name : {"secret", "treasure"}) {
    const std::string id = std::string("dd/case.") + name;
    const protocol::Box* box = PlannedBox(id);
    ASSERT_NE(box, nullptr) << id;
    EXPECT_EQ(box->from, "box:dd/setup") << id;
    EXPECT_GT(BoxIndex(id), BoxIndex("dd/setup"));
    const auto& s = box->steps.at(0);
    EXPECT_EQ(s.process.user, "garfield");
    EXPECT_TRUE(s.process.login_shell);
    EXPECT_EQ(s.process.argv, (std::vector<std::string>{"python", "{dir}/cat.py"}));
    EXPECT_EQ(s.process.timeout_s, 3);
  }
  // The reference does the same set-up in its own box, and runs as the same
  // user the same way.
  const protocol::Box* ref = PlannedBox("dd/reference");
  ASSERT_NE(ref, nullptr);
  ASSERT_EQ(ref->steps.size(), 2u);
  EXPECT_EQ(ref->steps[0].id, "dd/reference.setup");
  EXPECT_EQ(ref->steps[0].process.argv, setup->steps[0].process.argv);
  EXPECT_FALSE(ref->steps[0].student);
  EXPECT_EQ(ref->steps[1].process.user, "garfield");
  EXPECT_TRUE(ref->steps[1].process.login_shell);
  EXPECT_FALSE(ref->steps[1].student);
}

// `from: build` (an earlier command check) starts the student's cases
// where the build ended. The reference is the grader's own and must not
// start from a box where student code ran; and the plan must be one the
// probe accepts (grader boxes first, `from` an earlier saved box).
TEST(StdinCasesFrom, CasesFromAnEarlierCommandGiveAPlanTheProbeAccepts) {
  ScoringFixture f;
  ASSERT_NO_THROW(f.Load(RubricWithPrograms(R"(
parts: [{id: p, title: P, points: 1}]
checks:
  - {id: build, part: p, title: build, type: command, points: 0, run: [make]}
  - id: cat
    part: p
    title: cat
    type: stdin_cases
    points: 1
    program: [./cat]
    reference: cat
    from: build
    cases: [{name: treasure, stdin: treasure.txt}]
)")));
  const protocol::Box* box = f.PlannedBox("cat/case.treasure");
  ASSERT_NE(box, nullptr);
  EXPECT_EQ(box->from, "box:build/run");
  const protocol::Box* ref = f.PlannedBox("cat/reference");
  ASSERT_NE(ref, nullptr);
  EXPECT_EQ(protocol::BoxOfFrom(ref->from), std::nullopt)
      << "the reference box starts from " << ref->from << ", where student code ran";
}

// ---- Verdicts ----------------------------------------------------------------

TEST_F(StdinCasesTest, MatchingTheReferenceEverywhereIsFullMarks) {
  const auto r = Score();
  const auto& c = Check(r, "cat");
  EXPECT_EQ(c.status, CheckStatus::kPass) << c.message;
  EXPECT_EQ(c.score, 4);
  EXPECT_EQ(c.expected, "4 inputs behave like the reference");
  EXPECT_NE(c.student.find("treasure: printed"), std::string::npos) << c.student;
  EXPECT_NE(c.reference.find("missing: refused (MEOW)"), std::string::npos) << c.reference;
  EXPECT_EQ(Check(r, "dd").status, CheckStatus::kPass) << Check(r, "dd").message;
}

TEST_F(StdinCasesTest, HonestVariationsKeepFullMarks) {
  Case("missing", 0, "MEOW\n", 0, kMeow);                          // no message after MEOW
  Case("treasure", 0, "Treasure found!", 0, "Treasure found!\n\n");  // stdout.write / stripped
  EXPECT_EQ(Check(Score(), "cat").status, CheckStatus::kPass);
}

TEST_F(StdinCasesTest, ACatThatCrashesInsteadOfRefusingLosesThatCase) {
  Case("missing", 1, "", 0, kMeow);
  const auto scored_ = Score();
  const auto& c = Check(scored_, "cat");
  EXPECT_EQ(c.status, CheckStatus::kFail);
  EXPECT_DOUBLE_EQ(c.score, 3.0);  // 3 of 4 cases
  EXPECT_NE(c.message.find("1 of 4 inputs differ from the reference:\n- input nope (missing): "
                           "yours crashed (exit 1), the reference refused (MEOW)"),
            std::string::npos)
      << c.message;
}

TEST_F(StdinCasesTest, ASecureCatFailsWhatTheAssignmentRequiresAndTheReference) {
  Case("treasure", 0, "MEOW\n", 0, "Treasure found!\n");
  const auto scored_ = Score();
  const auto& c = Check(scored_, "cat");
  EXPECT_NE(c.message.find("yours refused (MEOW), the reference printed"), std::string::npos)
      << c.message;
  EXPECT_NE(c.message.find("the assignment requires content"), std::string::npos) << c.message;
}

TEST_F(StdinCasesTest, MatchingTheReferenceIsNotEnoughWhereTheAssignmentRequiresAnOutcome) {
  // The reference leaks too (a mis-set set-up): the assignment still asks
  // for a refusal.
  Exited("dd/case.secret", 0, "Hey! This is a secret!\n");
  Exited("dd/reference/secret", 0, "Hey! This is a secret!\n");
  const auto c = Check(Score(), "dd");
  EXPECT_EQ(c.status, CheckStatus::kFail);
  EXPECT_DOUBLE_EQ(c.score, 1.0);
  EXPECT_NE(c.message.find("input ../secret.txt (secret): yours printed"), std::string::npos)
      << c.message;
  EXPECT_NE(c.message.find(", the assignment requires refusal"), std::string::npos) << c.message;
  EXPECT_EQ(c.message.find(", the reference "), std::string::npos) << "the outcomes matched";
}

TEST_F(StdinCasesTest, ACaseThatCouldNotStartFailsThatCaseOnly) {
  auto& st = Step("cat/case.secret");
  st.process = {};
  st.process.error = "clone: Resource temporarily unavailable";
  const auto c = Check(Score(), "cat");
  EXPECT_EQ(c.status, CheckStatus::kFail) << c.message;
  EXPECT_DOUBLE_EQ(c.score, 3.0);
  EXPECT_NE(c.message.find("(secret): yours did not start"), std::string::npos) << c.message;
}

TEST_F(StdinCasesTest, ACaseThatTimesOutIsATimeout) {
  auto& st = Killed("cat/case.treasure", SIGKILL);
  st.process.timed_out = true;
  const auto c = Check(Score(), "cat");
  EXPECT_NE(c.message.find("(treasure): yours timed out"), std::string::npos) << c.message;
}

TEST_F(StdinCasesTest, TheReferencesRunsEndingBadlyAreTheGradersError) {
  WriteBatchSteps();
  auto& runner = Step("cat/reference");
  runner.process.exit_code.reset();
  runner.process.term_signal = SIGKILL;
  runner.process.stderr_data = "Killed";
  const auto c = Check(Score(), "cat");
  EXPECT_EQ(c.status, CheckStatus::kError);
  EXPECT_EQ(c.message, "the reference program's runs killed by SIGKILL: Killed");
}

TEST_F(StdinCasesTest, AReferenceRecordMissingIsAnErrorSayingWhatTheRunnerShowed) {
  batch_cases.erase("cat/reference/badutf8");
  const auto c = Check(Score(), "cat");
  EXPECT_EQ(c.status, CheckStatus::kError);
  EXPECT_NE(c.message.find("the reference program's runs: the case runner reported 3 of 4 cases "
                           "(exited 0"),
            std::string::npos)
      << c.message;
}

TEST_F(StdinCasesTest, AStudentCaseMissingFromTheReportIsAnError) {
  Forget("cat/case.missing");
  const auto c = Check(Score(), "cat");
  EXPECT_EQ(c.status, CheckStatus::kError);
  EXPECT_NE(c.message.find("the probe did not report this step"), std::string::npos) << c.message;
}

// The set-up fails: the student's fault when their tree lacks what it
// needs (setup_needs), the grader's otherwise.
TEST_F(StdinCasesTest, AFailedSetUpIsTheStudentsFailureWhenTheirTreeLacksWhatItNeeds) {
  snapshot = {};
  AddFile("cat.py");  // but no litterbox/
  Exited("dd/setup", 1).process.stderr_data =
      "chgrp: cannot access './litterbox': No such file or directory\n";
  const auto scored_ = Score();
  const auto& c = Check(scored_, "dd");
  EXPECT_EQ(c.status, CheckStatus::kFail);
  EXPECT_EQ(c.message,
            "this check's set-up (the assignment's own steps) cannot run: your repository has no "
            "litterbox/ folder");
  EXPECT_EQ(c.expected, "litterbox/ folder in the repository");
  EXPECT_NE(c.output.find("chgrp"), std::string::npos) << c.output;
}

TEST_F(StdinCasesTest, AFailedSetUpWithEverythingPresentIsTheGradersError) {
  Exited("dd/setup", 1).process.stderr_data = "useradd: cannot lock /etc/passwd\n";
  const auto c = Check(Score(), "dd");
  EXPECT_EQ(c.status, CheckStatus::kError);
  EXPECT_NE(c.message.find("the grader's own set-up for this check failed (exit 1): useradd: "
                           "cannot lock /etc/passwd"),
            std::string::npos)
      << c.message;
}

// ---- Rubric errors ---------------------------------------------------------------

std::string LoadError(const std::string& keys) {
  try {
    ScoringFixture f;
    f.Load(RubricWithPrograms("parts: [{id: p, title: P, points: 1}]\nchecks:\n"
                              "  - id: c\n    part: p\n    title: t\n    type: stdin_cases\n"
                              "    points: 1\n    program: [python, cat.py]\n" +
                              keys),
           "r.yaml");
  } catch (const rubric::RubricError& e) {
    return e.what();
  }
  return "";
}

TEST(StdinCasesValidate, KeysAreCheckedWhereTheyAre) {
  const std::string cases = "    cases: [{name: a, stdin: x}]\n";
  EXPECT_EQ(LoadError("    reference: cat\n" + cases), "");
  EXPECT_NE(LoadError("    reference: [ref-cat]\n" + cases).find("'reference' now names a program"),
            std::string::npos);
  EXPECT_NE(LoadError("    reference: listener\n" + cases)
                .find("its reference must be a path_cat program"),
            std::string::npos);
  EXPECT_NE(LoadError("    reference: cat\n    in_process: true\n" + cases).find("'in_process' is gone"),
            std::string::npos);
  EXPECT_NE(LoadError("    reference: cat\n    sandbox: s\n" + cases).find("'sandbox' is gone"),
            std::string::npos);
  EXPECT_NE(LoadError("    reference: cat\n    cases: [{name: a, stdin: x}, {name: a, stdin: y}]\n")
                .find("duplicate case name 'a'"),
            std::string::npos);
  EXPECT_NE(LoadError("    reference: cat\n    cases: [{name: a, stdin: x, stdin_hex: '00'}]\n")
                .find("needs exactly one of 'stdin' or 'stdin_hex'"),
            std::string::npos);
  EXPECT_NE(LoadError("    reference: cat\n    cases: [{name: a, stdin_hex: 'f'}]\n")
                .find("even number of digits"),
            std::string::npos);
  EXPECT_NE(LoadError("    reference: cat\n    cases: [{name: a, stdin: x, expect: leak}]\n")
                .find("'expect' must be content, refusal or crash, got 'leak'"),
            std::string::npos);
  EXPECT_NE(LoadError("    reference: cat\n    login_shell: true\n" + cases)
                .find("'login_shell' needs 'user'"),
            std::string::npos);
  EXPECT_NE(LoadError("    reference: cat\n    cases: []\n").find("'cases' must be a non-empty list"),
            std::string::npos);
  const std::string needs = LoadError("    reference: cat\n    setup_needs: [litterbox/]\n" + cases);
  EXPECT_NE(needs.find("there is no 'setup'"), std::string::npos) << needs;
  EXPECT_EQ(needs.rfind("r.yaml:", 0), 0u) << needs;
}

// The reference's records (protocol/case_batch.h): a case without a
// readable record is named with what the runner showed.
TEST(BatchResults, MissingRecordsAreNamedWithWhatTheRunnerShowed) {
  protocol::ProcessResult one;
  one.started = true;
  one.exit_code = 0;
  one.stdout_data = "MEOW\n";
  one.stdout_bytes = 5;
  protocol::ProcessResult runner;
  runner.started = true;
  runner.term_signal = SIGKILL;
  runner.stderr_data = "Killed";
  runner.stdout_data = "noise\n" + protocol::BatchRecord(0, one, "fake") + "IPC-CASE {not json\n";
  std::string why;
  const auto got = protocol::BatchResults(runner, 2, &why);
  ASSERT_TRUE(got[0].has_value());
  EXPECT_EQ(*got[0], one);
  EXPECT_FALSE(got[1].has_value());
  EXPECT_NE(why.find("reported 1 of 2 cases"), std::string::npos) << why;
  EXPECT_NE(why.find("killed by signal 9"), std::string::npos) << why;
  EXPECT_NE(why.find("unreadable record"), std::string::npos) << why;
  EXPECT_NE(why.find("Killed"), std::string::npos) << why;
}

}  // namespace
}  // namespace ipc::testing
