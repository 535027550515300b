// The reaper and the sweep: many concurrent children each get their own
// exit status (the reaper's waitid(P_ALL) never steals one), orphans are
// reaped instead of lingering as zombies, and the sweep removes setsid
// daemons that escaped their step.
#include <signal.h>

#include <thread>

#include "probe/reaper.h"
#include "probe/sweep.h"
#include "probe_test_support.h"

namespace ipc::probe {
namespace {

using testing::Alive;
using testing::Spec;

struct ReaperTest : ::testing::Test {
  void SetUp() override { testing::BecomeSubreaper(); }
  testing::TempDir dir;
};

TEST_F(ReaperTest, ConcurrentChildrenEachGetTheirOwnStatus) {
  constexpr int kN = 24;
  std::vector<protocol::StepResult> results(kN);
  std::vector<std::thread> threads;
  for (int i = 0; i < kN; ++i) {
    threads.emplace_back([&, i] {
      // Each child also leaves an orphan behind to be reaped meanwhile.
      results[i] = testing::Run(Spec({"sh", "-c", "(setsid true &); exit " + std::to_string(i)}),
                                dir.path(), dir.path());
    });
  }
  for (auto& t : threads) t.join();
  for (int i = 0; i < kN; ++i)
    EXPECT_EQ(results[i].process.exit_code, i) << results[i].process.error;
}

TEST_F(ReaperTest, OrphansAreReapedNotLeftAsZombies) {
  // The orphan outlives its step (setsid: out of the group) and then exits
  // by itself; as our (subreaper) child it would stay a zombie unless the
  // reaper collects it. No sweep here.
  auto r = testing::Run(Spec({"sh", "-c", testing::StartDaemon("0.2", ">/dev/null 2>&1")}),
                        dir.path(), dir.path());
  const pid_t orphan = std::stoi(r.process.stdout_data);
  ASSERT_TRUE(Reaper::Get().WaitNoChildren(Clock::now() + std::chrono::seconds(30)));
  EXPECT_FALSE(ReadProcStatus(orphan).has_value());  // gone, not a zombie
}

TEST_F(ReaperTest, SweepKillsDaemonsThatEscapedTheirStep) {
  auto r = testing::Run(Spec({"sh", "-c", testing::StartDaemon("1000", ">/dev/null 2>&1")}),
                        dir.path(), dir.path());
  const pid_t daemon = std::stoi(r.process.stdout_data);
  ASSERT_TRUE(Alive(daemon));
  std::string err;
  ASSERT_TRUE(SweepProcesses(std::chrono::seconds(10), &err)) << err;
  EXPECT_FALSE(ReadProcStatus(daemon).has_value());
  EXPECT_TRUE(Descendants(::getpid()).empty());
}

TEST_F(ReaperTest, SweepWithNothingLeftReturnsAtOnce) {
  std::string err;
  EXPECT_TRUE(SweepProcesses(std::chrono::seconds(10), &err)) << err;
}

TEST_F(ReaperTest, WithUnreapedRunsOnlyWhileThePidIsOurs) {
  auto r = testing::Run(Spec({"true"}), dir.path(), dir.path());
  // Finished and forgotten: no kill() may be sent in its name any more.
  bool ran = false;
  EXPECT_FALSE(Reaper::Get().WithUnreaped(r.process.pid, [&] { ran = true; }));
  EXPECT_FALSE(ran);
}

}  // namespace
}  // namespace ipc::probe
