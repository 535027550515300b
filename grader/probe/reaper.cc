#include "probe/reaper.h"

#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <vector>

namespace ipc::probe {
namespace {

// The child's own stack while it shares our memory (it only sets up and
// execs; glibc's posix_spawn uses about as little). Below glibc's mmap
// threshold, so it comes from the heap: an munmap would flush every CPU's TLB.
constexpr std::size_t kChildStack = 64 * 1024;

int ChildEntry(void* in_child) {
  (*static_cast<const std::function<void()>*>(in_child))();
  ::_exit(127);
}

}  // namespace

Reaper& Reaper::Get() {
  // Leaked on purpose: the thread runs until the process exits, and a
  // static destructor joining it would hang exit().
  static Reaper* reaper = new Reaper();
  return *reaper;
}

Reaper::Reaper() : thread_([this] { Loop(); }) { thread_.detach(); }

pid_t Reaper::ForkTracked(int exit_event_fd, const std::function<void()>& in_child) {
  std::vector<char> stack(kChildStack);
  // Signals blocked across the clone: a handler must never run in the child
  // on our memory. The child resets every disposition, then unblocks.
  sigset_t all, old;
  ::sigfillset(&all);
  ::pthread_sigmask(SIG_SETMASK, &all, &old);
  pid_t pid;
  int clone_errno;
  {
    std::lock_guard<std::mutex> lock(mu_);
    // Like posix_spawn: the child runs on our memory and this thread waits
    // until it has exec'd or exited. With fork, every page we wrote to after
    // it faulted to be copied and, with several threads, flushed the TLB of
    // each CPU they ran on: 10 ms per step on this VM, against 6 ms for a
    // shell's fork+exec of /bin/true.
    pid = ::clone(ChildEntry, stack.data() + stack.size(), CLONE_VM | CLONE_VFORK | SIGCHLD,
                  const_cast<std::function<void()>*>(&in_child));
    clone_errno = errno;
    if (pid > 0) {
      tracked_[pid] = Tracked{exit_event_fd, std::nullopt};
      ++forks_;
      no_children_ = false;  // until the reaper sees ECHILD again
      cv_.notify_all();
    }
  }
  ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
  if (pid <= 0) {
    errno = clone_errno;
    return -1;
  }
  return pid;
}

std::optional<ExitStatus> Reaper::ExitOf(pid_t pid) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = tracked_.find(pid);
  if (it == tracked_.end()) return std::nullopt;
  return it->second.exit;
}

void Reaper::Forget(pid_t pid) {
  std::lock_guard<std::mutex> lock(mu_);
  tracked_.erase(pid);
}

bool Reaper::WithUnreaped(pid_t pid, const std::function<void()>& fn) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = tracked_.find(pid);
  if (it == tracked_.end() || it->second.exit) return false;
  fn();
  return true;
}

bool Reaper::WaitNoChildren(Clock::time_point deadline) {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_until(lock, deadline, [this] { return no_children_; });
}

void Reaper::Loop() {
  for (;;) {
    std::uint64_t forks_before;
    {
      std::lock_guard<std::mutex> lock(mu_);
      forks_before = forks_;
    }
    siginfo_t info{};
    // Look without reaping: the zombie keeps its pid until we hold the lock.
    if (::waitid(P_ALL, 0, &info, WEXITED | WNOWAIT) != 0) {
      if (errno == ECHILD) {
        // No children at all. New ones only come from ForkTracked (orphans
        // are only reparented from our own descendants), so sleep until it
        // forks again. forks_before was read before waitid: a fork that
        // raced with the ECHILD shows up as a changed count.
        std::unique_lock<std::mutex> lock(mu_);
        if (forks_ != forks_before) continue;
        no_children_ = true;
        cv_.notify_all();
        cv_.wait(lock, [&] { return forks_ != forks_before; });
        no_children_ = false;
      }
      continue;  // EINTR
    }
    const pid_t pid = info.si_pid;
    std::lock_guard<std::mutex> lock(mu_);
    ExitStatus st;
    if (::wait4(pid, &st.status, 0, &st.usage) != pid) continue;
    st.when = Clock::now();
    auto it = tracked_.find(pid);
    if (it == tracked_.end()) continue;  // an orphan: reaping was the point
    it->second.exit = st;
    const std::uint64_t one = 1;
    // The step thread polls this eventfd; it stays readable until read.
    [[maybe_unused]] const ssize_t n = ::write(it->second.event_fd, &one, sizeof one);
  }
}

}  // namespace ipc::probe
