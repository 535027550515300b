#include "staff/staff_changes.h"

#include <fmt/format.h>

#include <algorithm>
#include <optional>

#include "score/scorer.h"

namespace ipc::staff {
namespace {

double Clamp(double v, double max) { return score::RoundPoints(std::clamp(v, 0.0, max)); }

void Change(const Adjustment& a, double* value, double max, report::AppliedAdjustment* out) {
  out->before = *value;
  *value = Clamp(a.points ? *value + *a.points : *a.score, max);
  out->after = *value;
}

report::AppliedAdjustment Applied(const Adjustment& a) {
  report::AppliedAdjustment r;
  r.kind = a.kind;
  r.target = a.target;
  r.points = a.points;
  r.score = a.score;
  r.reason = a.reason;
  r.by = a.by;
  r.at = a.at;
  return r;
}

bool SameInput(const report::AppliedAdjustment& s, const Adjustment& a) {
  return s.kind == a.kind && s.target == a.target && s.points == a.points &&
         s.score == a.score && s.reason == a.reason && s.by == a.by && s.at == a.at;
}

// The rubric has the target but the result does not: a result kept from a
// grading under an older rubric.
std::string NotInResult(const std::string& kind, const std::string& target) {
  return fmt::format("this result has no {} '{}': it was graded before the rubric had it, and "
                     "kept since (the repository could not be reached); the next grading "
                     "applies it",
                     kind, target);
}

}  // namespace

StaffChanges::StaffChanges(const rubric::Rubric* rubric, AdjustmentFile adjustments,
                           ExtensionFile extensions)
    : rubric_(rubric), adjustments_(std::move(adjustments)), extensions_(std::move(extensions)) {}

std::vector<const Adjustment*> StaffChanges::For(const std::string& student) const {
  std::vector<const Adjustment*> out;
  for (const auto& a : adjustments_.entries) {
    if (a.student == student) out.push_back(&a);
  }
  return out;
}

const Extension* StaffChanges::ExtensionFor(const std::string& student) const {
  const auto it = extensions_.by_student.find(student);
  return it == extensions_.by_student.end() ? nullptr : &it->second;
}

std::string StaffChanges::ExtendedTo(const std::string& student) const {
  const Extension* e = ExtensionFor(student);
  if (e == nullptr) return "";
  const auto d = ExtendedDeadline(*e, rubric_->late);
  return d ? FormatUtc(*d) : "";
}

void StaffChanges::Apply(report::Result* r) const {
  // 0. A stored result (one kept because its repository could not be
  //    reached) carries the adjustments of its last scoring: take them back
  //    to the automatic scores first. Check adjustments are undone here, in
  //    reverse, from their `before`; part and total ones by the sums below.
  //    A fresh result has none.
  for (auto a = r->adjustments.rbegin(); a != r->adjustments.rend(); ++a) {
    if (a->kind != "check" || !a->problem.empty()) continue;
    for (auto& c : r->checks) {
      if (c.id == a->target) c.score = a->before;
    }
  }
  // 1. The student's own deadline, or the rubric's again for a stored
  //    result whose extension was withdrawn. Everything the late policy
  //    reads (ref, commit and tag times) is in the result.
  const Extension* e = ExtensionFor(r->student);
  const std::optional<std::int64_t> extended =
      e != nullptr ? ExtendedDeadline(*e, rubric_->late) : std::nullopt;
  if (extended || !r->late.extended_to.empty()) {
    rubric::LatePolicy policy = rubric_->late;
    if (extended) {
      policy.deadline = extended;
      policy.deadline_text = FormatUtc(*extended);
    }
    // Part deadlines move with the student's: by as much as the rubric's.
    std::vector<score::PartDeadline> parts = score::PartDeadlines(*rubric_);
    if (extended && rubric_->late.deadline) {
      for (auto& p : parts) {
        p.deadline += *extended - *rubric_->late.deadline;
        p.deadline_text = FormatUtc(p.deadline);
      }
    }
    fetch::Revision rev;
    rev.ref = r->ref;
    rev.commit = r->commit;
    rev.commit_time = r->commit_time;
    rev.tag_time = r->tag_time;
    r->late = score::ComputeLate(policy, parts, rev, r->max_score);
    if (extended) {
      r->late.extended_to = policy.deadline_text;
      r->late.extension_reason = e->reason;
      r->late.explanation = fmt::format("Deadline extended to {} for you. {}",
                                        policy.deadline_text, r->late.explanation);
    }
  }
  auto sum_parts = [r] {
    for (auto& p : r->parts) {
      double s = 0;
      for (const auto& c : r->checks) {
        if (c.part == p.id) s += c.score;
      }
      p.score = score::RoundPoints(s);
    }
  };
  auto total = [r] {
    double t = 0;
    for (const auto& p : r->parts) t += p.score;
    return score::RoundPoints(std::max(0.0, t - r->late.penalty));
  };
  sum_parts();
  r->score = total();
  r->adjustments.clear();
  r->auto_score.reset();
  const auto mine = For(r->student);
  if (mine.empty()) return;
  r->auto_score = r->score;
  // 2. Checks, then the parts they sum into, then parts, then the total;
  //    listed in file order, the order staff wrote them in.
  std::vector<report::AppliedAdjustment> applied(mine.size());
  for (const std::string kind : {"check", "part", "total"}) {
    for (std::size_t i = 0; i < mine.size(); ++i) {
      const Adjustment* a = mine[i];
      if (a->kind != kind) continue;
      report::AppliedAdjustment& out = applied[i] = Applied(*a);
      if (kind == "check") {
        auto c = std::find_if(r->checks.begin(), r->checks.end(),
                              [&](const auto& x) { return x.id == a->target; });
        if (c == r->checks.end()) {
          out.problem = CheckTarget(*rubric_, "check", a->target);
          if (out.problem.empty()) out.problem = NotInResult("check", a->target);
        } else {
          Change(*a, &c->score, c->max_score, &out);
        }
      } else if (kind == "part") {
        auto p = std::find_if(r->parts.begin(), r->parts.end(),
                              [&](const auto& x) { return x.id == a->target; });
        if (p == r->parts.end()) {
          out.problem = CheckTarget(*rubric_, "part", a->target);
          if (out.problem.empty()) out.problem = NotInResult("part", a->target);
        } else {
          Change(*a, &p->score, p->max_score, &out);
        }
      } else {
        Change(*a, &r->score, r->max_score, &out);
      }
    }
    if (kind == "check") sum_parts();
    if (kind != "total") r->score = total();
  }
  r->adjustments = std::move(applied);
}

std::string StaffChanges::WhyStale(const report::Result& stored) const {
  const std::string extended = ExtendedTo(stored.student);
  if (stored.late.extended_to != extended) {
    return fmt::format("extension changed (deadline {} -> {})",
                       stored.late.extended_to.empty() ? "the rubric's" : stored.late.extended_to,
                       extended.empty() ? "the rubric's" : extended);
  }
  const auto mine = For(stored.student);
  bool same = mine.size() == stored.adjustments.size();
  for (std::size_t i = 0; same && i < mine.size(); ++i) {
    same = SameInput(stored.adjustments[i], *mine[i]);
  }
  return same ? "" : "adjustments changed";
}

}  // namespace ipc::staff
