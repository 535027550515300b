#include "cli/interrupt.h"

#include <csignal>
#include <pthread.h>

#include <thread>

namespace ipc::cli {
namespace {

std::atomic<int> g_signal{0};

}  // namespace

void Interrupts::Install(std::function<void()> on_interrupt) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  // Blocked here, inherited by every thread created afterwards. Child
  // processes must unblock them (the spawn code resets the mask).
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::thread([set, on_interrupt = std::move(on_interrupt)] {
    int sig = 0;
    if (sigwait(&set, &sig) != 0) return;
    g_signal = sig;
    on_interrupt();
  }).detach();
}

bool Interrupts::Requested() { return g_signal.load() != 0; }
int Interrupts::Signal() { return g_signal.load(); }

}  // namespace ipc::cli
