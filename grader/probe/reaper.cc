#include "probe/reaper.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

namespace ipc::probe {

Reaper& Reaper::Get() {
  // Leaked on purpose: the thread runs until the process exits, and a
  // static destructor joining it would hang exit().
  static Reaper* reaper = new Reaper();
  return *reaper;
}

Reaper::Reaper() : thread_([this] { Loop(); }) { thread_.detach(); }

pid_t Reaper::ForkTracked(int exit_event_fd, const std::function<void()>& in_child) {
  std::lock_guard<std::mutex> lock(mu_);
  const pid_t pid = ::fork();
  if (pid == 0) {
    in_child();
    ::_exit(127);
  }
  if (pid < 0) return -1;
  tracked_[pid] = Tracked{exit_event_fd, std::nullopt};
  ++forks_;
  no_children_ = false;  // until the reaper sees ECHILD again
  cv_.notify_all();
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
