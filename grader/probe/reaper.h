// The one place that waits for children. The probe is PID 1 of the
// container, so every orphan (a daemon left by `setsid`, a double fork) is
// reparented to it and must be reaped or it stays a zombie forever. But a
// plain waitpid(-1) would also steal the exit status of a process a step is
// waiting for. So one reaper thread waits for everything and files each
// status under its pid: spawned (tracked) pids get their status recorded
// and their step woken through an eventfd; others are just reaped.
//
// Races this closes:
//  - a child that exits before its pid is registered: the clone runs with
//    the registry locked, and the reaper takes that lock before it files a
//    status, so it always finds the registration.
//  - pid reuse: the reaper first looks with WNOWAIT (the zombie keeps its
//    pid) and reaps only under the lock; WithUnreaped() runs under the same
//    lock, so a kill() sent from there can only reach our own process.
#pragma once

#include <sys/resource.h>
#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

namespace ipc::probe {

using Clock = std::chrono::steady_clock;

struct ExitStatus {
  int status = 0;          // as from waitpid
  struct rusage usage {};  // of the child and the descendants it reaped
  Clock::time_point when;
};

class Reaper {
 public:
  // The process-wide reaper (started on first use; never stopped).
  static Reaper& Get();

  // Starts a child with the registry locked: clone(CLONE_VM | CLONE_VFORK),
  // as posix_spawn does, so the child shares our memory and this thread
  // waits until it has exec'd or exited. In the child, runs `in_child` with
  // every signal blocked; it must only make async-signal-safe calls, must
  // write to no memory of ours, and must not return (exec or _exit). In the parent, registers the pid: its status will be recorded
  // and `exit_event_fd` (an eventfd) written once it has been reaped.
  // Returns the pid, or -1 with errno set when fork fails.
  pid_t ForkTracked(int exit_event_fd, const std::function<void()>& in_child);

  // The recorded status of a tracked pid, or nullopt while it runs.
  std::optional<ExitStatus> ExitOf(pid_t pid);
  // Stop tracking (after the status has been read).
  void Forget(pid_t pid);

  // Runs `fn` with the registry locked if `pid` is tracked and not reaped
  // yet (so the pid is still ours). Returns whether fn ran.
  bool WithUnreaped(pid_t pid, const std::function<void()>& fn);

  // Waits until the probe has no children at all (everything reaped), up
  // to `deadline`. Returns whether it got there.
  bool WaitNoChildren(Clock::time_point deadline);

 private:
  Reaper();
  void Loop();

  struct Tracked {
    int event_fd = -1;
    std::optional<ExitStatus> exit;
  };
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<pid_t, Tracked> tracked_;
  std::uint64_t forks_ = 0;
  bool no_children_ = false;
  std::thread thread_;
};

}  // namespace ipc::probe
