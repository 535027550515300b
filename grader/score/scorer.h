// From observations to points: runs every check's Score in dependency order
// (a check whose `needs` did not pass is skipped, with the reason), applies
// the points, the late policy, and sums the parts.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

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

// A part with a deadline of its own (rubric::Part::deadline), moved as a
// per-student extension says.
struct PartDeadline {
  std::string title;
  double points = 0;
  std::int64_t deadline = 0;
  std::string deadline_text;
};
std::vector<PartDeadline> PartDeadlines(const rubric::Rubric& rubric);

// The late policy with part deadlines: each part in `parts` loses the
// policy's fraction for its own lateness times its points; the rest of
// `max_score` is judged against the policy's deadline. One submission time
// (the policy's time_source) counts for every part. Without parts, the
// function above.
report::Late ComputeLate(const rubric::LatePolicy& policy, const std::vector<PartDeadline>& parts,
                         const fetch::Revision& revision, double max_score);

// Points rounded to 1/100 so sums print and compare cleanly.
double RoundPoints(double p);

}  // namespace ipc::score
