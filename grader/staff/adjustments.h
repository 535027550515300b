// adjustments.yaml: manual changes course staff make to a student's score,
// kept in a file of their own so that no regrade can lose them (a grade
// edited in grades.csv is overwritten by the next batch).
//
// YAML, not CSV: a reason is a sentence a student reads, with commas and
// quotes in it; YAML keeps it readable, takes comments ("# agreed with the
// instructor"), diffs one entry per block in a course's git repository, and
// gives line numbers for errors. One list item per adjustment:
//
//   - student: alice
//     check: build            # or  part: p1   or  total: true
//     points: -2              # added (negative: removed) ...
//     reason: "Copied the Makefile from bob (academic integrity case 12)."
//     by: ta-jo
//     at: 2026-12-04T10:00:00Z
//   - student: bob
//     total: true
//     score: 20               # ... or a score that replaces the automatic one
//     reason: Regraded by hand after the demo.
//
// `reason` is required (the student reads it in feedback.md); `by` and `at`
// are recorded as given. A bad item never stops a batch: it is reported as
// `adjustments.yaml:7: skipped: ...` and the others apply. Whether the check
// or part still exists is known only against a rubric: an adjustment whose
// target is gone is reported in the student's result, never dropped.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "rubric/rubric.h"

namespace ipc::staff {

struct Adjustment {
  std::string student;
  std::string kind;    // "check", "part" or "total"
  std::string target;  // check or part id; "" for total
  std::optional<double> points;
  std::optional<double> score;
  std::string reason;
  std::string by;
  std::string at;
  int line = 0;  // where the item starts in the file
};

struct AdjustmentFile {
  std::string path;
  std::vector<Adjustment> entries;    // in file order
  std::vector<std::string> problems;  // "path:line: skipped: why"
};

// A missing file is an empty list (no adjustments yet). Throws ipc::Fatal
// when the file exists but is not a YAML list (nothing of it could be
// trusted).
AdjustmentFile ParseAdjustments(const std::string& text, const std::string& path);
AdjustmentFile LoadAdjustments(const std::string& path);

// The YAML list item for `a`, scalars quoted as needed, ending in "\n".
std::string RenderAdjustment(const Adjustment& a);

// Appends `a` to the file under an exclusive lock (two TAs at once both
// land), keeping everything already in it (comments too), written
// atomically (util/fs.h). Throws ipc::Fatal.
void AppendAdjustment(const std::string& path, const Adjustment& a);

// "" when the rubric has `kind`'s `target`; otherwise the message, with the
// ids it has and a did-you-mean.
std::string CheckTarget(const rubric::Rubric& rubric, const std::string& kind,
                        const std::string& target);

// "alice  check build  -2  (ta-jo, 2026-...): reason" for --list.
std::string DescribeAdjustment(const Adjustment& a);

}  // namespace ipc::staff
