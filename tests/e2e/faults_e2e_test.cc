// Faults of the grader's own world, on the real engine (issue 6):
//  - the engine fails mid-batch: a `docker` wrapper first on PATH answers
//    chosen `run`s with the engine's own "Cannot connect" error, then execs
//    the real CLI. A student whose run fails once is retried and graded; one
//    whose runs always fail gets status error naming the cause; the others
//    are unaffected;
//  - the output folder is full (a small tmpfs): a clear error naming the
//    folder and ENOSPC, and no half-written result (every result.json there
//    is complete JSON; no temporary file left); after space is freed, the
//    same command finishes the batch;
//  - kill -9 of the grader while a container runs: the container survives
//    the grader (that is why reaping exists), and the next run removes it
//    and grades the student.
#include <sys/mount.h>

#include <cerrno>
#include <cstring>

#include <nlohmann/json.hpp>
#include <thread>

#include "hostile_support.h"
#include "rubric_subset.h"

namespace ipc::e2e {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using namespace std::chrono_literals;


class Faults : public ::testing::Test {
 protected:
  void SetUp() override {
    IPC_REQUIRE_ENGINE();
    dir_ = fs::temp_directory_path() / ("ipc-faults-e2e-" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    rubric_ = (dir_ / "rubric.yaml").string();
    ASSERT_EQ(WriteRubricSubset(SourceDir() + "/rubrics/hostile-limits.yaml", QuickChecks(),
                                rubric_),
              std::vector<std::string>{});
  }
  void TearDown() override {
    if (!mounted_.empty()) ::umount2(mounted_.c_str(), MNT_DETACH);
    if (!dir_.empty()) fs::remove_all(dir_);
  }

  // The class fixtures NAMES as repositories; returns the roster path.
  std::string MakeClass(const std::string& names) {
    std::string log;
    EXPECT_EQ(Sh(SourceDir() + "/fixtures/make-class.sh " + (dir_ / "class").string() + " " + names,
                 &log),
              0)
        << log;
    return (dir_ / "class" / "roster.csv").string();
  }

  // These tests are about the engine, the disk and the grader's own death,
  // not about checks: the quick checks of the course's rubric (rubric_)
  // keep them quick.
  std::vector<std::string> Batch(const std::string& roster, const fs::path& out,
                                 const std::string& rubric) {
    return {BinDir() + "/grader", "batch", "--roster", roster,  "--out", out.string(), "--cache",
            (dir_ / "cache").string(), "-j", "2", "--rubric", rubric};
  }

  fs::path dir_;
  std::string rubric_;
  std::string mounted_;
};

TEST_F(Faults, EngineFailureMidBatchIsRetriedAndCostsOnlyThatStudent) {
  const std::string roster = MakeClass("perfect no-usr1 swapped-exit-codes");
  std::string real;
  ASSERT_EQ(Sh("command -v docker", &real), 0);
  real.erase(real.find_last_not_of("\n ") + 1);
  // no-usr1: the first `run` fails; swapped-exit-codes: every `run` fails.
  // Each refused run leaves a line in the tally file.
  const fs::path bin = dir_ / "fakebin", tally = dir_ / "tally";
  fs::create_directories(bin);
  std::ofstream(bin / "docker") << R"(#!/bin/sh
if [ "$1" = run ]; then
  for a in "$@"; do
    case "$a" in io.ipc-grader.student=*) student="${a#*=}" ;; esac
  done
  if [ "$student" = swapped-exit-codes ] ||
     { [ "$student" = no-usr1 ] && ! grep -qx no-usr1 ")" + tally.string() + R"(" 2>/dev/null; }; then
    echo "$student" >>")" + tally.string() + R"("
    echo "docker: Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?." >&2
    echo "See 'docker run --help'." >&2
    exit 125
  fi
fi
exec ")" + real + R"(" "$@"
)";
  fs::permissions(bin / "docker", fs::perms::owner_all | fs::perms::group_read |
                                      fs::perms::group_exec | fs::perms::others_read |
                                      fs::perms::others_exec);
  const char* path = std::getenv("PATH");
  const fs::path out = dir_ / "out";
  const GraderRun run = RunGrader(Batch(roster, out, rubric_),
                                  {{"PATH", bin.string() + ":" + (path ? path : "/usr/bin:/bin")}},
                                  (dir_ / "grader.log").string());
  EXPECT_EQ(run.status, 1) << "one student is an error:\n" << run.log;

  const std::string tallied = SlurpFile(tally);
  const auto count = [&](const std::string& s) {
    int n = 0;
    for (std::size_t at = 0; (at = tallied.find(s + "\n", at)) != std::string::npos; ++at) ++n;
    return n;
  };
  EXPECT_EQ(count("no-usr1"), 1);
  EXPECT_EQ(count("swapped-exit-codes"), 3) << "1 try + max_retries (2)";
  EXPECT_NE(run.log.find("retry 1/2"), std::string::npos) << run.log;

  const json once = json::parse(SlurpFile(out / "no-usr1" / "result.json"));
  EXPECT_EQ(once.value("status", ""), "graded") << once.dump(2);
  const json always = json::parse(SlurpFile(out / "swapped-exit-codes" / "result.json"));
  EXPECT_EQ(always.value("status", ""), "error");
  EXPECT_NE(always.value("error", "").find("Cannot connect to the Docker daemon"), std::string::npos)
      << always.value("error", "");
  const json perfect = json::parse(SlurpFile(out / "perfect" / "result.json"));
  EXPECT_EQ(perfect.value("status", ""), "graded");
  EXPECT_DOUBLE_EQ(perfect.value("score", 0.0), perfect.value("max_score", -1.0));
  EXPECT_NE(SlurpFile(out / "grades.csv").find("swapped-exit-codes"), std::string::npos);
}

