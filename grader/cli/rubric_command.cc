// grader rubric check FILE: validate a rubric without grading anything.
#include <fmt/format.h>

#include <iostream>

#include "cli/commands.h"

namespace ipc::cli {

void RegisterRubric(CLI::App* app, std::function<int()>* run) {
  CLI::App* rubric = app->add_subcommand("rubric", "Work with rubric files");
  rubric->require_subcommand(1);
  RegisterRubricTest(rubric, run);  // rubric_test_command.cc
  auto path = std::make_shared<std::string>();
  CLI::App* check = rubric->add_subcommand("check", "Validate a rubric file and summarise it");
  check->add_option("FILE", *path, "Rubric YAML")->required();
  check->callback([path, run] {
    *run = [path] {
      const rubric::Rubric r = LoadAndValidateRubric(*path);
      std::cout << fmt::format("{}: ok: '{}', {} parts, {} checks, {} points, image {}\n", *path,
                               r.assignment, r.parts.size(), r.checks.size(), r.MaxScore(),
                               r.image);
      for (const auto& p : r.parts) {
        std::cout << fmt::format("  {:<8} {:>5}  {}\n", p.id, p.points, p.title);
      }
      return 0;
    };
  });
}

}  // namespace ipc::cli
