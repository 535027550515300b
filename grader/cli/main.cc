// grader: the command line. Thin: each command is a function over the
// libraries; Fatal and RubricError are caught here, once.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <csignal>
#include <iostream>

#include "cli/commands.h"
#include "rubric/rubric.h"
#include "util/error.h"

int main(int argc, char** argv) {
  CLI::App app{
      "ipc-grader: grades the Inter-Process Communication assignment.\n"
      "Fetches each student's repository with libgit2, runs it in a throwaway container\n"
      "beside C++ reference programs, and scores what it saw against a YAML rubric."};
  app.require_subcommand(1);
  app.set_version_flag("--version", ipc::cli::GraderVersion());
  std::function<int()> run;
  ipc::cli::RegisterCommands(&app, &run);
  CLI11_PARSE(app, argc, argv);
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
