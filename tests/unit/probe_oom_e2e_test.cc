// The kernel's OOM killer in the real engine: the probe as PID 1 of a
// container made as the grader makes it, with a small memory limit (64 MB,
// swap included, as the grader sets it), runs a Python program that
// allocates 200 MB. Its SIGKILL is reported as oom_killed and worded as
// such; a plain `kill -9` is not an OOM kill; and the probe goes on with
// the next box.
#include <signal.h>
#include <unistd.h>

#include "checks/classify.h"
#include "probe/oom_ledger.h"
#include "probe_e2e_support.h"
#include "util/tar.h"

namespace ipc::probe {
namespace {

using testing::ProbeE2eTest;

constexpr std::uint64_t kLimitMb = 64;
constexpr const char* kHog = "b = b'x' * (200 << 20)";  // written, so really resident
// Either version's counter file, whichever this engine's cgroup has.
constexpr const char* kCounters =
    "/sys/fs/cgroup/memory.events /sys/fs/cgroup/memory/memory.oom_control";

TEST_F(ProbeE2eTest, TheKernelsOomKillIsReportedAndWordedAsSuch) {
  AddBox("hog");
  Add("hog", {"python", "-c", kHog});
  AddBox("kill9");
  Sh("kill9", "kill -9 $$");
  // The probe carried on; the counter as the container saw it.
  AddBox("counter");
  Sh("counter", std::string("cat ") + kCounters + " 2>/dev/null; true");

  container::RunSpec spec = GraderRunSpec();
  spec.limits.memory_bytes = kLimitMb << 20;
  const protocol::Report r = RunProbe(tar::Writer().Finish(), spec);  // an empty submission
  ASSERT_EQ(r.steps.size(), 3u);
  EXPECT_EQ(r.probe_error, "");
  const auto kills = ParseOomKills(Get(r, "counter").process.stdout_data);
  if (!kills) {
    // cgroup v2 without the memory controller delegated, or a rootless
    // engine: the probe reports nothing new there, by design.
    if (std::getenv("CI") && std::string(std::getenv("CI")) == "true") {
      FAIL() << "this engine's containers have no readable OOM-kill counter";
    }
    GTEST_SKIP() << "this engine's containers have no readable OOM-kill counter (" << kCounters
                 << ")";
  }
  EXPECT_GE(*kills, 1u) << "the hog was killed for memory";

  const auto& hog = Get(r, "hog").process;
  EXPECT_EQ(hog.term_signal, SIGKILL);
  EXPECT_FALSE(hog.timed_out);
  EXPECT_TRUE(hog.oom_killed);
  const checks::Classified c = checks::Classify(hog, "MEOW");
  EXPECT_EQ(c.Describe("MEOW", kLimitMb),
            "killed by the kernel: out of memory (the container's limit is 64 MB)");

  const auto& kill9 = Get(r, "kill9").process;
  EXPECT_EQ(kill9.term_signal, SIGKILL);
  EXPECT_FALSE(kill9.oom_killed);
  EXPECT_EQ(checks::Classify(kill9, "MEOW").Describe("MEOW", kLimitMb), "crashed (exit 137)");
}

}  // namespace
}  // namespace ipc::probe
