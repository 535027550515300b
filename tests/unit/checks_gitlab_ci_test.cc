// The gitlab_ci check type, second half: rubric validation, the planned
// step (its bash driver run for real on the host) and scoring from
// hand-built probe reports.
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fcntl.h>

#include <algorithm>
#include <array>

#include "checks/check_type.h"
#include "checks/gitlab_ci_scan.h"
#include "rubric/rubric.h"

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
)";

const char* const kTests[] = {"test_cat.sh", "test_cat_exploit.sh", "test_listener.sh",
                              "test_full_dd.sh"};

// The assignment's .gitlab-ci.yml with the named tests uncommented.
std::string CiYml(const std::vector<std::string>& on, const std::string& image = "python:latest") {
  std::string out = "image:\n  name: " + image +
                    " # don't change this\nipc-project:\n  stage: test\n  script:\n"
                    "    - make\n    - chmod +x test_*\n";
  for (const char* t : kTests) {
    const bool enabled = std::find(on.begin(), on.end(), t) != on.end();
    out += std::string(enabled ? "    - ./" : "    # - ./") + t + "\n";
  }
  return out;
}

const std::vector<std::string> kAllTests(std::begin(kTests), std::end(kTests));

void AddFile(fetch::Snapshot* s, const std::string& path, const std::string& data) {
  s->entries.push_back({path, fetch::EntryType::kFile, data.size()});
  s->files[path] = data;
}

struct GitlabCiTest : ::testing::Test {
  rubric::Rubric rubric;
  fetch::Snapshot snapshot;                           // the graded ref (final)
  std::map<std::string, fetch::Snapshot> other_refs;  // part1 when present
  protocol::Plan plan;
  protocol::Report report;

  void SetUp() override {
    rubric = rubric::ParseRubric(kRubric, "test.yaml");
    checks::ValidateChecks(rubric);
    for (const char* t : kTests) AddFile(&snapshot, t, "#!/bin/bash\n");
    AddFile(&snapshot, ".gitlab-ci.yml", CiYml(kAllTests));
    fetch::Snapshot part1;
    AddFile(&part1, "test_listener.sh", "#!/bin/bash\n");
    AddFile(&part1, ".gitlab-ci.yml", CiYml({"test_listener.sh"}));
    other_refs["part1"] = part1;
  }
  const rubric::Check& Check(const std::string& id) { return *rubric.FindCheck(id); }
  const checks::CheckType& Type() { return *checks::FindType("gitlab_ci"); }
  void MakePlan() {
    plan = {};
    checks::PlanBuilder builder(&plan, &snapshot, &other_refs);
    for (const auto& c : rubric.checks) Type().Plan(c, rubric, builder);
  }
  const protocol::Step* Planned(const std::string& id) {
    for (const auto& s : plan.steps) {
      if (s.id == id) return &s;
    }
    return nullptr;
  }
  // A process that ran the job and printed `log`.
  static protocol::ProcessResult Ran(int code, const std::string& log) {
    protocol::ProcessResult p;
    p.started = true;
    p.exit_code = code;
    p.stdout_data = log;
    p.stdout_bytes = log.size();
    return p;
  }
  protocol::StepResult& Result(const std::string& id, protocol::ProcessResult last) {
    protocol::StepResult r;
    r.id = id;
    r.process = std::move(last);
    report.steps.push_back(r);
    return report.steps.back();
  }
  checks::Outcome Score(const std::string& id) {
    checks::Evidence ev;
    ev.rubric = &rubric;
    ev.snapshot = &snapshot;
    ev.other_refs = other_refs;
    if (!other_refs.count("part1")) ev.other_ref_errors["part1"] = "no ref 'part1' in the repository";
    ev.report = &report;
    return Type().Score(Check(id), ev);
  }
};

// The log a passing run of `cmds` prints (echo, then a line of output).
std::string Log(const std::vector<std::string>& cmds) {
  std::string out;
  for (const auto& c : cmds) out += checks::EchoOf(c) + "ok\n";
  return out;
}
const std::vector<std::string> kFinalCmds = {"make", "chmod +x test_*", "./test_cat.sh",
                                             "./test_cat_exploit.sh", "./test_listener.sh",
                                             "./test_full_dd.sh"};

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
    checks::ValidateChecks(rubric::ParseRubric(yaml, "r.yaml"));
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

TEST_F(GitlabCiTest, PlansOneRootStepInAPristineSandboxAtTheWorkdirWithReruns) {
  MakePlan();
  const auto* s = Planned("ci_final/job");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->kind, protocol::Step::Kind::kExec);
  EXPECT_EQ(s->sandbox_from, "pristine");
  EXPECT_FALSE(s->sandbox.empty());
  EXPECT_TRUE(s->at_workdir);
  EXPECT_TRUE(s->fresh_users);
  EXPECT_EQ(s->attempts, 3);
  EXPECT_EQ(s->process.user, "");
  EXPECT_FALSE(s->process.login_shell);
  EXPECT_EQ(s->process.timeout_s, 20);
  EXPECT_EQ(s->process.argv.at(0), "/bin/bash");
  EXPECT_EQ(s->process.stdin_data, "");
  // The student's lines travel as data, never inside argv's shell text.
  for (const auto& a : s->process.argv) EXPECT_EQ(a.find("test_cat"), std::string::npos) << a;
  EXPECT_EQ(s->process.env.at("IPC_CI_N"), "6");
  EXPECT_EQ(s->process.env.at("IPC_CI_2"), "./test_cat.sh");
  EXPECT_EQ(s->process.env.at("CI"), "true");
  // Sandboxes are private: a step with attempts > 1 may not share one.
  EXPECT_NE(s->sandbox, Planned("ci_part1/job")->sandbox);
}

