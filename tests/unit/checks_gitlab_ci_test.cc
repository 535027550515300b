// The gitlab_ci check type, second half: rubric validation, the planned box
// (its bash driver run for real on the host) and the verdicts from
// hand-built probe reports, whose traces (checks_trace_builder.h) say which
// test scripts the job ran, how they ended and whether each run counts.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <csignal>

#include "rubric_text.h"
#include "checks/gitlab_ci.h"
#include "checks/gitlab_ci_scan.h"
#include "checks_trace_builder.h"
#include "scoring_fixture.h"
#include "util/sha256.h"

namespace ipc::testing {
namespace {

using report::CheckStatus;

constexpr const char* kRubric = R"(
assignment: t
ref: [final]
limits: {wall_s: 200}
parts:
  - {id: part1, title: Part 1, points: 1}
  - {id: part2, title: Part 2, points: 1}
checks:
  - id: ci_part1
    part: part1
    title: CI at part1
    type: gitlab_ci
    points: 1
    ref: part1
    job: ipc-project
    scripts: [test_listener.sh]
  - id: ci_final
    part: part2
    title: CI at final
    type: gitlab_ci
    points: 1
    timeout: 20
    job: ipc-project
    image: python:latest
    scripts: [test_cat.sh, test_cat_exploit.sh, test_listener.sh, test_full_dd.sh]
    reruns: 2
    flaky_note: "test_listener.sh reads output.log too early"
)";

const std::vector<std::string> kAllTests = {"test_cat.sh", "test_cat_exploit.sh",
                                            "test_listener.sh", "test_full_dd.sh"};

// The assignment's .gitlab-ci.yml with the named tests uncommented.
std::string CiYml(const std::vector<std::string>& on, const std::string& image = "python:latest") {
  std::string out = "image:\n  name: " + image +
                    " # don't change this\nipc-project:\n  stage: test\n  script:\n"
                    "    - make\n    - chmod +x test_*\n";
  for (const auto& t : kAllTests) {
    const bool enabled = std::find(on.begin(), on.end(), t) != on.end();
    out += std::string(enabled ? "    - ./" : "    # - ./") + t + "\n";
  }
  return out;
}

// Each test script as committed (distinct, so their hashes differ).
std::string Committed(const std::string& script) { return "#!/bin/bash\n# " + script + "\n"; }
std::string ShaOf(const std::string& script) { return Sha256Hex(Committed(script)); }

// The log a passing run of `cmds` prints (echo, then a line of output).
std::string Log(const std::vector<std::string>& cmds) {
  std::string out;
  for (const auto& c : cmds) out += checks::EchoOf(c) + "ok\n";
  return out;
}
const std::vector<std::string> kFinalCmds = {"make", "chmod +x test_*", "./test_cat.sh",
                                             "./test_cat_exploit.sh", "./test_listener.sh",
                                             "./test_full_dd.sh"};

struct GitlabCiTest : ::testing::Test, ScoringFixture {
  void SetUp() override {
    Load(kRubric);
    for (const auto& t : kAllTests) AddFile(t, Committed(t));
    AddFile(".gitlab-ci.yml", CiYml(kAllTests));
    fetch::Snapshot part1;
    part1.entries.push_back({"test_listener.sh", fetch::EntryType::kFile, 0});
    part1.files["test_listener.sh"] = Committed("test_listener.sh");
    part1.entries.push_back({".gitlab-ci.yml", fetch::EntryType::kFile, 0});
    part1.files[".gitlab-ci.yml"] = CiYml({"test_listener.sh"});
    other_refs["part1"] = part1;
  }
  void MakePlan() { Replan(); }
  // The job's result: its exit, its log, and what the tracer saw.
  protocol::StepResult& Job(const std::string& check, int code, const std::string& log,
                            const JobTrace& trace) {
    auto& s = Exited(check + "/job", code, log);
    s.trace = trace.events;
    return s;
  }
  // A trace of the final job: make and chmod, then a run of each script in
  // `runs` (name, exit code) from the job's shell, each file untouched.
  static JobTrace Ran(const std::vector<std::pair<std::string, int>>& runs,
                      const std::vector<std::string>& watched = kAllTests) {
    JobTrace trace;
    trace.Start(11, JobTrace::kDriver, {"make"});
    trace.Exit(11, 0);
    trace.Start(12, JobTrace::kDriver, {"chmod", "+x", "test_cat.sh"});
    trace.Exit(12, 0);
    int pid = 20;
    for (const auto& [name, code] : runs) {
      const int w = Watch(name, watched);
      trace.Run(pid++, JobTrace::kDriver, w, "./" + name, ShaOf(name), code);
    }
    trace.End(Shas(watched));
    return trace;
  }
  static int Watch(const std::string& name, const std::vector<std::string>& watched) {
    return static_cast<int>(std::find(watched.begin(), watched.end(), name) - watched.begin());
  }
  static std::vector<std::string> Shas(const std::vector<std::string>& watched) {
    std::vector<std::string> shas;
    for (const auto& w : watched) shas.push_back(ShaOf(w));
    return shas;
  }
  static std::vector<std::pair<std::string, int>> AllPass() {
    return {{"test_cat.sh", 0}, {"test_cat_exploit.sh", 0}, {"test_listener.sh", 0},
            {"test_full_dd.sh", 0}};
  }
  checks::Outcome Verdict(const std::string& id) {
    other_ref_errors.clear();
    if (!other_refs.count("part1")) other_ref_errors["part1"] = "no ref 'part1' in the repository";
    return Judge(id);
  }
};

// ---- Validation -------------------------------------------------------------

std::string RubricError(const std::string& extra) {
  const std::string yaml = std::string(R"(
assignment: t
ref: [final]
limits: {wall_s: 100}
parts: [{id: p, title: P, points: 1}]
checks:
  - id: ci
    part: p
    title: ci
    type: gitlab_ci
    points: 1
)") + extra;
  try {
    checks::ValidateChecks(ipc::testing::ParseTestRubric(yaml, "r.yaml"));
  } catch (const rubric::RubricError& e) {
    return e.what();
  }
  return "";
}

TEST(GitlabCiValidate, BadParamsPointAtTheirPosition) {
  EXPECT_EQ(RubricError("    reruns: -1\n"), "r.yaml:12:13: check 'ci': 'reruns' must be 0 to 10, got -1");
  EXPECT_EQ(RubricError("    scripts: [\"test a.sh\"]\n").rfind("r.yaml:12:14: check 'ci': 'scripts'", 0), 0u);
  const std::string typo = RubricError("    scrips: [a.sh]\n");
  EXPECT_NE(typo.find("r.yaml:12:5: check 'ci': unknown key 'scrips' (did you mean 'scripts'?)"),
            std::string::npos) << typo;
  // 3 attempts of 40 s can outlast the container's 100 s.
  const std::string slow = RubricError("    timeout: 40\n");
  EXPECT_NE(slow.find("3 attempts of 40 s"), std::string::npos) << slow;
  EXPECT_EQ(RubricError("    timeout: 30\n    reruns: 1\n"), "");
}

// ---- Planning ---------------------------------------------------------------

TEST_F(GitlabCiTest, PlansOneTracedStepInABoxFromTheCommittedTreeWithReruns) {
  MakePlan();
  const protocol::Box* box = PlannedBox("ci_final/job");
  ASSERT_NE(box, nullptr);
  EXPECT_EQ(box->from, protocol::kFromPristine) << "a fresh clone, not the grader's build";
  EXPECT_EQ(box->attempts, 3);
  EXPECT_FALSE(box->save);
  EXPECT_TRUE(box->files.empty());
  ASSERT_EQ(box->steps.size(), 1u);
  const auto& s = box->steps[0];
  EXPECT_EQ(s.id, "ci_final/job");
  EXPECT_EQ(s.kind, protocol::Step::Kind::kExec);
  EXPECT_TRUE(s.student);
  // Traced: the tracer notes every exec that names a test script.
  EXPECT_EQ(s.watch, kAllTests);
  EXPECT_EQ(s.process.user, "") << "traced steps run as root";
  EXPECT_FALSE(s.process.login_shell);
  EXPECT_EQ(s.process.timeout_s, 20);
  EXPECT_EQ(s.process.argv.at(0), "/bin/bash");
  EXPECT_EQ(s.process.stdin_data, "");
  // The student's lines travel as data, never inside argv's shell text.
  for (const auto& a : s.process.argv) EXPECT_EQ(a.find("test_cat"), std::string::npos) << a;
  EXPECT_EQ(s.process.env.at("IPC_CI_N"), "6");
  EXPECT_EQ(s.process.env.at("IPC_CI_2"), "./test_cat.sh");
  EXPECT_EQ(s.process.env.at("CI"), "true");
  EXPECT_EQ(s.process.env.at("CI_JOB_NAME"), "ipc-project");
  EXPECT_EQ(s.process.env.at("CI_PROJECT_DIR"), "/root");
}

TEST_F(GitlabCiTest, AtAnotherRefThePlanShipsThatTreeAndRunsItsOwnFile) {
  MakePlan();
  const protocol::Box* box = PlannedBox("ci_part1/job");
  ASSERT_NE(box, nullptr);
  EXPECT_EQ(box->from, "tree:part1");
  EXPECT_EQ(plan.extra_trees, std::vector<std::string>{"part1"});
  const auto& s = box->steps.at(0);
  EXPECT_EQ(s.process.env.at("IPC_CI_N"), "3");  // make, chmod, ./test_listener.sh
  EXPECT_EQ(s.process.env.at("IPC_CI_2"), "./test_listener.sh");
  EXPECT_EQ(s.watch, std::vector<std::string>{"test_listener.sh"});
  EXPECT_EQ(box->attempts, 3);  // reruns defaults to 2
}

TEST_F(GitlabCiTest, NothingIsPlannedWithoutARefOrAReadableFile) {
  other_refs.clear();
  snapshot.files[".gitlab-ci.yml"] = "j: [unclosed\n";
  MakePlan();
  EXPECT_TRUE(plan.boxes.empty());
  EXPECT_TRUE(plan.extra_trees.empty());
}

TEST_F(GitlabCiTest, VariablesThatChangeHowTheShellRunsAreDroppedFromTheJob) {
  snapshot.files[".gitlab-ci.yml"] =
      "variables:\n  GREETING: hello\n  BASH_ENV: ./pass.sh\nipc-project:\n  variables:\n"
      "    PATH: /root/bin:/usr/bin:/bin\n    LD_PRELOAD: ./x.so\n  script:\n    - ./test_cat.sh\n";
  MakePlan();
  const auto* s = Planned("ci_final/job");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->process.env.at("GREETING"), "hello");
  for (const char* dropped : {"BASH_ENV", "PATH", "LD_PRELOAD"}) {
    EXPECT_EQ(s->process.env.count(dropped), 0u) << dropped;
  }
  Job("ci_final", 0, Log({"./test_cat.sh"}), Ran({{"test_cat.sh", 0}}));
  const auto o = Verdict("ci_final");
  EXPECT_NE(o.message.find("\nNote: the job's variable(s) BASH_ENV, LD_PRELOAD, PATH were not "
                           "passed to the job: they change how the shell, the dynamic linker or "
                           "Python behaves, so the tests would not run as written."),
            std::string::npos)
      << o.message;
}

