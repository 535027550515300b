// From observations to points: runs every check's Score in dependency order
// (a check whose `needs` did not pass is skipped, with the reason), applies
// the points, the late policy, and sums the parts.
#pragma once

#include "checks/check_type.h"
#include "report/result.h"
#include "rubric/rubric.h"

namespace ipc::score {

// Fills result->checks, parts, score, max_score and late.
void Score(const rubric::Rubric& rubric, const checks::Evidence& evidence,
           report::Result* result);

// The late policy alone (exposed for tests). `now` is unused: lateness is
// judged from the recorded times only, so a regrade gives the same answer.
report::Late ComputeLate(const rubric::LatePolicy& policy,
                         const fetch::Revision& revision, double max_score);

// Points rounded to 1/100 so sums print and compare cleanly.
double RoundPoints(double p);

}  // namespace ipc::score
