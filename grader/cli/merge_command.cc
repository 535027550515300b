// grader merge DIR... --out DIR: the outputs of several shards (or
// machines) as one class: student folders copied, gradebook and summaries
// rebuilt from all of them.
#include <fmt/format.h>

#include <iostream>

#include "batch/outputs.h"
#include "cli/commands.h"

namespace ipc::cli {
int RunMerge(const MergeOptions& o) {
  const batch::LoadedResults merged = batch::MergeOutputs(o.inputs, o.out_dir);
  for (const auto& w : merged.warnings) std::cerr << "grader: " << w << "\n";
  int errors = 0;
  for (const auto& r : merged.results) errors += r.status != "graded";
  std::cout << fmt::format(
      "grader: merged {} student(s) from {} folder(s) into {}: {} error(s).\n"
      "  {}/grades.csv, summary.html, summary.md, junit.xml\n",
      merged.results.size(), o.inputs.size(), o.out_dir, errors, o.out_dir);
  return errors == 0 ? 0 : 1;
}

}  // namespace ipc::cli
