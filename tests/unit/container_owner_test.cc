// Owner ids: alive / dead / unknown against real processes, and the reaping
// rule for each container state.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "container/owner.h"

namespace ipc::container {
namespace {

TEST(OwnerTest, ThisProcessIsAlive) {
  EXPECT_EQ(CheckOwner(SelfOwnerId()), OwnerState::kAlive);
  EXPECT_EQ(SelfOwnerId(), OwnerIdOf(getpid()));
}

TEST(OwnerTest, AChildIsAliveUntilItIsReaped) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(fds[1]);
    char c;
    while (read(fds[0], &c, 1) > 0) {
    }
    _exit(0);
  }
  close(fds[0]);
  const std::string id = OwnerIdOf(child);
  ASSERT_FALSE(id.empty());
  EXPECT_EQ(CheckOwner(id), OwnerState::kAlive);
  close(fds[1]);  // the child sees EOF and exits
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  EXPECT_EQ(CheckOwner(id), OwnerState::kDead);
}

TEST(OwnerTest, AReusedPidIsDead) {
  // Same pid as this process, another start time: the owner that had this
  // pid is gone.
  const std::string self = SelfOwnerId();
  const std::string start = self.substr(self.rfind(':') + 1);
  const std::string other =
      MakeOwnerId(SelfOwnerScope(), getpid(), std::stoull(start) + 1);
  EXPECT_EQ(CheckOwner(other), OwnerState::kDead);
}

TEST(OwnerTest, AnotherNamespaceOrGarbageIsUnknown) {
  EXPECT_EQ(CheckOwner(MakeOwnerId("other-boot/pid:[1]/elsewhere", getpid(), 1)),
            OwnerState::kUnknown);
  EXPECT_EQ(CheckOwner(""), OwnerState::kUnknown);
  EXPECT_EQ(CheckOwner("no-colons"), OwnerState::kUnknown);
  EXPECT_EQ(CheckOwner(SelfOwnerScope() + ":x:y"), OwnerState::kUnknown);
  EXPECT_EQ(CheckOwner(SelfOwnerScope() + ":-5:1"), OwnerState::kUnknown);
}

TEST(OwnerTest, ReapRuleByState) {
  // Running: only a known-dead owner's.
  EXPECT_TRUE(ShouldReap("running", OwnerState::kDead));
  EXPECT_FALSE(ShouldReap("running", OwnerState::kAlive));
  EXPECT_FALSE(ShouldReap("running", OwnerState::kUnknown));
  // Created (maybe between create and start of a live grader).
  EXPECT_TRUE(ShouldReap("created", OwnerState::kDead));
  EXPECT_FALSE(ShouldReap("created", OwnerState::kAlive));
  EXPECT_FALSE(ShouldReap("created", OwnerState::kUnknown));
  // Exited: everyone's but a live grader's (it inspects, then removes).
  EXPECT_TRUE(ShouldReap("exited", OwnerState::kDead));
  EXPECT_TRUE(ShouldReap("exited", OwnerState::kUnknown));
  EXPECT_FALSE(ShouldReap("exited", OwnerState::kAlive));
  EXPECT_TRUE(ShouldReap("dead", OwnerState::kUnknown));
}

TEST(OwnerTest, ReapRuleReadsPodmansWordsAsDockers) {
  EXPECT_FALSE(ShouldReap("Up 5 minutes", OwnerState::kUnknown));
  EXPECT_TRUE(ShouldReap("Up 5 minutes", OwnerState::kDead));
  EXPECT_TRUE(ShouldReap("Exited (0) 3 seconds ago", OwnerState::kUnknown));
  EXPECT_FALSE(ShouldReap("Exited (137) 3 seconds ago", OwnerState::kAlive));
  EXPECT_TRUE(ShouldReap("Stopped", OwnerState::kUnknown));
  EXPECT_FALSE(ShouldReap("Created", OwnerState::kUnknown));
  EXPECT_TRUE(ShouldReap("Created", OwnerState::kDead));
}

}  // namespace
}  // namespace ipc::container