// Runs a planned process with the host's bash, as the probe would (its
// argv and env), and returns exit status and output.
std::pair<int, std::string> RunOnHost(const protocol::ProcessSpec& p) {
  std::vector<std::string> env_store = {"PATH=/usr/bin:/bin"};
  for (const auto& [k, v] : p.env) env_store.push_back(k + "=" + v);
  std::vector<char*> argv, envp;
  for (const auto& a : p.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  for (auto& e : env_store) envp.push_back(e.data());
  envp.push_back(nullptr);
  int fds[2];
  if (pipe(fds) != 0) return {-1, "pipe failed"};
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
  posix_spawn_file_actions_adddup2(&fa, fds[1], 2);
  posix_spawn_file_actions_addclose(&fa, fds[0]);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&fa);
  close(fds[1]);
  std::string out;
  std::array<char, 4096> buf{};
  ssize_t n;
  while ((n = read(fds[0], buf.data(), buf.size())) > 0) out.append(buf.data(), static_cast<std::size_t>(n));
  close(fds[0]);
  if (rc != 0) return {-1, "spawn failed"};
  int st = 0;
  waitpid(pid, &st, 0);
  return {WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st), out};
}

TEST_F(GitlabCiTest, TheDriverEchoesEachCommandAndStopsAtTheFirstFailureLikeARunner) {
  const std::vector<std::string> cmds = {
      "echo \"it's $((1 + 1))\"",
      "x=kept",
      "env | grep -c '^IPC_CI' || true",  // the driver's variables are not inherited
      "false | true",                      // pipefail
      "echo never"};
  std::string yml = "ipc-project:\n  script:\n";
  // Block scalars (`|-`) hold each command verbatim, quotes and all.
  for (const auto& c : cmds) yml += "    - |-\n      " + c + "\n";
  snapshot.files[".gitlab-ci.yml"] = yml;
  MakePlan();
  const auto* s = Planned("ci_final/job");
  ASSERT_NE(s, nullptr);
  const auto [code, log] = RunOnHost(s->process);
  EXPECT_EQ(code, 1) << log;
  EXPECT_EQ(log, checks::EchoOf(cmds[0]) + "it's 2\n" + checks::EchoOf(cmds[1]) +
                     checks::EchoOf(cmds[2]) + "0\n" + checks::EchoOf(cmds[3]));
  EXPECT_EQ(checks::LastStartedCommand(log, cmds), std::optional<std::size_t>(3));
}

