#include "probe/sweep.h"

#include <signal.h>
#include <unistd.h>

#include "probe/proc.h"
#include "probe/reaper.h"

namespace ipc::probe {

bool SweepProcesses(std::chrono::milliseconds bound, std::string* err) {
  const auto deadline = Clock::now() + bound;
  const bool init = ::getpid() == 1;
  for (;;) {
    std::size_t left = 0;
    if (init) {
      ::kill(-1, SIGKILL);
    } else {
      const auto pids = Descendants(::getpid());
      left = pids.size();
      for (pid_t p : pids) ::kill(p, SIGKILL);
    }
    // Short waits between rounds: each round catches what forked since.
    const auto wait_until = std::min(deadline, Clock::now() + std::chrono::milliseconds(50));
    if (Reaper::Get().WaitNoChildren(wait_until) && (init || left == 0)) return true;
    if (Clock::now() >= deadline) {
      *err = "processes survived SIGKILL for " + std::to_string(bound.count()) +
             " ms after a group of steps (stuck in the kernel?)";
      return false;
    }
  }
}

}  // namespace ipc::probe
