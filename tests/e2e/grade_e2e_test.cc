// `grader grade` end to end: a real git repository cloned through libgit2
// from file://, a real container on the real engine, the real probe.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "e2e_support.h"

namespace ipc::e2e {
namespace {

namespace fs = std::filesystem;

class GradeE2E : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    root_ = new fs::path(fs::temp_directory_path() / ("ipc-grade-e2e-" + std::to_string(getpid())));
    fs::create_directories(*root_);
    std::string out;
    ASSERT_EQ(Sh(SourceDir() + "/reference/make-solution-repo.sh " + Dir("solution"), &out), 0)
        << out;
    // The same submission with the SIGUSR1 handler never installed.
    ASSERT_EQ(
        Sh(VariantCmd(Dir("solution"), Dir("no-usr1"), "sed -i '/signal(SIGUSR1/d' listener.c"),
           &out),
        0)
        << out;
  }
  static void TearDownTestSuite() {
    fs::remove_all(*root_);
    delete root_;
  }
  static std::string Dir(const std::string& name) { return (*root_ / name).string(); }

  void SetUp() override { IPC_REQUIRE_ENGINE(); }
  void TearDown() override { EXPECT_EQ(GraderContainers(), "") << "containers left behind"; }

  std::string GradeCmd(const std::string& repo, const std::string& out) {
    return BinDir() + "/grader grade file://" + Dir(repo) + " --out " + Dir(out) + " --cache " +
           Dir("cache") + " --rubric " + SourceDir() + "/rubrics/ipc-project.yaml";
  }
  nlohmann::json Result(const std::string& out, const std::string& student) {
    std::ifstream in(*root_ / out / student / "result.json");
    return nlohmann::json::parse(in);
  }
  static const nlohmann::json& Check(const nlohmann::json& r, const std::string& id) {
    for (const auto& c : r["checks"]) {
      if (c["id"] == id) return c;
    }
    static nlohmann::json none;
    ADD_FAILURE() << "no check " << id;
    return none;
  }

  static fs::path* root_;
};

fs::path* GradeE2E::root_ = nullptr;

TEST_F(GradeE2E, ModelSolutionScoresFullMarks) {
  std::string out;
  ASSERT_EQ(Sh(GradeCmd("solution", "out-solution"), &out), 0) << out;
  const auto r = Result("out-solution", "solution");
  for (const auto& c : r["checks"]) {
    EXPECT_EQ(c["status"], "pass") << c["id"] << ": " << c["message"] << " | " << c["student"];
  }
  EXPECT_EQ(r["status"], "graded");
  EXPECT_EQ(r["score"], 25);
  EXPECT_EQ(r["max_score"], 25);
  EXPECT_EQ(r["ref"], "final");
  // The rubric's ref rule, said in the result.
  EXPECT_EQ(r["ref_why"], "the newest tag other than part1");
  std::string sha;
  Sh("git -C " + Dir("solution") + " rev-parse 'final^{commit}'", &sha);
  EXPECT_EQ(r["commit"].get<std::string>() + "\n", sha);
  EXPECT_TRUE(fs::exists(*root_ / "out-solution" / "solution" / "feedback.md"));
  EXPECT_NE(out.find("25/25"), std::string::npos) << out;
}

TEST_F(GradeE2E, MissingSigusr1HandlerLosesPart1PointsWithAClearMessage) {
  std::string out;
  ASSERT_EQ(Sh(GradeCmd("no-usr1", "out-no-usr1"), &out), 0) << out;
  const auto r = Result("out-no-usr1", "no-usr1");
  const auto& usr1 = Check(r, "sigusr1");
  EXPECT_EQ(usr1["status"], "fail");
  EXPECT_EQ(usr1["score"], 0);
  const std::string msg = usr1["message"];
  EXPECT_NE(msg.find("after SIGUSR1"), std::string::npos) << msg;
  EXPECT_NE(msg.find("killed by SIGUSR1 instead of exit 0"), std::string::npos) << msg;
  EXPECT_NE(usr1["reference"].get<std::string>().find("'SIGUSR1 received!'"), std::string::npos);
  EXPECT_EQ(Check(r, "sigint")["status"], "pass");
  double part1 = -1;
  for (const auto& p : r["parts"]) {
    if (p["id"] == "part1") part1 = p["score"];
  }
  // Only sigusr1's 2 points: at tag part1 this copy is still the model
  // solution (the handler went missing later), so its CI job there passes.
  EXPECT_EQ(part1, 8);
}

TEST_F(GradeE2E, CtrlCWhileGradingRemovesTheContainerAndWritesNoResult) {
  const std::string cmd = GradeCmd("solution", "out-interrupted");
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    execl("/bin/sh", "sh", "-c", ("exec " + cmd + " >/dev/null 2>&1").c_str(), nullptr);
    _exit(127);
  }
  // Wait (bounded) until the grading container exists, then interrupt.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  bool seen = false;
  while (!seen && std::chrono::steady_clock::now() < deadline) {
    seen = !GraderContainers().empty();
    int st;
    if (!seen && waitpid(pid, &st, WNOHANG) == pid) FAIL() << "grader ended before a container ran";
  }
  ASSERT_TRUE(seen) << "no grading container appeared";
  kill(pid, SIGINT);
  int st = 0;
  ASSERT_EQ(waitpid(pid, &st, 0), pid);
  ASSERT_TRUE(WIFEXITED(st));
  EXPECT_EQ(WEXITSTATUS(st), 128 + SIGINT);
  EXPECT_FALSE(fs::exists(*root_ / "out-interrupted" / "solution" / "result.json"));
}

}  // namespace
}  // namespace ipc::e2e
