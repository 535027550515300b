// What changed between two sets of results: after each batch (the results
// on disk before it vs after it: OUT/changes.md, changes.csv) and for
// `grader diff DIR_A DIR_B` (two terms, two rubric versions).
//
// Per student whose total, status or any check's status or score moved:
// from what to what, and why as far as the results tell: commit changed,
// rubric changed, grader changed, extension, adjustment, flaky (a check
// passed only on a rerun), new / no longer graded.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "report/result.h"

namespace ipc::staff {

struct CheckMove {
  std::string id;
  std::string before_status, after_status;  // "" = not in that result
  double before_score = 0, after_score = 0;
};

struct StudentChange {
  std::string student;
  std::optional<double> before, after;  // total; nullopt: no graded result
  std::string before_status, after_status;
  std::vector<std::string> why;
  std::vector<CheckMove> checks;
};

// Students in either list, by name; only those with a change.
std::vector<StudentChange> CompareResults(const std::vector<report::Result>& before,
                                          const std::vector<report::Result>& after);

std::string RenderChangesMarkdown(const std::vector<StudentChange>& changes,
                                  const std::string& before_label, const std::string& after_label);
// student,before,after,delta,why,checks (RFC 4180, CRLF).
std::string RenderChangesCsv(const std::vector<StudentChange>& changes);

}  // namespace ipc::staff