// ---- The job's own verdict ----------------------------------------------------

TEST_F(GitlabCiTest, AJobThatRanEveryTestToExit0Passes) {
  MakePlan();
  Job("ci_final", 0, Log(kFinalCmds), Ran(AllPass()));
  const auto o = Verdict("ci_final");
  EXPECT_EQ(o.status, CheckStatus::kPass) << o.message;
  EXPECT_EQ(o.fraction, 1);
  EXPECT_FALSE(o.flaky);
  EXPECT_EQ(o.message,
            "The CI job 'ipc-project' passed and ran test_cat.sh, test_cat_exploit.sh, "
            "test_listener.sh, test_full_dd.sh.");
  EXPECT_EQ(o.student, "job 'ipc-project' passed");
}

TEST_F(GitlabCiTest, PassingOnlyOnARerunIsAFlakyPassThatSaysWhichAttemptAndWhy) {
  MakePlan();
  auto& r = Job("ci_final", 0, Log(kFinalCmds), Ran(AllPass()));
  protocol::ProcessResult first;
  first.started = true;
  first.exit_code = 1;
  first.stdout_data = Log({"make", "chmod +x test_*", "./test_cat.sh", "./test_cat_exploit.sh"}) +
                      checks::EchoOf("./test_listener.sh") + "FAILED!\n";
  r.earlier_attempts.push_back(first);
  const auto o = Verdict("ci_final");
  EXPECT_EQ(o.status, CheckStatus::kPass) << o.message;
  EXPECT_EQ(o.fraction, 1);
  EXPECT_TRUE(o.flaky);
  EXPECT_EQ(o.message,
            "The CI job 'ipc-project' passed on attempt 2 of 3; attempt 1 stopped at "
            "`./test_listener.sh` (exit 1). It is reported as flaky, not failed: test_listener.sh "
            "reads output.log too early.");
}

