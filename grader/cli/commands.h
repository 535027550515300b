// Each command registers its options on the app and, when chosen, sets
// `run` to the function that does the work and returns the exit status.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>

#include "cli/options.h"

namespace ipc::cli {

void RegisterCommands(CLI::App* app, std::function<int()>* run);

void RegisterGrade(CLI::App* app, std::function<int()>* run);
void RegisterRubric(CLI::App* app, std::function<int()>* run);
void RegisterBatch(CLI::App* app, std::function<int()>* run);
void RegisterMerge(CLI::App* app, std::function<int()>* run);
void RegisterAdjust(CLI::App* app, std::function<int()>* run);
void RegisterDiff(CLI::App* app, std::function<int()>* run);
// `grader rubric test`, under the `rubric` command.
void RegisterRubricTest(CLI::App* rubric, std::function<int()>* run);

}  // namespace ipc::cli