TEST_F(Faults, FullOutputFolderIsAClearErrorWithNoHalfWrittenResult) {
  if (geteuid() != 0) {
    if (OnCi()) FAIL() << "CI runs as root; mounting the small tmpfs needs root";
    GTEST_SKIP() << "needs root to mount a small tmpfs as the output folder";
  }
  const std::string roster = MakeClass("perfect no-usr1 swapped-exit-codes");
  const fs::path out = dir_ / "out";
  fs::create_directories(out);
  // 32 KB (8 pages): room for one or two students' three files (about
  // 5 KB each, a page at least), not for three and the class files.
  ASSERT_EQ(::mount("tmpfs", out.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, "size=32k,mode=0755"), 0)
      << "mount tmpfs on " << out << ": " << std::strerror(errno);
  mounted_ = out.string();

  const GraderRun full = RunGrader(Batch(roster, out, rubric_), {}, (dir_ / "full.log").string());
  EXPECT_NE(full.status, 0) << full.log;
  EXPECT_NE(full.log.find("No space left on device"), std::string::npos) << full.log;
  EXPECT_NE(full.log.find(out.string()), std::string::npos) << "the message names the folder:\n"
                                                            << full.log;
  int complete = 0;
  for (const auto& e : fs::recursive_directory_iterator(out)) {
    const std::string name = e.path().filename().string();
    EXPECT_EQ(name.find(".tmp."), std::string::npos) << "temporary file left: " << e.path();
    if (name == "result.json") {
      EXPECT_NO_THROW(json::parse(SlurpFile(e.path()))) << "half-written " << e.path();
      ++complete;
    }
  }
  EXPECT_LT(complete, 3) << "the folder was not full after all";

  // Room again: the same command finishes the class.
  ASSERT_EQ(::mount("tmpfs", out.c_str(), "tmpfs", MS_REMOUNT | MS_NOSUID | MS_NODEV,
                    "size=16m,mode=0755"),
            0)
      << std::strerror(errno);
  const GraderRun again = RunGrader(Batch(roster, out, rubric_), {}, (dir_ / "again.log").string());
  EXPECT_EQ(again.status, 0) << again.log;
  for (const char* s : {"perfect", "no-usr1", "swapped-exit-codes"}) {
    EXPECT_TRUE(fs::exists(out / s / "result.json")) << s;
  }
  EXPECT_TRUE(fs::exists(out / "grades.csv"));
}

TEST_F(Faults, KillNineOfTheGraderThenTheNextRunReapsItsContainers) {
  // cpu-quiet spins for its whole signal time limits (a minute): a
  // container that is surely running when the grader is killed. The next
  // run grades it without the signal checks: the reaping is the same with
  // any rubric, and the minute is not spent twice.
  std::string log;
  ASSERT_EQ(Sh(SourceDir() + "/fixtures/make-hostile.sh " + (dir_ / "corpus").string() +
                   " cpu-quiet",
               &log),
            0)
      << log;
  const std::string roster = (dir_ / "corpus" / "roster.csv").string();
  const std::string rubric = rubric_;
  const fs::path out = dir_ / "out";

  GraderRun killed;
  killed.pid = StartGrader(Batch(roster, out, rubric), {}, (dir_ / "killed.log").string());
  std::string survivors;
  // Bounded wait for the container: fetch + image + start take a few
  // seconds; a minute means something else is wrong.
  for (int i = 0; i < 600 && survivors.empty(); ++i) {
    std::this_thread::sleep_for(100ms);
    Sh("docker ps --filter status=running --filter label=io.ipc-grader.owner --format "
       "'{{.Names}} {{.Label \"io.ipc-grader.owner\"}}' | grep ':" +
           std::to_string(killed.pid) + ":' | cut -d' ' -f1",
       &survivors);
  }
  ASSERT_FALSE(survivors.empty()) << "no running container of the grader appeared";
  ASSERT_EQ(kill(killed.pid, SIGKILL), 0);
  WaitGrader(&killed, (dir_ / "killed.log").string());
  EXPECT_EQ(killed.status, 128 + SIGKILL);
  EXPECT_NE(ContainersOwnedBy(killed.pid), "") << "the container outlives a kill -9'd grader";
  EXPECT_FALSE(fs::exists(out / "cpu-quiet" / "result.json"));

  const fs::path quick = dir_ / "quick.yaml";
  ASSERT_EQ(WriteRubricSubset(rubric, {"files", "build", "cat_matrix"}, quick),
            std::vector<std::string>{});
  const GraderRun next =
      RunGrader(Batch(roster, out, quick.string()), {}, (dir_ / "next.log").string());
  EXPECT_EQ(next.status, 0) << next.log;
  EXPECT_EQ(ContainersOwnedBy(killed.pid), "") << "the next run did not reap the killed one's";
  EXPECT_EQ(ContainersOwnedBy(next.pid), "");
  EXPECT_TRUE(fs::exists(out / "cpu-quiet" / "result.json")) << next.log;
}

}  // namespace
}  // namespace ipc::e2e