TEST_F(GitlabCiTest, AFailingJobNamesTheFailingCommandAndTheFailedTest) {
  MakePlan();
  const std::string bad = Log({"make", "chmod +x test_*"}) + checks::EchoOf("./test_cat.sh") +
                          "expected: Treasure found!\nactual: MEOW\n";
  protocol::ProcessResult failed;
  failed.started = true;
  failed.exit_code = 1;
  failed.stdout_data = bad;
  auto& r = Job("ci_final", 1, bad, Ran({{"test_cat.sh", 1}}));
  r.earlier_attempts = {failed, failed};
  const auto o = Verdict("ci_final");
  EXPECT_EQ(o.status, CheckStatus::kFail);
  EXPECT_EQ(o.fraction, 0);
  EXPECT_FALSE(o.flaky);
  EXPECT_NE(o.message.find("The CI job 'ipc-project' failed at `./test_cat.sh` (exit 1), on all 3 "
                           "attempts. The end of its log is below. Hint: run the job's commands "
                           "yourself"),
            std::string::npos)
      << o.message;
  EXPECT_NE(o.message.find("\ntest_cat.sh failed (exit 1)."), std::string::npos) << o.message;
  // The later tests never ran: each named, without telling the student to
  // add a line the job already has.
  EXPECT_NE(o.message.find("\ntest_full_dd.sh was not reached: job 'ipc-project' stopped before "
                           "the line that runs it."),
            std::string::npos)
      << o.message;
  EXPECT_NE(o.student.find("job 'ipc-project' stopped at `./test_cat.sh` (exit 1)"),
            std::string::npos)
      << o.student;
  EXPECT_NE(o.student.find("; 4 of 4 test scripts did not pass in it"), std::string::npos)
      << o.student;
  EXPECT_NE(o.expected.find("running test_cat.sh, test_cat_exploit.sh, test_listener.sh, "
                            "test_full_dd.sh to exit 0"),
            std::string::npos)
      << o.expected;
  EXPECT_NE(o.output.find("actual: MEOW"), std::string::npos) << o.output;
}

