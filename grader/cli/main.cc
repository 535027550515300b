// grader: the command line. Thin: each command is a function over the
// libraries (the command line itself is built in commands.cc); Fatal and
// RubricError are caught here, once.
#include <csignal>
#include <functional>
#include <iostream>

#include "cli/commands.h"
#include "rubric/rubric.h"
#include "util/error.h"

int main(int argc, char** argv) {
  std::function<int()> run;
  if (const auto status = ipc::cli::ParseCommandLine(argc, argv, &run)) return *status;
  // A peer that goes away (a git server, the engine) must give an error
  // from write(), not kill the grader.
  std::signal(SIGPIPE, SIG_IGN);
  try {
    return run();
  } catch (const ipc::rubric::RubricError& e) {
    std::cerr << e.what() << "\n";
    return 2;
  } catch (const ipc::Fatal& e) {
    std::cerr << "grader: " << e.what() << "\n";
    return 2;
  } catch (const ipc::Error& e) {
    std::cerr << "grader: " << e.what() << "\n";
    return 1;
  }
}
