#include "score/scorer.h"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <map>

namespace ipc::score {

using report::CheckResult;
using report::CheckStatus;

double RoundPoints(double p) { return std::round(p * 100.0) / 100.0; }

namespace {

class Evaluator {
 public:
  Evaluator(const rubric::Rubric& rubric, const checks::Evidence& ev)
      : rubric_(rubric), ev_(ev) {}

  const CheckResult& Get(const rubric::Check& check) {
    if (auto it = done_.find(check.id); it != done_.end()) return it->second;
    CheckResult r;
    r.id = check.id;
    r.part = check.part;
    r.title = check.title;
    r.quotes = check.quotes;
    r.max_score = check.points;
    r.insight = check.points == 0;
    r.visibility = rubric::VisibilityName(check.visibility);
    // The loader rejects cycles, so this recursion ends.
    std::string blocked;
    for (const auto& need : check.needs) {
      const rubric::Check* dep = rubric_.FindCheck(need);
      if (dep == nullptr) continue;
      const CheckResult& d = Get(*dep);
      if (d.status != CheckStatus::kPass) {
        blocked += (blocked.empty() ? "" : ", ") +
                   fmt::format("'{}' ({})", dep->title, report::CheckStatusName(d.status));
      }
    }
    if (!blocked.empty()) {
      r.status = CheckStatus::kSkipped;
      r.message = "Not checked, because it depends on " + blocked + ": fix that first.";
    } else {
      checks::Outcome o;
      const checks::CheckType* type = checks::FindType(check.type);
      try {
        o = type->Score(check, ev_);
      } catch (const std::exception& e) {
        // A scoring bug must not take the whole submission down with it.
        o = checks::Outcome::Error(std::string("internal error while scoring: ") + e.what());
      }
      r.status = o.status;
      // A check worth nothing only reports what it saw: it cannot be
      // "failed" (no sentence of the assignment asks for it), only observed
      // or not (an error stays an error).
      if (r.insight && r.status == CheckStatus::kFail) {
        r.status = CheckStatus::kPass;
        o.message = "Reported, not graded: " + o.message;
      }
      r.score = RoundPoints(check.points * std::clamp(o.fraction, 0.0, 1.0));
      if (r.status == CheckStatus::kError || r.status == CheckStatus::kSkipped) r.score = 0;
      r.message = o.message;
      r.expected = o.expected;
      r.student = o.student;
      r.reference = o.reference;
      r.output = o.output;
      r.flaky = o.flaky;
    }
    return done_.emplace(check.id, std::move(r)).first->second;
  }

 private:
  const rubric::Rubric& rubric_;
  const checks::Evidence& ev_;
  std::map<std::string, CheckResult> done_;
};

}  // namespace

report::Late ComputeLate(const rubric::LatePolicy& policy, const fetch::Revision& rev,
                         double max_score) {
  report::Late late;
  if (!policy.deadline) return late;
  const bool use_tag = policy.time_source == "tag" && rev.tag_time.has_value();
  late.time_used = use_tag ? "tag" : "commit";
  late.submitted_at = use_tag ? *rev.tag_time : rev.commit_time;
  const double over_s = static_cast<double>(late.submitted_at - *policy.deadline) -
                        policy.grace_minutes * 60.0;
  std::string why = use_tag ? fmt::format("the time of tag '{}'", rev.ref)
                            : (policy.time_source == "tag"
                                   ? fmt::format("the commit time, because '{}' is not an annotated tag "
                                                 "with a time of its own", rev.ref)
                                   : "the commit time, as the rubric says");
  if (over_s <= 0) {
    late.explanation = fmt::format("On time: judged by {} against the deadline {}.", why,
                                   policy.deadline_text);
    return late;
  }
  late.late = true;
  late.days_late = over_s / 86400.0;
  const double days = std::ceil(late.days_late);
  const double fraction = std::min(policy.max_penalty, days * policy.penalty_per_day);
  late.penalty = RoundPoints(fraction * max_score);
  late.explanation = fmt::format(
      "Late by {:.1f} days (judged by {} against the deadline {}): {} point(s) removed.",
      late.days_late, why, policy.deadline_text, late.penalty);
  return late;
}

std::vector<PartDeadline> PartDeadlines(const rubric::Rubric& rubric) {
  std::vector<PartDeadline> out;
  for (const auto& p : rubric.parts) {
    if (p.deadline) out.push_back({p.title, p.points, *p.deadline, p.deadline_text});
  }
  return out;
}

report::Late ComputeLate(const rubric::LatePolicy& policy, const std::vector<PartDeadline>& parts,
                         const fetch::Revision& rev, double max_score) {
  if (parts.empty() || !policy.deadline) return ComputeLate(policy, rev, max_score);
  double rest = max_score;
  for (const auto& p : parts) rest -= p.points;
  report::Late late = ComputeLate(policy, rev, std::max(0.0, rest));
  std::string why;
  if (rest > 0) {
    why = "The parts without a deadline of their own: " + late.explanation;
  } else {  // every part has its own: the policy's deadline judges nothing
    late.late = false;
    late.days_late = 0;
    late.penalty = 0;
  }
  for (const auto& p : parts) {
    rubric::LatePolicy own = policy;
    own.deadline = p.deadline;
    own.deadline_text = p.deadline_text;
    const report::Late part = ComputeLate(own, rev, p.points);
    late.late = late.late || part.late;
    late.days_late = std::max(late.days_late, part.days_late);
    late.penalty += part.penalty;
    why += fmt::format("{}Part '{}': {}", why.empty() ? "" : " ", p.title, part.explanation);
  }
  late.penalty = RoundPoints(late.penalty);
  late.explanation = why;
  return late;
}

void Score(const rubric::Rubric& rubric, const checks::Evidence& ev, report::Result* result) {
  Evaluator eval(rubric, ev);
  result->checks.clear();
  for (const auto& check : rubric.checks) result->checks.push_back(eval.Get(check));
  result->parts.clear();
  double total = 0;
  for (const auto& part : rubric.parts) {
    report::PartResult pr{part.id, part.title, 0, part.points};
    for (const auto& c : result->checks) {
      if (c.part == part.id) pr.score += c.score;
    }
    pr.score = RoundPoints(pr.score);
    total += pr.score;
    result->parts.push_back(pr);
  }
  result->max_score = rubric.MaxScore();
  if (ev.snapshot != nullptr) {
    result->late =
        ComputeLate(rubric.late, PartDeadlines(rubric), ev.snapshot->revision, result->max_score);
  }
  result->score = RoundPoints(std::max(0.0, total - result->late.penalty));
}

}  // namespace ipc::score