TEST_F(GitlabCiTest, ATimedOutJobGetsAHintAboutForegroundPrograms) {
  MakePlan();
  auto& r = Job("ci_final", 0, Log({"make", "chmod +x test_*"}) + checks::EchoOf("./test_cat.sh"),
                Ran({}));
  r.process.exit_code.reset();
  r.process.term_signal = SIGKILL;
  r.process.timed_out = true;
  r.process.wall_s = 20;
  const auto o = Verdict("ci_final");
  EXPECT_EQ(o.status, CheckStatus::kFail);
  EXPECT_NE(o.message.find("at `./test_cat.sh` (timed out after 20.0 s and was killed)"),
            std::string::npos)
      << o.message;
  EXPECT_NE(o.message.find("in the foreground"), std::string::npos) << o.message;
}

// ---- Each test script's verdict -------------------------------------------------

TEST_F(GitlabCiTest, ATestThatFailedInAPassingJobIsASwallowedFailure) {
  snapshot.files[".gitlab-ci.yml"] =
      "ipc-project:\n  script:\n    - ./test_cat.sh || true\n    - ./test_cat_exploit.sh\n"
      "    - ./test_listener.sh\n    - ./test_full_dd.sh\n";
  MakePlan();
  Job("ci_final", 0, "log\n",
      Ran({{"test_cat.sh", 1}, {"test_cat_exploit.sh", 0}, {"test_listener.sh", 0},
           {"test_full_dd.sh", 0}}));
  const auto o = Verdict("ci_final");
  EXPECT_EQ(o.status, CheckStatus::kFail);
  EXPECT_EQ(o.fraction, 0);
  EXPECT_NE(o.message.find("The CI job 'ipc-project' passed, but not every test script ran and "
                           "passed in it:\ntest_cat.sh failed (exit 1) but the job still passed: "
                           "the job swallowed the failure (e.g. `|| true` or `set +e`), so CI "
                           "would not show it."),
            std::string::npos)
      << o.message;
  EXPECT_EQ(o.student, "job 'ipc-project' passed; 1 of 4 test scripts did not pass in it");
}

TEST_F(GitlabCiTest, ACommentedOutTestFailsTheCheckEvenWhenTheJobPasses) {
  snapshot.files[".gitlab-ci.yml"] =
      CiYml({"test_cat.sh", "test_cat_exploit.sh", "test_listener.sh"});
  MakePlan();
  Job("ci_final", 0, "log\n",
      Ran({{"test_cat.sh", 0}, {"test_cat_exploit.sh", 0}, {"test_listener.sh", 0}}));
  const auto o = Verdict("ci_final");
  EXPECT_EQ(o.status, CheckStatus::kFail);
  EXPECT_EQ(o.fraction, 0);
  EXPECT_NE(o.message.find("\ntest_full_dd.sh was not run: it is commented out in .gitlab-ci.yml "
                           "(line 11: `# - ./test_full_dd.sh`); uncomment it so CI runs it."),
            std::string::npos)
      << o.message;
  EXPECT_NE(o.student.find("1 of 4 test scripts did not pass in it"), std::string::npos)
      << o.student;
}

