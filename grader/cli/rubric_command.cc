// grader rubric check FILE: validate a rubric without grading anything.
#include <fmt/format.h>

#include <iostream>

#include "cli/commands.h"

namespace ipc::cli {

int RunRubricCheck(const std::string& path) {
  const rubric::Rubric r = LoadAndValidateRubric(path);
  std::cout << fmt::format("{}: ok: '{}', {} parts, {} checks, {} points, image {}\n", path,
                           r.assignment, r.parts.size(), r.checks.size(), r.MaxScore(), r.image);
  for (const auto& p : r.parts) {
    std::cout << fmt::format("  {:<8} {:>5}  {}\n", p.id, p.points, p.title);
  }
  return 0;
}

}  // namespace ipc::cli
