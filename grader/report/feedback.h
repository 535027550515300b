// feedback.md: what a student reads. Passed checks in one line each; every
// failed check with what to fix, expected vs got vs the reference, and the
// captured output where there is some.
#pragma once

#include <string>

#include "report/result.h"

namespace ipc::report {

// include_hidden: false for the student's copy (hidden checks are counted,
// not shown), true for staff.
std::string RenderFeedback(const Result& r, bool include_hidden = true);

// One line for a terminal: "alice  23.5/25  graded  final@1a2b3c4".
std::string SummaryLine(const Result& r);

// Writes OUT/STUDENT/result.json and feedback.md atomically.
void WriteResultFiles(const Result& r, const std::string& out_dir);

}  // namespace ipc::report