TEST_F(GitlabCiTest, ATestMissingFromTheJobIsNamedWithWhatToAdd) {
  snapshot.files[".gitlab-ci.yml"] =
      "ipc-project:\n  script:\n    - make\n    - ./test_cat.sh\n    - ./test_cat_exploit.sh\n"
      "    - ./test_listener.sh\n";
  snapshot.files.erase("test_full_dd.sh");
  MakePlan();
  JobTrace trace = Ran({{"test_cat.sh", 0}, {"test_cat_exploit.sh", 0}, {"test_listener.sh", 0}});
  trace.events.back().sha256_at_exit[3] = "";  // the file is not there
  Job("ci_final", 0, "ok\n", trace);
  const auto o = Verdict("ci_final");
  EXPECT_EQ(o.status, CheckStatus::kFail);
  EXPECT_NE(o.message.find("test_full_dd.sh was not run by job 'ipc-project': add "
                           "`- ./test_full_dd.sh` to its script (test_full_dd.sh is not in the "
                           "repository either)."),
            std::string::npos)
      << o.message;
  // No image in the file: reported, not failed on.
  EXPECT_NE(o.message.find("names no image"), std::string::npos) << o.message;
}

TEST_F(GitlabCiTest, AJobThatEchoesTheTestsNamesWithoutRunningThemFails) {
  // The log looks right; the trace shows no run.
  snapshot.files[".gitlab-ci.yml"] =
      "ipc-project:\n  script:\n    - echo ./test_cat.sh ./test_cat_exploit.sh ./test_listener.sh "
      "./test_full_dd.sh\n";
  MakePlan();
  JobTrace trace;
  auto& echo = trace.Start(11, JobTrace::kDriver, {"/bin/echo", "./test_cat.sh"});
  echo.hits.push_back({0, 1, ShaOf("test_cat.sh"), JobTrace::Stamp(0)});
  trace.Exit(11, 0);
  trace.End(Shas(kAllTests));
  Job("ci_final", 0, Log(kFinalCmds), trace);
  const auto o = Verdict("ci_final");
  EXPECT_EQ(o.status, CheckStatus::kFail);
  EXPECT_NE(o.message.find("test_cat.sh was not run by job 'ipc-project'"), std::string::npos)
      << o.message;
  EXPECT_EQ(o.student, "job 'ipc-project' passed; 4 of 4 test scripts did not pass in it");
}

TEST_F(GitlabCiTest, ATestRewrittenBeforeItRanDoesNotCount) {
  snapshot.files[".gitlab-ci.yml"] =
      "ipc-project:\n  script:\n    - echo 'exit 0' > test_cat.sh\n    - ./test_cat.sh\n"
      "    - ./test_cat_exploit.sh\n    - ./test_listener.sh\n    - ./test_full_dd.sh\n";
  MakePlan();
  JobTrace trace;
  const std::string rewritten = Sha256Hex("exit 0\n");
  const std::string stamp = "2049:100:1700000050.000000000";  // rewritten by the job
  trace.StartRun(20, JobTrace::kDriver, 0, "./test_cat.sh", rewritten).hits[0].stamp = stamp;
  trace.EndRun(20, 0, rewritten, stamp);
  int pid = 21;
  for (const char* name : {"test_cat_exploit.sh", "test_listener.sh", "test_full_dd.sh"}) {
    trace.Run(pid++, JobTrace::kDriver, Watch(name, kAllTests), std::string("./") + name,
              ShaOf(name), 0);
  }
  std::vector<std::string> at_end = Shas(kAllTests);
  at_end[0] = rewritten;
  trace.End(at_end);
  Job("ci_final", 0, "log\n", trace);
  const auto o = Verdict("ci_final");
  EXPECT_EQ(o.status, CheckStatus::kFail);
  EXPECT_NE(o.message.find("\ntest_cat.sh did not run as committed and alone, so its verdict does "
                           "not count: the file was changed before it ran"),
            std::string::npos)
      << o.message;
  EXPECT_EQ(o.student, "job 'ipc-project' passed; 1 of 4 test scripts did not pass in it");
}

