#include "probe/readiness.h"

#include <sys/syscall.h>

#include "probe/proc.h"

namespace ipc::probe {

std::string ReadyByName(ReadyBy r) {
  switch (r) {
    case ReadyBy::kSigCgt:
      return "sigcgt";
    case ReadyBy::kPause:
      return "pause";
    case ReadyBy::kNone:
      break;
  }
  return "";
}

bool IsPauseSyscall(long nr) {
#ifdef SYS_pause
  if (nr == SYS_pause) return true;
#endif
  return nr == SYS_rt_sigsuspend;
}

ReadyBy CheckReady(pid_t pid, const std::vector<int>& signals, bool on_pause) {
  const auto st = ReadProcStatus(pid);
  if (!st || st->state != 'S') return ReadyBy::kNone;  // running, stopped, zombie or gone
  if (!signals.empty()) {
    bool all = true;
    for (int s : signals) all = all && s >= 1 && s <= 64 && ((st->sig_caught >> (s - 1)) & 1);
    if (all) return ReadyBy::kSigCgt;
  }
  if (on_pause) {
    const auto nr = ReadBlockedSyscall(pid);
    if (nr && *nr >= 0 && IsPauseSyscall(*nr)) return ReadyBy::kPause;
  }
  return ReadyBy::kNone;
}

}  // namespace ipc::probe
