// The class-wide files, always rebuilt from the result.json files on disk
// (never from memory), so a resumed batch, an --only regrade and a merge of
// shards all give the same files for the same results:
//   grades.csv, junit.xml, histogram.svg, summary.md, summary.html
#pragma once

#include <set>
#include <string>
#include <vector>

#include "report/result.h"

namespace ipc::batch {

struct LoadedResults {
  std::vector<report::Result> results;  // sorted by student
  std::vector<std::string> warnings;    // folders left out, and why
};

// Every DIR/STUDENT/result.json. A folder whose result.json is unreadable,
// names another student, or whose name is not a valid student name is left
// out with a warning. With `only` non-empty, students not in it are left out
// too (with a warning: a result from an old roster must not sneak into the
// gradebook silently).
LoadedResults LoadResults(const std::string& dir, const std::set<std::string>& only = {});

// Writes the class-wide files into `out_dir`, each atomically. `notes` go
// into the summaries (e.g. roster rows that were skipped).
void WriteClassOutputs(const std::vector<report::Result>& results, const std::string& out_dir,
                       const std::vector<std::string>& notes = {});

// grader merge: the student folders of every input into `out_dir`, then
// the class-wide files. Throws ipc::Fatal when a student appears in two
// inputs (naming both folders) or an input is not a folder. Returns the
// merged results.
LoadedResults MergeOutputs(const std::vector<std::string>& inputs, const std::string& out_dir);

}  // namespace ipc::batch