TEST_F(GitlabCiTest, ATestTheJobChangedAndNeverRanAsCommittedIsNamed) {
  MakePlan();
  // test_full_dd.sh was rewritten and run without an exec (no #! line: bash
  // runs it in a forked copy of itself), so the trace shows no run.
  JobTrace trace = Ran({{"test_cat.sh", 0}, {"test_cat_exploit.sh", 0}, {"test_listener.sh", 0}});
  trace.events.back().sha256_at_exit[3] = Sha256Hex("exit 0\n");
  Job("ci_final", 0, Log(kFinalCmds), trace);
  const auto o = Verdict("ci_final");
  EXPECT_EQ(o.status, CheckStatus::kFail);
  EXPECT_NE(o.message.find("\ntest_full_dd.sh was changed by the job (when the job ended it no "
                           "longer held the committed text), and no run of the committed file was "
                           "seen: a test only counts as committed."),
            std::string::npos)
      << o.message;
}

TEST_F(GitlabCiTest, ATestRunWithAnUnsafeEnvironmentDoesNotCount) {
  MakePlan();
  JobTrace trace = Ran({{"test_cat.sh", 0}, {"test_cat_exploit.sh", 0}, {"test_full_dd.sh", 0}});
  trace.events.pop_back();  // the end event
  trace.events.pop_back();  // the driver's exit
  auto& run = trace.StartRun(40, JobTrace::kDriver, 2, "./test_listener.sh", ShaOf("test_listener.sh"));
  run.env = {"PATH=/root/.local/bin:/usr/bin:/bin", "BASH_ENV=/tmp/always-pass.sh"};
  trace.EndRun(40, 0, ShaOf("test_listener.sh"), JobTrace::Stamp(2));
  trace.End(Shas(kAllTests));
  Job("ci_final", 0, Log(kFinalCmds), trace);
  const auto o = Verdict("ci_final");
  EXPECT_EQ(o.status, CheckStatus::kFail);
  EXPECT_NE(o.message.find("\ntest_listener.sh did not run as committed and alone, so its verdict "
                           "does not count: PATH (with /root/.local/bin, which the job can write) "
                           "was set in its environment, BASH_ENV was set in its environment."),
            std::string::npos)
      << o.message;
}

TEST_F(GitlabCiTest, ATestWithAnotherCommandOfTheJobBesideItDoesNotCount) {
  MakePlan();
  JobTrace trace;
  // `./rewrite-tests.sh &`: a helper of the job still running while the
  // tests run.
  trace.Start(30, JobTrace::kDriver, {"/bin/bash", "./rewrite-tests.sh"}, "/usr/bin/bash");
  int pid = 20;
  for (const auto& [name, code] : AllPass()) {
    trace.Run(pid++, JobTrace::kDriver, Watch(name, kAllTests), "./" + name, ShaOf(name), code);
  }
  trace.Exit(30, 0);
  trace.End(Shas(kAllTests));
  Job("ci_final", 0, Log(kFinalCmds), trace);
  const auto o = Verdict("ci_final");
  EXPECT_EQ(o.status, CheckStatus::kFail);
  EXPECT_NE(o.message.find("\ntest_cat.sh did not run as committed and alone, so its verdict does "
                           "not count: other commands the job started ran beside it (bash (pid "
                           "30))."),
            std::string::npos)
      << o.message;
  EXPECT_EQ(o.student, "job 'ipc-project' passed; 4 of 4 test scripts did not pass in it");
}

