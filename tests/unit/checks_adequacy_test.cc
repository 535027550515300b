// test_adequacy: its plan (checked field by field), its shims (run for real
// with sh, bash, python3 and make on the host) and its scoring, driven by
// hand-made probe observations.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "checks/test_adequacy.h"
#include "checks/test_adequacy_shim.h"
#include "scoring_fixture.h"

namespace ipc::testing {
namespace {

namespace fs = std::filesystem;
using report::CheckStatus;

constexpr const char* kRubric = R"(
assignment: t
ref: [final]
parts:
  - {id: part1, title: Part 1, points: 3}
  - {id: part2, title: Part 2, points: 6}
checks:
  - id: build
    part: part1
    title: make builds
    type: command
    points: 1
    run: [make]
    produces: [listener]
  - id: adequacy_listener
    part: part1
    title: test_listener.sh is a proper test
    type: test_adequacy
    points: 2
    script: test_listener.sh
    replace: listener
    reference: [ref-listener]
    mutants:
      - {name: no-usr1-handler, run: [ref-listener, --mutant=no-usr1]}
  - id: cat_matrix
    part: part2
    title: cat
    type: stdin_cases
    points: 2
    program: [python, cat.py]
    reference: [ref-cat]
    setup: "true"
    cases:
      - {name: treasure, stdin: "treasure.txt"}
  - id: adequacy_cat
    part: part2
    title: test_cat.sh is a proper test
    type: test_adequacy
    points: 4
    script: test_cat.sh
    replace: cat.py
    reference: [ref-cat]
    reruns: 1
    mutants:
      - {name: always-meow, run: [ref-cat, --mutant=always-meow]}
      - {name: my-own, run: [ref-cat, --mutant=refuse-traversal], description: "refuses ..",
         hint: "test ../secret.txt"}
)";

const protocol::Step* PlannedStep(const protocol::Plan& plan, const std::string& id) {
  for (const auto& s : plan.steps) {
    if (s.id == id) return &s;
  }
  return nullptr;
}

const protocol::FileOverlay* OverlayFile(const protocol::Step& s, const std::string& path) {
  for (const auto& f : s.overlay) {
    if (f.path == path) return &f;
  }
  return nullptr;
}

class AdequacyTest : public ::testing::Test, public ScoringFixture {
 protected:
  void SetUp() override {
    Load(kRubric);
    AddFile("test_cat.sh");
    AddFile("test_listener.sh");
    Exited("build/run", 0);
    Exited("cat_matrix/setup", 0);
    Exited("cat_matrix/student/treasure", 0, "Treasure found!\n");
    Exited("cat_matrix/reference/treasure", 0, "Treasure found!\n");
    // A proper test everywhere: passes on the reference, fails on mutants.
    Exited("adequacy_listener/reference", 0, "PASSED!\n");
    Exited("adequacy_listener/mutant/no-usr1-handler", 1, "FAILED!\nactual: \n");
    Exited("adequacy_cat/reference", 0, "PASSED!\n");
    Exited("adequacy_cat/mutant/always-meow", 1, "FAILED!\nactual: MEOW\n");
    Exited("adequacy_cat/mutant/my-own", 1, "FAILED!\n");
  }
};

TEST_F(AdequacyTest, PlanRunsEachVersionAloneInItsOwnSandboxAfterTheBuildAndTheCases) {
  int latest_other_group = 0;
  for (const auto& s : plan.steps) {
    if (s.id.rfind("adequacy_", 0) != 0) latest_other_group = std::max(latest_other_group, s.group);
  }
  std::vector<std::string> sandboxes;
  for (const char* id :
       {"adequacy_cat/reference", "adequacy_cat/mutant/always-meow", "adequacy_cat/mutant/my-own",
        "adequacy_listener/reference", "adequacy_listener/mutant/no-usr1-handler"}) {
    const auto* s = PlannedStep(plan, id);
    ASSERT_NE(s, nullptr) << id;
    EXPECT_GT(s->group, latest_other_group) << id;  // after make and after garfield's cases
    EXPECT_TRUE(s->at_workdir) << id;
    EXPECT_TRUE(s->fresh_users) << id;
    EXPECT_EQ(s->sandbox_from, "") << id;
    EXPECT_FALSE(s->sandbox.empty()) << id;
    sandboxes.push_back(s->sandbox);
    // The stand-ins for make/gcc/cc come first on PATH, under the workdir.
    EXPECT_EQ(s->process.env.at("PATH").rfind("/root/.ipc-grader-bin:", 0), 0u) << id;
    EXPECT_NE(OverlayFile(*s, ".ipc-grader-bin/make"), nullptr) << id;
  }
  std::sort(sandboxes.begin(), sandboxes.end());
  EXPECT_EQ(std::adjacent_find(sandboxes.begin(), sandboxes.end()), sandboxes.end())
      << "every run needs its own sandbox";

  const auto* ref = PlannedStep(plan, "adequacy_cat/reference");
  EXPECT_EQ(ref->process.argv, (std::vector<std::string>{"bash", "test_cat.sh"}));
  EXPECT_EQ(ref->attempts, 2);                                               // reruns: 1
  EXPECT_EQ(PlannedStep(plan, "adequacy_listener/reference")->attempts, 3);  // default reruns 2
  const auto* meow = PlannedStep(plan, "adequacy_cat/mutant/always-meow");
  EXPECT_EQ(meow->attempts, 1);
  const auto* shim = OverlayFile(*meow, "cat.py");
  ASSERT_NE(shim, nullptr);
  EXPECT_EQ(shim->mode, 0755);
  EXPECT_NE(
      shim->content.find("os.execv(\"/opt/ipc-grader/ref-cat\", [\"/opt/ipc-grader/ref-cat\", "
                         "\"--mutant=always-meow\"])"),
      std::string::npos)
      << shim->content;
  const auto* lshim =
      OverlayFile(*PlannedStep(plan, "adequacy_listener/mutant/no-usr1-handler"), "listener");
  ASSERT_NE(lshim, nullptr);
  EXPECT_NE(lshim->content.find("exec '/opt/ipc-grader/ref-listener' '--mutant=no-usr1'"),
            std::string::npos)
      << lshim->content;
}

TEST_F(AdequacyTest, MissingScriptPlansNothingAndFailsNamingIt) {
  snapshot = {};
  AddFile("test_listener.sh");  // test_cat.sh is missing
  protocol::Plan p;
  checks::PlanBuilder builder(&p, &snapshot, nullptr);
  for (const auto& c : rubric.checks) checks::FindType(c.type)->Plan(c, rubric, builder);
  EXPECT_NE(PlannedStep(p, "adequacy_listener/reference"), nullptr);
  EXPECT_EQ(PlannedStep(p, "adequacy_cat/reference"), nullptr);

  const auto r = Score();
  const auto& c = Check(r, "adequacy_cat");
  EXPECT_EQ(c.status, CheckStatus::kFail);
  EXPECT_EQ(c.score, 0);
  EXPECT_NE(c.message.find("test_cat.sh not found"), std::string::npos) << c.message;
  EXPECT_EQ(Check(r, "adequacy_listener").status, CheckStatus::kPass);
}

TEST_F(AdequacyTest, ProperTestsPass) {
  const auto r = Score();
  for (const char* id : {"adequacy_listener", "adequacy_cat"}) {
    const auto& c = Check(r, id);
    EXPECT_EQ(c.status, CheckStatus::kPass) << id << ": " << c.message;
    EXPECT_EQ(c.score, c.max_score) << id;
    EXPECT_FALSE(c.flaky) << id;
  }
  EXPECT_NE(Check(r, "adequacy_cat").student.find("always-meow: failed (exit 1), caught"),
            std::string::npos);
}

TEST_F(AdequacyTest, FakeTestFailsNamingTheMutantItMissedAndHowToFixIt) {
  Exited("adequacy_cat/mutant/always-meow", 0, "PASSED!\n");
  Exited("adequacy_cat/mutant/my-own", 0, "PASSED!\n");
  const auto r = Score();
  const auto& c = Check(r, "adequacy_cat");
  EXPECT_EQ(c.status, CheckStatus::kFail);
  EXPECT_EQ(c.score, 0);
  EXPECT_NE(c.message.find("caught 0 of 2"), std::string::npos) << c.message;
  EXPECT_NE(c.message.find("test_cat.sh passed against a cat.py that never prints the file (it "
                           "always says MEOW) (mutant always-meow): it is not a proper test case; "
                           "compare the output with the expected text"),
            std::string::npos)
      << c.message;
  // A rubric's own description and hint replace the built-in ones.
  EXPECT_NE(c.message.find("a cat.py that refuses .. (mutant my-own): it is not a proper test "
                           "case; test ../secret.txt."),
            std::string::npos)
      << c.message;
  EXPECT_NE(c.expected.find("fails (non-zero exit) with each faulty version: always-meow, my-own"),
            std::string::npos)
      << c.expected;
  EXPECT_NE(c.student.find("always-meow: passed (exit 0), not caught"), std::string::npos)
      << c.student;
  EXPECT_NE(c.reference.find("with the correct cat.py (ref-cat): passed (exit 0)"),
            std::string::npos)
      << c.reference;
  // The first missed mutant's run is shown.
  EXPECT_NE(c.output.find("mutant always-meow"), std::string::npos) << c.output;
  EXPECT_NE(c.output.find("PASSED!"), std::string::npos) << c.output;
}

TEST_F(AdequacyTest, PartialCreditIsTheShareOfMutantsCaught) {
  Exited("adequacy_cat/mutant/my-own", 0, "PASSED!\n");
  const auto r = Score();
  const auto& c = Check(r, "adequacy_cat");
  EXPECT_EQ(c.status, CheckStatus::kFail);
  EXPECT_DOUBLE_EQ(c.score, 2.0);  // 1 of 2 mutants, of 4 points
  EXPECT_NE(c.message.find("caught 1 of 2"), std::string::npos) << c.message;
  EXPECT_EQ(c.message.find("always-meow)"), std::string::npos) << "caught mutants are not blamed";
}

TEST_F(AdequacyTest, TestThatFailsOnTheReferenceGetsNothingAndShowsItsOutput) {
  auto& ref = Exited("adequacy_cat/reference", 1, "FAILED!\nexpected: Treasure found!\n");
  ref.process.stderr_data = "+ python cat.py\n";
  ref.failed_attempts.push_back(ref.process);
  // Mutants "caught" count for nothing: the script fails on everything.
  const auto r = Score();
  const auto& c = Check(r, "adequacy_cat");
  EXPECT_EQ(c.status, CheckStatus::kFail);
  EXPECT_EQ(c.score, 0);
  EXPECT_NE(c.message.find("test_cat.sh fails even on a correct cat.py (exit 1, in all 2 "
                           "attempts): it cannot tell right from wrong"),
            std::string::npos)
      << c.message;
  EXPECT_NE(c.output.find("expected: Treasure found!"), std::string::npos) << c.output;
  EXPECT_NE(c.output.find("+ python cat.py"), std::string::npos) << c.output;
}

TEST_F(AdequacyTest, PassOnlyAfterARerunIsFlakyNotFailed) {
  auto& ref = Step("adequacy_listener/reference");
  protocol::ProcessResult first = ref.process;
  first.exit_code = 1;
  ref.failed_attempts.push_back(first);
  const auto r = Score();
  const auto& c = Check(r, "adequacy_listener");
  EXPECT_EQ(c.status, CheckStatus::kPass) << c.message;
  EXPECT_EQ(c.score, 2);
  EXPECT_TRUE(c.flaky);
  EXPECT_NE(c.message.find("test_listener.sh is flaky: it failed 1 time(s)"), std::string::npos)
      << c.message;
  EXPECT_NE(c.reference.find("at attempt 2"), std::string::npos) << c.reference;
}

TEST_F(AdequacyTest, AMutantRunThatTimesOutCountsAsCaught) {
  auto& run = Step("adequacy_listener/mutant/no-usr1-handler");
  run.process.exit_code.reset();
  run.process.timed_out = true;
  run.process.term_signal = 9;
  const auto r = Score();
  EXPECT_EQ(Check(r, "adequacy_listener").status, CheckStatus::kPass);
}

TEST_F(AdequacyTest, MissingObservationsAreErrorsNotZeros) {
  report.steps.erase(
      std::remove_if(report.steps.begin(), report.steps.end(),
                     [](const auto& s) { return s.id == "adequacy_cat/mutant/my-own"; }),
      report.steps.end());
  const auto before = Score();
  EXPECT_EQ(Check(before, "adequacy_cat").status, CheckStatus::kError);
  Step("adequacy_listener/reference").process.started = false;
  Step("adequacy_listener/reference").process.error = "bash: not found";
  const auto r = Score();
  const auto& c = Check(r, "adequacy_listener");
  EXPECT_EQ(c.status, CheckStatus::kError);
  EXPECT_NE(c.message.find("bash: not found"), std::string::npos) << c.message;
}

// The RubricError of loading `check` (a test_adequacy check's own keys).
std::string LoadError(const std::string& keys) {
  const std::string yaml =
      "assignment: t\nref: [final]\nparts:\n  - {id: p, title: P, points: 1}\n"
      "checks:\n  - id: a\n    part: p\n    title: t\n    type: test_adequacy\n"
      "    points: 1\n" +
      keys;
  try {
    checks::ValidateChecks(rubric::ParseRubric(yaml, "r.yaml"));
  } catch (const rubric::RubricError& e) {
    return e.what();
  }
  return "";
}

TEST(AdequacyParams, ErrorsPointAtTheKey) {
  const std::string ok = "    script: t.sh\n    replace: cat.py\n    reference: [ref-cat]\n";
  EXPECT_EQ(LoadError(ok + "    mutants: [{name: m, run: [ref-cat]}]\n"), "");
  EXPECT_NE(LoadError(ok).find("r.yaml:6:5: check 'a': 'mutants' must be a non-empty list"),
            std::string::npos)
      << LoadError(ok);
  EXPECT_NE(LoadError(ok + "    mutants: [{name: m, run: [x]}, {name: m, run: [y]}]\n")
                .find("duplicate mutant name 'm'"),
            std::string::npos);
  EXPECT_NE(LoadError(ok + "    mutants: [{name: 'a b', run: [x]}]\n")
                .find("r.yaml:14:22: check 'a' mutant: mutant name 'a b' may hold only"),
            std::string::npos)
      << LoadError(ok + "    mutants: [{name: 'a b', run: [x]}]\n");
  EXPECT_NE(LoadError(ok + "    reruns: 9\n    mutants: [{name: m, run: [x]}]\n")
                .find("r.yaml:14:13: check 'a': 'reruns' must be between 0 and 5"),
            std::string::npos);
  EXPECT_NE(LoadError("    script: ../t.sh\n    replace: cat.py\n    reference: [r]\n"
                      "    mutants: [{name: m, run: [x]}]\n")
                .find("'script' must not have empty, '.' or '..' components"),
            std::string::npos);
  EXPECT_NE(
      LoadError(ok + "    mutants: [{name: m, run: [x], hnt: h}]\n").find("did you mean 'hint'"),
      std::string::npos);
}

// The shims and stand-ins, run for real.
class ShimTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("ipc-shim-test-" + std::to_string(getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  void Write(const protocol::FileOverlay& f) {
    const fs::path p = dir_ / f.path;
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << f.content;
    ::chmod(p.c_str(), static_cast<mode_t>(f.mode));
  }
  // Runs `script` with bash in dir_; stdout+stderr.
  std::string Bash(const std::string& script, const std::string& path_env = "") {
    const std::string cmd = "cd '" + dir_.string() + "' && " +
                            (path_env.empty() ? "" : "PATH='" + path_env + "' ") + "bash -c '" +
                            script + "' 2>&1";
    std::string out;
    FILE* p = popen(cmd.c_str(), "r");
    char buf[512];
    std::size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    pclose(p);
    return out;
  }
  std::string Read(const std::string& rel) {
    std::ifstream in(dir_ / rel, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  fs::path dir_;
};

TEST_F(ShimTest, ShellShimExecsTheProgramInTheSamePidAndIgnoresItsArguments) {
  // `$!` in a test script must be the pid of the program it signals.
  Write(checks::ProgramShim("listener", {"/bin/sh", "-c", "echo \"pid $$\"", "it's"}));
  const std::string out = Bash("./listener --ignored & echo \"bg $!\"; wait");
  const auto bg = out.find("bg "), pid = out.find("pid ");
  ASSERT_NE(bg, std::string::npos) << out;
  ASSERT_NE(pid, std::string::npos) << out;
  EXPECT_EQ(std::stoi(out.substr(bg + 3)), std::stoi(out.substr(pid + 4))) << out;
}

TEST_F(ShimTest, PythonShimHandsStdinToTheProgram) {
  Write(checks::ProgramShim(
      "cat.py",
      {"/bin/sh", "-c", "read x; printf \"got %s %s\\n\" \"$x\" \"$1\"", "sh", "a\"b\\c'd"}));
  EXPECT_EQ(Bash("echo treasure.txt | python3 cat.py"), "got treasure.txt a\"b\\c'd\n");
  EXPECT_EQ(Bash("echo again | ./cat.py"), "got again a\"b\\c'd\n");
}

TEST_F(ShimTest, MakeInTheTestScriptCannotRebuildOverTheShim) {
  // The assignment's Makefile: `compile:` has no prerequisites, so `make`
  // always rebuilds. `cp` stands in for gcc.
  std::ofstream(dir_ / "Makefile") << "compile:\n\tcp built listener\n";
  std::ofstream(dir_ / "built") << "the student's listener\n";
  const auto shim = checks::ProgramShim("listener", {"/bin/true"});
  Write(shim);
  for (const auto& f : checks::NoBuildTools()) Write(f);
  const char* host_path = std::getenv("PATH");
  const std::string out = Bash("make && gcc -o listener listener.c && echo built",
                               checks::NoBuildPath(dir_.string()) + ":" + host_path);
  EXPECT_NE(out.find("'make' skipped"), std::string::npos) << out;
  EXPECT_NE(out.find("built"), std::string::npos) << out;
  EXPECT_EQ(Read("listener"), shim.content);
  // Without the stand-ins first on PATH, make would have replaced it.
  Bash("make", host_path);
  EXPECT_EQ(Read("listener"), "the student's listener\n");
}

}  // namespace
}  // namespace ipc::testing
