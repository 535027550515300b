// Removing System V IPC objects between boxes (sysv.h) with real objects.
// On the host the IPC namespace is shared with everything else, so the
// listing the probe reads is a copy of /proc/sysvipc holding only this
// test's own objects (the probe takes the /proc to read as an argument);
// the removal itself is real. Objects of another owner, removed without
// CAP_IPC_OWNER, are shown in the container (probe_e2e_test).
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/stat.h>

#include <cerrno>
#include <sstream>

#include "probe/fd.h"
#include "probe/sysv.h"
#include "probe_test_support.h"

namespace ipc::probe {
namespace {

struct SysvTest : ::testing::Test {
  void SetUp() override {
    ASSERT_EQ(::mkdir((dir / "proc").c_str(), 0755), 0);
    ASSERT_EQ(::mkdir((dir / "proc/sysvipc").c_str(), 0755), 0);
  }
  void TearDown() override {
    // Never leave an object behind on the host, whatever the test did.
    for (int id : shm) ::shmctl(id, IPC_RMID, nullptr);
    for (int id : sem) ::semctl(id, 0, IPC_RMID);
    for (int id : msg) ::msgctl(id, IPC_RMID, nullptr);
  }
  // The lines of the real /proc/sysvipc/`kind` for `ids` (the header
  // first), as the probe's listing.
  void List(const char* kind, const std::vector<int>& ids, const std::string& extra = "") {
    const auto text = ReadSmallFile(std::string("/proc/sysvipc/") + kind);
    ASSERT_TRUE(text);
    std::istringstream in(*text);
    std::string line, out;
    std::getline(in, line);
    out = line + "\n";
    while (std::getline(in, line)) {
      std::istringstream fields(line);
      std::string key, id;
      fields >> key >> id;
      for (int want : ids) {
        if (id == std::to_string(want)) out += line + "\n";
      }
    }
    testing::WriteFile(dir / "proc/sysvipc/" + kind, out + extra);
  }
  static bool ShmExists(int id) {
    struct shmid_ds ds {};
    return ::shmctl(id, IPC_STAT, &ds) == 0;
  }
  static bool SemExists(int id) {
    struct semid_ds ds {};
    return ::semctl(id, 0, IPC_STAT, &ds) == 0;
  }
  static bool MsgExists(int id) {
    struct msqid_ds ds {};
    return ::msgctl(id, IPC_STAT, &ds) == 0;
  }
  testing::TempDir dir;
  std::vector<int> shm, sem, msg;
};

TEST_F(SysvTest, RemovesEveryListedObjectOfEachKind) {
  shm = {::shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600), ::shmget(IPC_PRIVATE, 1, IPC_CREAT | 0644)};
  sem = {::semget(IPC_PRIVATE, 3, IPC_CREAT | 0600)};
  msg = {::msgget(IPC_PRIVATE, IPC_CREAT | 0600)};
  for (int id : shm) ASSERT_GE(id, 0) << ErrnoText(errno);
  ASSERT_GE(sem[0], 0) << ErrnoText(errno);
  ASSERT_GE(msg[0], 0) << ErrnoText(errno);
  // An attached segment too: IPC_RMID only marks it, and it is gone for
  // everyone else at once.
  void* at = ::shmat(shm[0], nullptr, 0);
  ASSERT_NE(at, reinterpret_cast<void*>(-1));
  List("shm", shm);
  List("sem", sem);
  List("msg", msg);
  std::string err;
  ASSERT_TRUE(RemoveSysvIpc(&err, dir / "proc")) << err;
  ::shmdt(at);
  for (int id : shm) EXPECT_FALSE(ShmExists(id)) << id;
  EXPECT_FALSE(SemExists(sem[0]));
  EXPECT_FALSE(MsgExists(msg[0]));
}

TEST_F(SysvTest, ObjectsOfAnotherOwnerAreRemovedToo) {
  shm = {::shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600)};
  ASSERT_GE(shm[0], 0);
  struct shmid_ds ds {};
  ASSERT_EQ(::shmctl(shm[0], IPC_STAT, &ds), 0);
  ds.shm_perm.uid = 1000;  // as if a student step running as garfield made it
  ds.shm_perm.gid = 1000;
  ASSERT_EQ(::shmctl(shm[0], IPC_SET, &ds), 0);
  List("shm", shm);
  std::string err;
  ASSERT_TRUE(RemoveSysvIpc(&err, dir / "proc")) << err;
  EXPECT_FALSE(ShmExists(shm[0]));
}

TEST_F(SysvTest, OnlyListedObjectsAreTouchedAndGoneOnesAreNoError) {
  shm = {::shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600), ::shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600)};
  ASSERT_GE(shm[0], 0);
  ASSERT_GE(shm[1], 0);
  List("shm", {shm[0]});
  ASSERT_EQ(::shmctl(shm[0], IPC_RMID, nullptr), 0);  // gone by the time the probe looks
  std::string err;
  EXPECT_TRUE(RemoveSysvIpc(&err, dir / "proc")) << err;
  EXPECT_TRUE(ShmExists(shm[1]));
}

TEST_F(SysvTest, NoListingAndLinesThatDoNotParseAreNothingToRemove) {
  std::string err;
  EXPECT_TRUE(RemoveSysvIpc(&err, dir / "proc")) << err;
  List("msg", {}, "garbage\n0 notanumber 600 0 0 0 0 0\n");
  EXPECT_TRUE(RemoveSysvIpc(&err, dir / "proc")) << err;
}

}  // namespace
}  // namespace ipc::probe
