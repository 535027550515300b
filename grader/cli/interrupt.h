// SIGINT/SIGTERM without work in a signal handler: the signals are blocked
// in every thread and one thread waits for them with sigwait(), then runs
// the registered cleanup (remove running containers) and records that the
// run was interrupted. Call Install() before starting any other thread.
#pragma once

#include <atomic>
#include <functional>

namespace ipc::cli {

class Interrupts {
 public:
  static void Install(std::function<void()> on_interrupt);
  static bool Requested();
  static int Signal();  // the signal received, or 0
};

}  // namespace ipc::cli
