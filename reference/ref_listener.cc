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
#include <cstring>
#include <initializer_list>

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

// Seeded faults for grading student tests ("does test_listener.sh fail on a
// broken listener?"). Without an argument the program is the seed exactly.
//   --mutant=no-usr1    never installs the SIGUSR1 handler
//   --mutant=no-sigint  never installs the SIGINT handler
//   --mutant=swap-exit  exits 0 on SIGINT and 1 on SIGUSR1
//   --mutant=no-pid     does not print the PID line
int main(int argc, char** argv) {
  const char* mutant = "";
  auto known = [](const char* m) {
    for (const char* k : {"no-usr1", "no-sigint", "swap-exit", "no-pid"}) {
      if (std::strcmp(m, k) == 0) return true;
    }
    return false;
  };
  if (argc == 2 && std::strncmp(argv[1], "--mutant=", 9) == 0 && known(argv[1] + 9)) {
    mutant = argv[1] + 9;
  } else if (argc != 1) {
    std::fprintf(stderr, "usage: ref-listener [--mutant=no-usr1|no-sigint|swap-exit|no-pid]\n");
    return 2;
  }
  const bool swap = std::strcmp(mutant, "swap-exit") == 0;
  if (std::strcmp(mutant, "no-pid") != 0) std::printf("Listener PID: %i\n", getpid());
  if (std::strcmp(mutant, "no-sigint") != 0) signal(SIGINT, SigintHandler);
  if (std::strcmp(mutant, "no-usr1") != 0) signal(SIGUSR1, Sigusr1Handler);
  pause();
  return swap ? 1 - return_code : return_code;
}
