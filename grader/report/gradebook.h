// grades.csv: one row per student, for an LMS gradebook import.
//
// Columns: student, score, max_score, status, ref, commit, late, one column
// per rubric part (header = part id, cell = that part's points), then error.
// Rows sorted by student; CRLF line ends and quoting per RFC 4180; UTF-8
// without a BOM; no timestamps, so the same results always give the same
// bytes (a resumed batch and an uninterrupted one compare equal).
//
// A result with status "error" has empty score and part cells: an LMS that
// imports an empty cell leaves the grade unset, where a 0 would be a grade
// the student never earned (infrastructure failures must not count against
// the student). `late` is "yes" or "no"; the penalty is already in `score`.
#pragma once

#include <string>
#include <vector>

#include "report/result.h"

namespace ipc::report {

std::string RenderGradebookCsv(std::vector<Result> results);

}  // namespace ipc::report
