// ref-listener: the seed listener.c, reproduced exactly. It deliberately
// uses the very same C calls as the student program, because what the
// grader observes depends on them:
//  - printf/stdio: stdout is line buffered on a tty but fully buffered on a
//    pipe or file, so with `> output.log` nothing reaches the file before
//    exit, and a signal with the default action (SIGTERM, SIGKILL...) loses
//    the buffered "Listener PID" line exactly as the C program loses it;
//  - signal(): glibc's BSD semantics (handler stays installed, SA_RESTART,
//    the signal is blocked while its handler runs). g++ always defines
//    _GNU_SOURCE, so ::signal is that same function, not __sysv_signal;
//  - pause(): returns after the first caught signal's handler has run.
// Calling printf from a handler is not async-signal-safe in general; it is
// safe here for the same reason it is in the seed: main is blocked in
// pause() and is not inside stdio when the handler runs.
//
// Built static so it runs in any grading image whatever its libc.
#include <signal.h>
#include <unistd.h>

#include <cstdio>

#if !defined(_GNU_SOURCE) && !defined(_DEFAULT_SOURCE)
#error "signal() would have System V semantics; the seed gets BSD semantics"
#endif

namespace {

// Same type and role as the seed's global `int return_code`.
volatile sig_atomic_t return_code = 0;

void SigintHandler(int /*sig*/) {
  std::printf("SIGINT received!\n");
  return_code = 1;
}

void Sigusr1Handler(int /*sig*/) {
  std::printf("SIGUSR1 received!\n");
  return_code = 0;
}

}  // namespace

int main() {
  std::printf("Listener PID: %i\n", getpid());
  signal(SIGINT, SigintHandler);
  signal(SIGUSR1, Sigusr1Handler);
  pause();
  return return_code;
}
