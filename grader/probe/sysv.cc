#include "probe/sysv.h"

#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <sstream>
#include <vector>

#include "probe/fd.h"
#include "probe/reaper.h"

namespace ipc::probe {
namespace {

enum class Kind { kShm, kSem, kMsg };

struct Object {
  Kind kind;
  long id = 0;
  uid_t uid = 0;
};

// /proc/sysvipc/* lists one object per line after a header: "key id perms
// ..." with the owner's uid at a column that differs per kind.
std::vector<Object> List(const std::string& proc_root, Kind kind, const char* file,
                         std::size_t uid_column) {
  std::vector<Object> out;
  const auto text = ReadSmallFile(proc_root + "/sysvipc/" + file);
  if (!text) return out;
  std::istringstream in(*text);
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::vector<std::string> cols;
    for (std::string f; fields >> f;) cols.push_back(f);
    if (cols.size() <= uid_column) continue;
    Object o{kind};
    try {
      o.id = std::stol(cols[1]);
      o.uid = static_cast<uid_t>(std::stoul(cols[uid_column]));
    } catch (const std::exception&) {
      continue;
    }
    out.push_back(o);
  }
  return out;
}

long RemoveCall(const Object& o) {
  switch (o.kind) {
    case Kind::kShm:
      return ::syscall(SYS_shmctl, o.id, IPC_RMID, nullptr);
    case Kind::kSem:
      return ::syscall(SYS_semctl, o.id, 0, IPC_RMID, 0);
    case Kind::kMsg:
      return ::syscall(SYS_msgctl, o.id, IPC_RMID, nullptr);
  }
  return -1;
}

// IPC_RMID as the object's owner, in a child: only the owner, the creator
// or CAP_IPC_OWNER may remove it.
bool RemoveAs(const Object& o) {
  UniqueFd event(::eventfd(0, EFD_CLOEXEC));
  if (!event.valid()) return false;
  const pid_t pid = Reaper::Get().ForkTracked(event.get(), [&o] {
    // Raw system calls: the child shares our memory (see Reaper), and
    // glibc's wrappers would signal the parent's threads.
    if (::syscall(SYS_setresuid, o.uid, o.uid, o.uid) != 0) ::_exit(1);
    ::_exit(RemoveCall(o) == 0 ? 0 : 1);
  });
  if (pid < 0) return false;
  std::uint64_t v = 0;
  while (::read(event.get(), &v, sizeof v) < 0 && errno == EINTR) {
  }
  const auto ex = Reaper::Get().ExitOf(pid);
  Reaper::Get().Forget(pid);
  return ex && WIFEXITED(ex->status) && WEXITSTATUS(ex->status) == 0;
}

}  // namespace

bool RemoveSysvIpc(std::string* err, const std::string& proc_root) {
  std::vector<Object> all;
  // Columns: shm "key shmid perms size cpid lpid nattch uid ...";
  // sem "key semid perms nsems uid ..."; msg "key msqid perms cbytes qnum
  // lspid lrpid uid ...".
  for (const auto& o : List(proc_root, Kind::kShm, "shm", 7)) all.push_back(o);
  for (const auto& o : List(proc_root, Kind::kSem, "sem", 4)) all.push_back(o);
  for (const auto& o : List(proc_root, Kind::kMsg, "msg", 7)) all.push_back(o);
  std::size_t left = 0;
  for (const auto& o : all) {
    const bool gone = RemoveCall(o) == 0 || errno == EINVAL || errno == EIDRM || RemoveAs(o);
    if (!gone) ++left;
  }
  if (left > 0) {
    *err = std::to_string(left) + " System V IPC object(s) could not be removed";
    return false;
  }
  return true;
}

}  // namespace ipc::probe
