// ref-listener: a listener.c as the rubric describes it (oracle_spec.h
// ListenerSpec: the start line, and per signal what its handler prints and
// which exit code it sets), with the very same C calls as the student
// program, because what the grader observes depends on them:
//  - printf/stdio: stdout is line buffered on a tty but fully buffered on a
//    pipe or file, so with `> output.log` nothing reaches the file before
//    exit, and a signal with the default action (SIGTERM, SIGKILL...) loses
//    the buffered start line exactly as the C program loses it;
//  - signal(): glibc's BSD semantics (handler stays installed, SA_RESTART,
//    the signal is blocked while its handler runs). g++ always defines
//    _GNU_SOURCE, so ::signal is that same function, not __sysv_signal;
//  - pause(): returns after the first caught signal's handler has run.
// Calling printf from a handler is not async-signal-safe in general; it is
// safe here for the same reason it is in the seed: main is blocked in
// pause() and is not inside stdio when the handler runs.
//
// Usage: ref-listener (--start=TEXT | --no-start) [--handle=SIGNUM:EXIT:TEXT]...
//   With the assignment's rubric: --start='Listener PID: {pid}'
//   --handle=2:1:'SIGINT received!' --handle=10:0:'SIGUSR1 received!'.
//
// Built static so it runs in any grading image whatever its libc.
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "reference/oracle_spec.h"

#if !defined(_GNU_SOURCE) && !defined(_DEFAULT_SOURCE)
#error "signal() would have System V semantics; the seed gets BSD semantics"
#endif

namespace {

// Same type and role as the seed's global `int return_code`.
volatile sig_atomic_t return_code = 0;
// Read by the handler; filled before any handler is installed.
std::vector<ipc::reference::ListenerSpec::Handler> g_handlers;

void OnSignal(int sig) {
  for (const auto& h : g_handlers) {
    if (h.signal != sig) continue;
    std::printf("%s\n", h.prints.c_str());
    return_code = h.exit_code;
    return;
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string err;
  const auto spec =
      ipc::reference::ListenerFromArgs(std::vector<std::string>(argv + 1, argv + argc), &err);
  if (!spec) {
    std::fprintf(stderr, "ref-listener: %s\n", err.c_str());
    return 2;
  }
  g_handlers = spec->handlers;
  if (spec->start) {
    const auto at = spec->start->find("{pid}");
    if (at == std::string::npos) {
      std::printf("%s\n", spec->start->c_str());
    } else {
      std::printf("%s%i%s\n", spec->start->substr(0, at).c_str(), getpid(),
                  spec->start->substr(at + 5).c_str());
    }
  }
  for (const auto& h : g_handlers) signal(h.signal, OnSignal);
  pause();
  return return_code;
}
