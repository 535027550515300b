// test_adequacy: its plan (checked field by field: a fresh box per run, the
// stand-in written over the program's source and built as the rubric
// says), the stand-ins it ships run for real on the host (python3, gcc,
// make), and its scoring from hand-made probe observations.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <thread>

#include "checks/gitlab_ci.h"
#include "checks/test_adequacy.h"
#include "scoring_fixture.h"

namespace ipc::testing {
namespace {

namespace fs = std::filesystem;
using report::CheckStatus;

const std::string kRubric = RubricWithPrograms(R"(
parts:
  - {id: part1, title: Part 1, points: 3}
  - {id: part2, title: Part 2, points: 4}
checks:
  - id: build
    part: part1
    title: make builds
    type: command
    points: 1
    run: [make]
  - id: adequacy_listener
    part: part1
    title: test_listener.sh is a proper test
    type: test_adequacy
    points: 2
    script: test_listener.sh
    program: listener
    mutants: [no-usr1-handler]
  - id: adequacy_cat
    part: part2
    title: test_cat.sh is a proper test
    type: test_adequacy
    points: 4
    script: test_cat.sh
    program: cat
    job: ipc-project
    reruns: 1
    mutants: [always-meow, refuses-traversal]
)");

class AdequacyTest : public ::testing::Test, public ScoringFixture {
 protected:
  void SetUp() override {
    Load(kRubric);
    AddFile("test_cat.sh");
    AddFile("test_listener.sh");
    Exited("build/run", 0);
    // A proper test everywhere: passes on the correct one, fails on mutants.
    Exited("adequacy_listener/reference.build", 0);
    Exited("adequacy_listener/reference", 0, "PASSED!\n");
    Exited("adequacy_listener/mutant.no-usr1-handler.build", 0);
    Exited("adequacy_listener/mutant.no-usr1-handler", 1, "FAILED!\nactual: \n");
    Exited("adequacy_cat/reference", 0, "PASSED!\n");
    Exited("adequacy_cat/mutant.always-meow", 1, "FAILED!\nactual: MEOW\n");
    Exited("adequacy_cat/mutant.refuses-traversal", 1, "FAILED!\n");
  }
  const protocol::FileOverlay* BoxFile(const std::string& box_id, const std::string& path) {
    const protocol::Box* box = PlannedBox(box_id);
    if (box == nullptr) return nullptr;
    for (const auto& f : box->files) {
      if (f.path == path) return &f;
    }
    return nullptr;
  }
};

// ---- The plan ------------------------------------------------------------------

TEST_F(AdequacyTest, EveryRunGetsAFreshBoxFromTheCommittedTreeWithTheStandInOverTheSource) {
  for (const char* id : {"adequacy_cat/reference", "adequacy_cat/mutant.always-meow",
                         "adequacy_cat/mutant.refuses-traversal"}) {
    const protocol::Box* box = PlannedBox(id);
    ASSERT_NE(box, nullptr) << id;
    EXPECT_EQ(box->from, protocol::kFromPristine) << id;
    EXPECT_FALSE(box->save) << id;
    EXPECT_EQ(box->attempts, 2) << id << ": reruns 1";
    // The data files where missing, then the stand-in, which replaces the
    // student's cat.py whatever it holds.
    ASSERT_EQ(box->files.size(), 3u) << id;
    EXPECT_TRUE(box->files[0].if_missing);
    EXPECT_TRUE(box->files[1].if_missing);
    const auto& stand_in = box->files[2];
    EXPECT_EQ(stand_in.path, "cat.py");
    EXPECT_FALSE(stand_in.if_missing);
    // A Python cat needs no build: the script is the only step.
    ASSERT_EQ(box->steps.size(), 1u) << id;
    const auto& s = box->steps[0];
    EXPECT_EQ(s.id, id);
    EXPECT_TRUE(s.student);
    EXPECT_EQ(s.process.argv, (std::vector<std::string>{"bash", "test_cat.sh"}));
    EXPECT_EQ(s.process.env, checks::JobEnvironment("ipc-project", "/root"));
    EXPECT_EQ(s.process.env.at("CI_JOB_NAME"), "ipc-project");
    EXPECT_EQ(s.process.timeout_s, 30);
    EXPECT_EQ(s.process.user, "");
  }
  // Default reruns 2, default job "test".
  const protocol::Box* ref = PlannedBox("adequacy_listener/reference");
  ASSERT_NE(ref, nullptr);
  EXPECT_EQ(ref->attempts, 3);
  EXPECT_EQ(ref->steps.back().process.env.at("CI_JOB_NAME"), "test");
}

TEST_F(AdequacyTest, ACompiledProgramsStandInIsBuiltByTheGraderBeforeTheScript) {
  const protocol::Box* box = PlannedBox("adequacy_listener/mutant.no-usr1-handler");
  ASSERT_NE(box, nullptr);
  ASSERT_EQ(box->steps.size(), 2u);
  const auto& build = box->steps[0];
  EXPECT_EQ(build.id, "adequacy_listener/mutant.no-usr1-handler.build");
  EXPECT_FALSE(build.student) << "the grader's own stand-in, built as the rubric says";
  EXPECT_EQ(build.process.argv,
            (std::vector<std::string>{"gcc", "-o", "listener", "listener.c"}));
  EXPECT_EQ(box->steps[1].process.argv, (std::vector<std::string>{"bash", "test_listener.sh"}));
  EXPECT_TRUE(protocol::HasStudentStep(*box));
  const auto* source = BoxFile(box->id, "listener.c");
  ASSERT_NE(source, nullptr);
  EXPECT_FALSE(source->if_missing);
}

TEST_F(AdequacyTest, StandInsCarryASecretOfTheSubmissionSoNoHashListKnowsThem) {
  const auto* ref = BoxFile("adequacy_cat/reference", "cat.py");
  const auto* meow = BoxFile("adequacy_cat/mutant.always-meow", "cat.py");
  ASSERT_NE(ref, nullptr);
  ASSERT_NE(meow, nullptr);
  EXPECT_NE(ref->content, meow->content);
  const std::string salt = checks::Token(token_seed, "adequacy_cat", "reference");
  EXPECT_NE(ref->content.find(salt), std::string::npos) << ref->content;
  // Another submission: other stand-ins, same behaviour.
  const std::string before = ref->content;
  token_seed = "another-secret\nanother-commit";
  Replan(/*with_snapshot=*/false);
  const auto* again = BoxFile("adequacy_cat/reference", "cat.py");
  ASSERT_NE(again, nullptr);
  EXPECT_NE(again->content, before);
  EXPECT_EQ(again->content.find(salt), std::string::npos);
}

TEST_F(AdequacyTest, AMissingScriptPlansNothingAndFailsNamingIt) {
  snapshot = {};
  AddFile("test_listener.sh");  // test_cat.sh is missing
  Replan();
  EXPECT_NE(PlannedBox("adequacy_listener/reference"), nullptr);
  EXPECT_EQ(PlannedBox("adequacy_cat/reference"), nullptr);
  EXPECT_EQ(PlannedBox("adequacy_cat/mutant.always-meow"), nullptr);

  const auto r = Score();
  const auto& c = Check(r, "adequacy_cat");
  EXPECT_EQ(c.status, CheckStatus::kFail);
  EXPECT_EQ(c.score, 0);
  EXPECT_EQ(c.message,
            "test_cat.sh not found in the repository: the assignment asks for this test of "
            "cat.py; add it and commit it.");
  EXPECT_EQ(Check(r, "adequacy_listener").status, CheckStatus::kPass);
}

// ---- The stand-ins, run for real --------------------------------------------------

class StandInRun : public AdequacyTest {
 protected:
  void SetUp() override {
    AdequacyTest::SetUp();
    dir_ = fs::temp_directory_path() / ("ipc-standin-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  // A box's tree on the host: the submission's files, then the box's.
  void MakeBox(const std::string& box_id) {
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    Write("litterbox/treasure.txt", "Treasure found!", 0644);
    Write("secret.txt", "Hey! This is a secret!", 0644);
    const protocol::Box* box = PlannedBox(box_id);
    ASSERT_NE(box, nullptr) << box_id;
    for (const auto& f : box->files) {
      if (f.if_missing && fs::exists(dir_ / f.path)) continue;
      Write(f.path, f.content, f.mode);
    }
  }
  void Write(const std::string& rel, const std::string& content, int mode) {
    const fs::path p = dir_ / rel;
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << content;
    ::chmod(p.c_str(), static_cast<mode_t>(mode));
  }
  // Runs `cmd` with bash in the box's tree; stdout, and *status.
  std::string Bash(const std::string& cmd, const std::string& input = "", int* status = nullptr) {
    const fs::path in = dir_ / ".stdin";
    std::ofstream(in, std::ios::binary) << input;
    const std::string full = "cd '" + dir_.string() + "' && bash -c '" + cmd + "' < '" +
                             in.string() + "' 2>&1";
    std::string out;
    FILE* p = ::popen(full.c_str(), "r");
    char buf[512];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    const int st = ::pclose(p);
    if (status != nullptr) *status = st;
    return out;
  }
  // Starts ./listener with stdout to output.log, waits (reading /proc, as
  // the probe does) until it is asleep with its SIGINT handler installed,
  // sends `sig` and reaps it. Returns the wait status.
  int SignalListener(int sig) {
    const pid_t pid = ::fork();
    if (pid == 0) {
      if (::chdir(dir_.c_str()) != 0) ::_exit(126);
      const int fd = ::open("output.log", O_WRONLY | O_CREAT | O_TRUNC, 0644);
      ::dup2(fd, 1);
      ::execl("./listener", "./listener", static_cast<char*>(nullptr));
      ::_exit(127);
    }
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    bool ready = false;
    while (!ready && std::chrono::steady_clock::now() < give_up) {
      std::ifstream status("/proc/" + std::to_string(pid) + "/status");
      std::string line;
      bool asleep = false;
      unsigned long long caught = 0;
      while (std::getline(status, line)) {
        if (line.rfind("State:", 0) == 0) asleep = line.find("S (sleeping)") != std::string::npos;
        if (line.rfind("SigCgt:", 0) == 0) caught = std::stoull(line.substr(7), nullptr, 16);
      }
      ready = asleep && (caught & (1ull << (SIGINT - 1))) != 0;
      if (!ready) std::this_thread::yield();
    }
    EXPECT_TRUE(ready) << "the listener never waited for a signal";
    ::kill(pid, sig);
    int st = 0;
    ::waitpid(pid, &st, 0);
    return st;
  }
  std::string Read(const std::string& rel) {
    std::ifstream in(dir_ / rel, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  fs::path dir_;
};

TEST_F(StandInRun, TheCatStandInsBehaveAsTheProgramAndEachMutantAsItsDescriptionSays) {
  MakeBox("adequacy_cat/reference");
  EXPECT_EQ(Bash("python3 cat.py", "treasure.txt\n"), "Treasure found!\n");
  EXPECT_EQ(Bash("python3 cat.py", "../secret.txt"), "Hey! This is a secret!\n");
  EXPECT_EQ(Bash("python3 cat.py", "nope").rfind("MEOW ", 0), 0u);
  MakeBox("adequacy_cat/mutant.always-meow");
  EXPECT_EQ(Bash("python3 cat.py", "treasure.txt"), "MEOW\n");
  MakeBox("adequacy_cat/mutant.refuses-traversal");
  EXPECT_EQ(Bash("python3 cat.py", "treasure.txt"), "Treasure found!\n");
  EXPECT_EQ(Bash("python3 cat.py", "../secret.txt"), "MEOW Sandbox escaped!\n");
}

TEST_F(StandInRun, TheListenerStandInIsBuiltByThePlannedStepAndHandlesSigusr1) {
  MakeBox("adequacy_listener/reference");
  const auto& build = PlannedBox("adequacy_listener/reference")->steps[0].process.argv;
  std::string cmd;
  for (const auto& a : build) cmd += a + " ";
  int status = -1;
  const std::string out = Bash(cmd, "", &status);
  ASSERT_EQ(status, 0) << out;
  const int st = SignalListener(SIGUSR1);
  EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0) << st;
  const std::string log = Read("output.log");
  EXPECT_EQ(log.rfind("Listener PID: ", 0), 0u) << log;
  EXPECT_NE(log.find("\nSIGUSR1 received!\n"), std::string::npos) << log;
}

// The script may run `make` itself (the assignment's `compile:` has no
// prerequisites, so it always rebuilds): it rebuilds the same stand-in.
TEST_F(StandInRun, AMakeInTheTestScriptRebuildsTheMutantNotTheStudentsListener) {
  MakeBox("adequacy_listener/mutant.no-usr1-handler");
  Write("Makefile", "compile:\n\tgcc -o listener listener.c\n", 0644);
  int status = -1;
  const std::string out = Bash("make compile", "", &status);
  ASSERT_EQ(status, 0) << out;
  const int st = SignalListener(SIGUSR1);
  EXPECT_TRUE(WIFSIGNALED(st) && WTERMSIG(st) == SIGUSR1) << "no SIGUSR1 handler: " << st;
  const int st2 = SignalListener(SIGINT);
  EXPECT_TRUE(WIFEXITED(st2) && WEXITSTATUS(st2) == 1) << st2;
  EXPECT_NE(Read("output.log").find("SIGINT received!"), std::string::npos);
}

// ---- Verdicts --------------------------------------------------------------------

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

TEST_F(AdequacyTest, AFakeTestFailsNamingTheMutantItMissedAndHowToCatchIt) {
  Exited("adequacy_cat/mutant.always-meow", 0, "PASSED!\n");
  Exited("adequacy_cat/mutant.refuses-traversal", 0, "PASSED!\n");
  const auto r = Score();
  const auto& c = Check(r, "adequacy_cat");
  EXPECT_EQ(c.status, CheckStatus::kFail);
  EXPECT_EQ(c.score, 0);
  EXPECT_NE(c.message.find("test_cat.sh caught 0 of 2 faulty versions."), std::string::npos)
      << c.message;
  // The rubric's description and hint of each mutant.
  EXPECT_NE(c.message.find("\n- test_cat.sh passed against a cat.py that never prints the file (it "
                           "always says MEOW) (mutant always-meow): it is not a proper test case; "
                           "compare the output with the expected text."),
            std::string::npos)
      << c.message;
  EXPECT_NE(c.message.find("a cat.py that refuses ../ paths (mutant refuses-traversal): it is not a "
                           "proper test case; test ../secret.txt."),
            std::string::npos)
      << c.message;
  EXPECT_EQ(c.expected,
            "`bash test_cat.sh` passes (exit 0) with a correct cat.py and fails (non-zero exit) "
            "with each faulty version: always-meow, refuses-traversal");
  EXPECT_NE(c.student.find("always-meow: passed (exit 0), not caught"), std::string::npos)
      << c.student;
  EXPECT_EQ(c.reference, "with a correct cat.py: passed (exit 0)");
  // The first missed mutant's run is shown.
  EXPECT_EQ(c.output, "$ bash test_cat.sh   (cat.py = faulty version always-meow)\nPASSED!\n");
}

TEST_F(AdequacyTest, PartialCreditIsTheShareOfMutantsCaught) {
  Exited("adequacy_cat/mutant.refuses-traversal", 0, "PASSED!\n");
  const auto r = Score();
  const auto& c = Check(r, "adequacy_cat");
  EXPECT_EQ(c.status, CheckStatus::kFail);
  EXPECT_DOUBLE_EQ(c.score, 2.0);  // 1 of 2 mutants, of 4 points
  EXPECT_NE(c.message.find("caught 1 of 2"), std::string::npos) << c.message;
  EXPECT_EQ(c.message.find("always-meow)"), std::string::npos) << "caught mutants are not blamed";
}

TEST_F(AdequacyTest, ATestThatFailsOnTheCorrectProgramGetsNothingAndShowsItsOutput) {
  auto& ref = Exited("adequacy_cat/reference", 1, "FAILED!\nexpected: Treasure found!\n");
  ref.process.stderr_data = "+ python cat.py\n";
  ref.earlier_attempts.push_back(ref.process);
  // Mutants "caught" count for nothing: the script fails on everything.
  const auto r = Score();
  const auto& c = Check(r, "adequacy_cat");
  EXPECT_EQ(c.status, CheckStatus::kFail);
  EXPECT_EQ(c.score, 0);
  EXPECT_NE(c.message.find("test_cat.sh fails even on a correct cat.py (exit 1, in all 2 runs): it "
                           "cannot tell right from wrong"),
            std::string::npos)
      << c.message;
  EXPECT_NE(c.output.find("expected: Treasure found!"), std::string::npos) << c.output;
  EXPECT_NE(c.output.find("--- stderr ---\n+ python cat.py"), std::string::npos) << c.output;
}

TEST_F(AdequacyTest, PassingOnlyOnARerunIsFlakyNotFailed) {
  auto& ref = Step("adequacy_listener/reference");
  protocol::ProcessResult first = ref.process;
  first.exit_code = 1;
  ref.earlier_attempts.push_back(first);
  const auto r = Score();
  const auto& c = Check(r, "adequacy_listener");
  EXPECT_EQ(c.status, CheckStatus::kPass) << c.message;
  EXPECT_EQ(c.score, 2);
  EXPECT_TRUE(c.flaky);
  EXPECT_NE(c.message.find("test_listener.sh is flaky: it failed 1 time(s) on a correct listener.c"),
            std::string::npos)
      << c.message;
  EXPECT_NE(c.reference.find("at attempt 2"), std::string::npos) << c.reference;
}

TEST_F(AdequacyTest, AMutantIsCaughtOnlyIfEveryRunFails) {
  // Failed once, then passed on the rerun: not caught.
  auto& run = Exited("adequacy_listener/mutant.no-usr1-handler", 0, "PASSED!\n");
  protocol::ProcessResult first = run.process;
  first.exit_code = 1;
  run.earlier_attempts.push_back(first);
  const auto c = Check(Score(), "adequacy_listener");
  EXPECT_EQ(c.status, CheckStatus::kFail);
  EXPECT_EQ(c.score, 0);
  EXPECT_NE(c.message.find("(mutant no-usr1-handler) (it failed 1 time(s) first, then passed: a "
                           "detection that does not repeat is not a detection)"),
            std::string::npos)
      << c.message;
}

TEST_F(AdequacyTest, AMutantRunThatTimesOutCountsAsCaught) {
  auto& run = Step("adequacy_listener/mutant.no-usr1-handler");
  run.process.exit_code.reset();
  run.process.timed_out = true;
  run.process.term_signal = SIGKILL;
  const auto r = Score();
  EXPECT_EQ(Check(r, "adequacy_listener").status, CheckStatus::kPass);
}

TEST_F(AdequacyTest, AStandInThatDidNotBuildIsTheGradersError) {
  Exited("adequacy_listener/mutant.no-usr1-handler.build", 1).process.stderr_data =
      "listener.c:1: error\n";
  const auto c = Check(Score(), "adequacy_listener");
  EXPECT_EQ(c.status, CheckStatus::kError);
  EXPECT_EQ(c.message,
            "the grader could not build its stand-in for listener.c in your tree (exit 1): "
            "listener.c:1: error\\n");
}

TEST_F(AdequacyTest, MissingObservationsAreErrorsNotZeros) {
  Forget("adequacy_cat/mutant.refuses-traversal");
  EXPECT_EQ(Check(Score(), "adequacy_cat").status, CheckStatus::kError);
  auto& ref = Step("adequacy_listener/reference");
  ref.process.started = false;
  ref.process.error = "bash: not found";
  const auto r = Score();
  const auto& c = Check(r, "adequacy_listener");
  EXPECT_EQ(c.status, CheckStatus::kError);
  EXPECT_EQ(c.message, "the grader could not run `bash test_listener.sh`: bash: not found");
}

// ---- Rubric errors ------------------------------------------------------------------

// The RubricError of loading a test_adequacy check with `keys`.
std::string LoadError(const std::string& keys) {
  try {
    ScoringFixture f;
    f.Load(RubricWithPrograms("parts: [{id: p, title: P, points: 1}]\nchecks:\n  - id: a\n"
                              "    part: p\n    title: t\n    type: test_adequacy\n"
                              "    points: 1\n" +
                              keys),
           "r.yaml");
  } catch (const rubric::RubricError& e) {
    return e.what();
  }
  return "";
}

TEST(AdequacyParams, ErrorsPointAtTheKey) {
  const std::string ok = "    script: t.sh\n    program: cat\n";
  EXPECT_EQ(LoadError(ok + "    mutants: [always-meow]\n"), "");
  EXPECT_NE(LoadError(ok).find("check 'a': 'mutants' must be a non-empty list"), std::string::npos)
      << LoadError(ok);
  EXPECT_NE(LoadError(ok + "    mutants: [always-meow, always-meow]\n")
                .find("mutant 'always-meow' is listed twice"),
            std::string::npos);
  EXPECT_NE(LoadError(ok + "    mutants: [no-usr1-handler]\n")
                .find("mutant 'no-usr1-handler' is a version of program 'listener', not of 'cat'"),
            std::string::npos);
  EXPECT_NE(LoadError(ok + "    mutants: [always-woof]\n")
                .find("no mutant 'always-woof' in the rubric's 'mutants'"),
            std::string::npos);
  EXPECT_NE(LoadError(ok + "    mutants: [{name: m, run: [ref-cat]}]\n").find("form is gone"),
            std::string::npos);
  const std::string reruns = LoadError(ok + "    reruns: 9\n    mutants: [always-meow]\n");
  EXPECT_NE(reruns.find("r.yaml:"), std::string::npos) << reruns;
  EXPECT_NE(reruns.find("'reruns' must be between 0 and 5"), std::string::npos) << reruns;
  EXPECT_NE(LoadError("    script: ../t.sh\n    program: cat\n    mutants: [always-meow]\n")
                .find("'script' must not have empty, '.' or '..' components"),
            std::string::npos);
  EXPECT_NE(LoadError("    script: -x.sh\n    program: cat\n    mutants: [always-meow]\n")
                .find("must not start with '-'"),
            std::string::npos);
  EXPECT_NE(LoadError("    script: t.sh\n    program: dog\n    mutants: [always-meow]\n")
                .find("no program 'dog'"),
            std::string::npos);
  // The old keys say what replaced them.
  EXPECT_NE(LoadError(ok + "    replace: cat.py\n    mutants: [always-meow]\n").find("'replace' is gone"),
            std::string::npos);
  EXPECT_NE(LoadError(ok + "    reference: [ref-cat]\n    mutants: [always-meow]\n")
                .find("'reference' is gone"),
            std::string::npos);
}

}  // namespace
}  // namespace ipc::testing
