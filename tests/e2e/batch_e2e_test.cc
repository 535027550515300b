// `grader batch` on the real engine with real git repositories: what an
// instructor relies on. A kill -9 part-way and a rerun give the same
// gradebook as one uninterrupted run; two shards merged give it too; --only
// regrades one student in place; an unclonable repository and a bad roster
// row cost only their own rows; nothing is left running.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "e2e_support.h"
#include "rubric_subset.h"

namespace ipc::e2e {
namespace {

namespace fs = std::filesystem;

std::string Slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class BatchE2e : public ::testing::Test {
 protected:
  void SetUp() override {
    IPC_REQUIRE_ENGINE();
    dir_ = fs::temp_directory_path() / ("ipc-batch-e2e-" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    std::string log;
    ASSERT_EQ(Sh(SourceDir() + "/fixtures/make-class.sh " + (dir_ / "class").string() +
                     " perfect no-usr1",
                 &log),
              0)
        << log;
    // The generated roster, plus a repository that does not exist and a row
    // with no repo at all.
    std::string roster = Slurp(dir_ / "class" / "roster.csv");
    roster += "ghost,file://" + (dir_ / "no-such-repo").string() + "\n";
    roster += "norepo,\n";
    std::ofstream(dir_ / "roster.csv") << roster;
    roster_ = (dir_ / "roster.csv").string();
    // The quick checks of the course's rubric: what is tested here
    // (resume, shards, --only, errors per row) is the same for any rubric,
    // and each case grades the class several times.
    rubric_ = (dir_ / "rubric.yaml").string();
    ASSERT_EQ(WriteRubricSubset(SourceDir() + "/rubrics/hostile-limits.yaml", QuickChecks(),
                                rubric_),
              std::vector<std::string>{});
  }
  void TearDown() override {
    if (!dir_.empty()) fs::remove_all(dir_);
  }

  int Batch(const std::string& args, std::string* out = nullptr) {
    return Sh(BinDir() + "/grader batch --roster " + roster_ + " --rubric " + rubric_ + " " + args,
              out);
  }

  fs::path dir_;
  std::string roster_;
  std::string rubric_;
};

TEST_F(BatchE2e, KillNineThenRerunShardsAndOnlyAllGiveTheSameGradebook) {
  // 1. One uninterrupted run. Exit 1: a student errored and a row was bad.
  const fs::path a = dir_ / "a";
  std::string log;
  EXPECT_EQ(Batch("-j 2 --out " + a.string(), &log), 1) << log;
  EXPECT_NE(log.find("norepo"), std::string::npos) << "the bad row is reported:\n" << log;
  const std::string gradebook = Slurp(a / "grades.csv");
  ASSERT_NE(gradebook.find("perfect,"), std::string::npos) << gradebook;
  ASSERT_NE(gradebook.find("ghost,"), std::string::npos) << gradebook;
  EXPECT_NE(gradebook.find(",error,"), std::string::npos) << "ghost cannot be cloned";
  EXPECT_EQ(gradebook.find("norepo"), std::string::npos) << "the bad row is skipped";

  // 2. kill -9 once the first student is done, then rerun.
  const fs::path b = dir_ / "b";
  int pipefd[2];
  ASSERT_EQ(pipe(pipefd), 0);
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    dup2(pipefd[1], 1);
    const int devnull = open("/dev/null", O_WRONLY);
    dup2(devnull, 2);
    close(pipefd[0]);
    const std::string grader = BinDir() + "/grader";
    execl(grader.c_str(), grader.c_str(), "batch", "--roster", roster_.c_str(), "--rubric",
          rubric_.c_str(), "-j", "1", "--out", b.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  close(pipefd[1]);
  // Plain lines (stdout is a pipe): "[1/3] student ..." marks the first done.
  std::string seen;
  char c;
  while (seen.find("[1/") == std::string::npos || seen.back() != '\n') {
    ASSERT_EQ(read(pipefd[0], &c, 1), 1) << "grader ended before a student was done:\n" << seen;
    seen += c;
  }
  ASSERT_EQ(kill(pid, SIGKILL), 0);
  int status = 0;
  waitpid(pid, &status, 0);
  close(pipefd[0]);
  EXPECT_FALSE(fs::exists(b / "grades.csv")) << "killed before the class files";

  EXPECT_EQ(Batch("-j 2 --out " + b.string(), &log), 1) << log;
  EXPECT_NE(log.find("up to date"), std::string::npos)
      << "the student finished before the kill is not regraded:\n" << log;
  EXPECT_EQ(Slurp(b / "grades.csv"), gradebook);

  // 3. Two shards merged.
  const fs::path s1 = dir_ / "s1", s2 = dir_ / "s2", merged = dir_ / "merged";
  Batch("--shard 1/2 --out " + s1.string(), &log);
  Batch("--shard 2/2 --out " + s2.string(), &log);
  ASSERT_EQ(Sh(BinDir() + "/grader merge " + s1.string() + " " + s2.string() + " --out " +
                   merged.string(),
               &log),
            1)
      << "1 like batch: the class has an error result\n" << log;
  EXPECT_EQ(Slurp(merged / "grades.csv"), gradebook);

  // 4. --only regrades one student in place; the others' files are untouched.
  const std::string other_before = Slurp(a / "no-usr1" / "result.json");
  const auto perfect_time = fs::last_write_time(a / "perfect" / "result.json");
  EXPECT_EQ(Batch("--only perfect --out " + a.string(), &log), 1) << log;
  EXPECT_NE(log.find("regrading 1 student"), std::string::npos) << log;
  EXPECT_GT(fs::last_write_time(a / "perfect" / "result.json"), perfect_time);
  EXPECT_EQ(Slurp(a / "no-usr1" / "result.json"), other_before);
  EXPECT_EQ(Slurp(a / "grades.csv"), gradebook);

  // 5. The killed grader's container, if it was still running, was reaped
  // by the rerun; nothing of any run remains.
  EXPECT_EQ(GraderContainers(), "");
}

}  // namespace
}  // namespace ipc::e2e
