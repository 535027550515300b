/* Faulty stand-in: no SIGUSR1 handler (SIGUSR1 kills it). */
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <unistd.h>

int return_code = 0;

void sigint_handler(int sig) {
  printf("SIGINT received!\n");
  return_code = 1;
}

int main() {
  printf("Listener PID: %i\n", getpid());
  signal(SIGINT, sigint_handler);
  pause();
  return return_code;
}
