// grader diff DIR_A DIR_B: what changed between two result folders (two
// terms, two rubric versions): changes.md on stdout, and with --out DIR
// also DIR/changes.md and changes.csv (staff/changes.h).
#include <fmt/format.h>

#include <filesystem>
#include <iostream>

#include "batch/outputs.h"
#include "cli/commands.h"
#include "staff/changes.h"
#include "util/error.h"
#include "util/fs.h"

namespace ipc::cli {
int RunDiff(const DiffOptions& o) {
  for (const auto& d : {o.before, o.after}) {
    if (!std::filesystem::is_directory(d)) throw Fatal(d + ": not a results folder");
  }
  const batch::LoadedResults a = batch::LoadResults(o.before);
  const batch::LoadedResults b = batch::LoadResults(o.after);
  for (const auto& w : a.warnings) std::cerr << "grader: " << w << "\n";
  for (const auto& w : b.warnings) std::cerr << "grader: " << w << "\n";
  const auto changes = staff::CompareResults(a.results, b.results);
  const std::string md = staff::RenderChangesMarkdown(changes, o.before, o.after);
  std::cout << md;
  if (!o.out.empty()) {
    std::filesystem::create_directories(o.out);
    WriteFileAtomic((std::filesystem::path(o.out) / "changes.md").string(), md);
    WriteFileAtomic((std::filesystem::path(o.out) / "changes.csv").string(),
                    staff::RenderChangesCsv(changes));
  }
  return 0;
}

}  // namespace ipc::cli