TEST_F(GitlabCiTest, AtAnotherRefThePlanShipsThatTreeAndRunsItsOwnFile) {
  MakePlan();
  const auto* s = Planned("ci_part1/job");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->sandbox_from, "tree:part1");
  EXPECT_EQ(plan.extra_trees, std::vector<std::string>{"part1"});
  EXPECT_EQ(s->process.env.at("IPC_CI_N"), "3");  // make, chmod, ./test_listener.sh
  EXPECT_EQ(s->process.env.at("IPC_CI_2"), "./test_listener.sh");
  EXPECT_EQ(s->attempts, 3);  // reruns defaults to 2
}

TEST_F(GitlabCiTest, NothingIsPlannedWithoutARefOrAReadableFile) {
  other_refs.clear();
  snapshot.files[".gitlab-ci.yml"] = "j: [unclosed\n";
  MakePlan();
  EXPECT_TRUE(plan.steps.empty());
  EXPECT_TRUE(plan.extra_trees.empty());
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

// ---- Scoring ----------------------------------------------------------------

TEST_F(GitlabCiTest, AJobThatPassesWithEveryTestEnabledPasses) {
  MakePlan();
  Result("ci_final/job", Ran(0, Log(kFinalCmds)));
  const auto o = Score("ci_final");
  EXPECT_EQ(o.status, CheckStatus::kPass) << o.message;
  EXPECT_EQ(o.fraction, 1);
  EXPECT_FALSE(o.flaky);
  EXPECT_EQ(o.message.find("Note:"), std::string::npos) << o.message;
}

TEST_F(GitlabCiTest, PassingOnlyOnARerunIsAFlakyPassThatSaysWhichAttemptAndWhy) {
  MakePlan();
  auto& r = Result("ci_final/job", Ran(0, Log(kFinalCmds)));
  r.failed_attempts.push_back(
      Ran(1, Log({"make", "chmod +x test_*", "./test_cat.sh", "./test_cat_exploit.sh"}) +
                 checks::EchoOf("./test_listener.sh") + "FAILED!\n"));
  const auto o = Score("ci_final");
  EXPECT_EQ(o.status, CheckStatus::kPass) << o.message;
  EXPECT_EQ(o.fraction, 1);
  EXPECT_TRUE(o.flaky);
  EXPECT_NE(o.message.find("passed on attempt 2 of 3"), std::string::npos) << o.message;
  EXPECT_NE(o.message.find("attempt 1 stopped at `./test_listener.sh` (exit 1)"), std::string::npos)
      << o.message;
  EXPECT_NE(o.message.find("flaky"), std::string::npos) << o.message;
  EXPECT_NE(o.message.find("output.log"), std::string::npos) << o.message;
}

TEST_F(GitlabCiTest, AFailingJobNamesTheFailingCommandAndShowsTheLogTail) {
  MakePlan();
  const std::string bad = Log({"make", "chmod +x test_*"}) + checks::EchoOf("./test_cat.sh") +
                          "expected: Treasure found!\nactual: MEOW\n";
  auto& r = Result("ci_final/job", Ran(1, bad));
  r.failed_attempts = {Ran(1, bad), Ran(1, bad)};
  const auto o = Score("ci_final");
  EXPECT_EQ(o.status, CheckStatus::kFail);
  EXPECT_EQ(o.fraction, 0);
  EXPECT_FALSE(o.flaky);
  EXPECT_NE(o.message.find("failed at `./test_cat.sh` (exit 1), on all 3 attempts"), std::string::npos)
      << o.message;
  EXPECT_NE(o.message.find("Hint:"), std::string::npos) << o.message;
  EXPECT_NE(o.student.find("./test_cat.sh"), std::string::npos) << o.student;
  EXPECT_NE(o.expected.find("test_full_dd.sh"), std::string::npos) << o.expected;
  EXPECT_NE(o.output.find("actual: MEOW"), std::string::npos) << o.output;
}

TEST_F(GitlabCiTest, ATimedOutJobGetsAHintAboutForegroundPrograms) {
  MakePlan();
  auto p = Ran(0, Log({"make", "chmod +x test_*"}) + checks::EchoOf("./test_cat.sh"));
  p.exit_code.reset();
  p.term_signal = 9;
  p.timed_out = true;
  p.wall_s = 20;
  Result("ci_final/job", p);
  const auto o = Score("ci_final");
  EXPECT_EQ(o.status, CheckStatus::kFail);
  EXPECT_NE(o.message.find("timed out"), std::string::npos) << o.message;
  EXPECT_NE(o.message.find("in the foreground"), std::string::npos) << o.message;
}

TEST_F(GitlabCiTest, ACommentedOutTestFailsTheCheckEvenWhenTheJobPasses) {
  snapshot.files[".gitlab-ci.yml"] = CiYml({"test_cat.sh", "test_cat_exploit.sh", "test_listener.sh"});
  MakePlan();
  Result("ci_final/job", Ran(0, Log({"make", "chmod +x test_*", "./test_cat.sh",
                                     "./test_cat_exploit.sh", "./test_listener.sh"})));
  const auto o = Score("ci_final");
  EXPECT_EQ(o.status, CheckStatus::kFail);
  EXPECT_EQ(o.fraction, 0);
  EXPECT_NE(o.message.find("test_full_dd.sh is commented out in .gitlab-ci.yml (line 11: "
                           "`# - ./test_full_dd.sh`): uncomment it so CI runs it"),
            std::string::npos)
      << o.message;
  EXPECT_NE(o.student.find("1 of 4 test scripts not run"), std::string::npos) << o.student;
}

TEST_F(GitlabCiTest, ATestMissingFromTheJobIsNamedWithWhatToAdd) {
  snapshot.files[".gitlab-ci.yml"] =
      "ipc-project:\n  script:\n    - make\n    - ./test_cat.sh\n    - ./test_cat_exploit.sh\n"
      "    - ./test_listener.sh\n";
  snapshot.files.erase("test_full_dd.sh");
  MakePlan();
  Result("ci_final/job", Ran(0, "ok\n"));
  const auto o = Score("ci_final");
  EXPECT_EQ(o.status, CheckStatus::kFail);
  EXPECT_NE(o.message.find("test_full_dd.sh is not run by job 'ipc-project' in .gitlab-ci.yml: "
                           "add `- ./test_full_dd.sh` to its script (test_full_dd.sh is not in "
                           "the repository either)"),
            std::string::npos)
      << o.message;
  // No image in the file: reported, not failed on.
  EXPECT_NE(o.message.find("names no image"), std::string::npos) << o.message;
}

TEST_F(GitlabCiTest, ADifferentImageIsReportedButTheJobStillPasses) {
  snapshot.files[".gitlab-ci.yml"] = CiYml(kAllTests, "python:3.9");
  MakePlan();
  Result("ci_final/job", Ran(0, Log(kFinalCmds)));
  const auto o = Score("ci_final");
  EXPECT_EQ(o.status, CheckStatus::kPass) << o.message;
  EXPECT_NE(o.message.find("asks for image 'python:3.9'"), std::string::npos) << o.message;
  // `python` means python:latest: no note.
  snapshot.files[".gitlab-ci.yml"] = CiYml(kAllTests, "docker.io/library/python");
  EXPECT_EQ(Score("ci_final").message.find("Note:"), std::string::npos);
}

TEST_F(GitlabCiTest, AtPart1TheTagsOwnFileIsJudged) {
  MakePlan();
  Result("ci_part1/job", Ran(0, Log({"make", "chmod +x test_*", "./test_listener.sh"})));
  const auto o = Score("ci_part1");
  EXPECT_EQ(o.status, CheckStatus::kPass) << o.message;
}

TEST_F(GitlabCiTest, AMissingTagFailsWithTheTagsName) {
  other_refs.clear();
  MakePlan();
  const auto o = Score("ci_part1");
  EXPECT_EQ(o.status, CheckStatus::kFail);
  EXPECT_EQ(o.message.rfind("tag part1 not found", 0), 0u) << o.message;
  EXPECT_NE(o.message.find("git push origin part1"), std::string::npos) << o.message;
}

TEST_F(GitlabCiTest, BadYamlFailsWithItsPositionAndNothingRan) {
  snapshot.files[".gitlab-ci.yml"] = "ipc-project:\n  script:\n    - make\n   - ./test_cat.sh\n";
  MakePlan();
  EXPECT_EQ(Planned("ci_final/job"), nullptr);
  const auto o = Score("ci_final");
  EXPECT_EQ(o.status, CheckStatus::kFail);
  EXPECT_EQ(o.message.rfind(".gitlab-ci.yml:4:", 0), 0u) << o.message;
  EXPECT_NE(o.message.find("YAML syntax error"), std::string::npos) << o.message;
}

TEST_F(GitlabCiTest, AMissingFileOrJobFailsAndAMissingReportIsAnError) {
  snapshot.files.erase(".gitlab-ci.yml");
  EXPECT_NE(Score("ci_final").message.find(".gitlab-ci.yml is not in the repository"),
            std::string::npos);
  snapshot.files[".gitlab-ci.yml"] = "other:\n  script: [make]\n";
  const auto job = Score("ci_final");
  EXPECT_EQ(job.status, CheckStatus::kFail);
  EXPECT_NE(job.message.find("no job 'ipc-project'"), std::string::npos) << job.message;
  snapshot.files[".gitlab-ci.yml"] = CiYml(kAllTests);
  EXPECT_EQ(Score("ci_final").status, CheckStatus::kError);  // planned, but not in the report
}

}  // namespace
}  // namespace ipc::testing