TEST_F(GitlabCiTest, ACutShortTraceIsSaid) {
  MakePlan();
  auto& r = Job("ci_final", 0, Log(kFinalCmds), Ran(AllPass()));
  r.trace_truncated = true;
  const auto o = Verdict("ci_final");
  EXPECT_EQ(o.status, CheckStatus::kFail);
  EXPECT_NE(o.message.find("\nthe grader's record of the job was cut short, so not every run could "
                           "be seen."),
            std::string::npos)
      << o.message;
}

// ---- The file, the image, the ref ------------------------------------------------

TEST_F(GitlabCiTest, ADifferentImageIsReportedButTheJobStillPasses) {
  snapshot.files[".gitlab-ci.yml"] = CiYml(kAllTests, "python:3.9");
  MakePlan();
  Job("ci_final", 0, Log(kFinalCmds), Ran(AllPass()));
  const auto o = Verdict("ci_final");
  EXPECT_EQ(o.status, CheckStatus::kPass) << o.message;
  EXPECT_NE(o.message.find("asks for image 'python:3.9'"), std::string::npos) << o.message;
  // `python` means python:latest: no note.
  snapshot.files[".gitlab-ci.yml"] = CiYml(kAllTests, "docker.io/library/python");
  EXPECT_EQ(Verdict("ci_final").message.find("Note:"), std::string::npos);
}

TEST_F(GitlabCiTest, AtPart1TheTagsOwnFileAndScriptAreJudged) {
  MakePlan();
  Job("ci_part1", 0, Log({"make", "chmod +x test_*", "./test_listener.sh"}),
      Ran({{"test_listener.sh", 0}}, {"test_listener.sh"}));
  const auto o = Verdict("ci_part1");
  EXPECT_EQ(o.status, CheckStatus::kPass) << o.message;
  EXPECT_EQ(o.message, "The CI job 'ipc-project' at part1 passed and ran test_listener.sh.");
  // The script at part1 differs from the final one: the final one's run is
  // not part1's.
  other_refs["part1"].files["test_listener.sh"] = "#!/bin/bash\n# older\n";
  const auto changed = Verdict("ci_part1");
  EXPECT_EQ(changed.status, CheckStatus::kFail);
  EXPECT_NE(changed.message.find("the file was changed before it ran"), std::string::npos)
      << changed.message;
}

TEST_F(GitlabCiTest, AMissingTagFailsWithTheTagsName) {
  other_refs.clear();
  MakePlan();
  const auto o = Verdict("ci_part1");
  EXPECT_EQ(o.status, CheckStatus::kFail);
  EXPECT_EQ(o.message.rfind("tag part1 not found (no ref 'part1' in the repository)", 0), 0u)
      << o.message;
  EXPECT_NE(o.message.find("git push origin part1"), std::string::npos) << o.message;
}

TEST_F(GitlabCiTest, BadYamlFailsWithItsPositionAndNothingRan) {
  snapshot.files[".gitlab-ci.yml"] = "ipc-project:\n  script:\n    - make\n   - ./test_cat.sh\n";
  MakePlan();
  EXPECT_EQ(PlannedBox("ci_final/job"), nullptr);
  const auto o = Verdict("ci_final");
  EXPECT_EQ(o.status, CheckStatus::kFail);
  EXPECT_EQ(o.message.rfind(".gitlab-ci.yml:4:", 0), 0u) << o.message;
  EXPECT_NE(o.message.find("YAML syntax error"), std::string::npos) << o.message;
}

TEST_F(GitlabCiTest, AMissingFileOrJobFailsAndAMissingReportIsAnError) {
  snapshot.files.erase(".gitlab-ci.yml");
  EXPECT_NE(Verdict("ci_final").message.find(".gitlab-ci.yml is not in the repository"),
            std::string::npos);
  snapshot.files[".gitlab-ci.yml"] = "other:\n  script: [make]\n";
  const auto job = Verdict("ci_final");
  EXPECT_EQ(job.status, CheckStatus::kFail);
  EXPECT_NE(job.message.find("no job 'ipc-project'"), std::string::npos) << job.message;
  snapshot.files[".gitlab-ci.yml"] = CiYml(kAllTests);
  EXPECT_EQ(Verdict("ci_final").status, CheckStatus::kError);  // planned, but not in the report
}

}  // namespace
}  // namespace ipc::testing
