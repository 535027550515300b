// OUT/STUDENT/results.json in Gradescope's autograder format
// (gradescope/autograder_samples docs/specs.md), so a course that uploads
// results to Gradescope, or any tool that reads that format, takes ours as is.
//
// Mapping from result.json:
//  - top level: score (after the late penalty), execution_time (whole
//    seconds, timing.total), output (Markdown we write ourselves: score, ref,
//    commit, late note; no student text), output_format "md", visibility
//    "visible", stdout_visibility "hidden" (the harness's stdout is ours,
//    not the student's), extra_data {student, status, ref, commit, ...}.
//  - tests[]: one per check, in rubric order. number "P.C": P = 1-based
//    index of the check's part in result.parts, C = 1-based index of the
//    check within that part. status "passed" only for a passed check;
//    failed, errored and skipped checks are "failed" (Gradescope has no
//    other status; result.json's own status is kept in the test's
//    extra_data). tags [part id]. visibility from the check; output = the
//    check's message, expected / yours / reference lines and captured
//    output, as plain text (output_format "text": student output is never
//    rendered as Markdown or HTML). Insight checks (max_score 0) are
//    included with their pass/fail status.
//  - The test scores add up to score + late penalty: Gradescope uses the
//    top-level score when there is one, so the penalty is applied once.
//  - status "error" (not graded): score 0 and a single failed test, max_score
//    0, named "Not graded: autograder error", whose output is the cause and
//    says that staff will regrade. Nothing is presented as a grade the student
//    earned; staff see status "error" in grades.csv and extra_data.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "report/result.h"

namespace ipc::report {

nlohmann::json ToGradescope(const Result& r);

// Writes OUT/STUDENT/results.json atomically.
void WriteGradescopeFile(const Result& r, const std::string& out_dir);

}  // namespace ipc::report
