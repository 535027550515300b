// Applying staff's extensions and adjustments to a freshly scored result
// (pipeline::Environment::staff_apply) and telling whether a stored result
// still matches them (staff_why_stale, for resume). Apply also takes a
// stored result (the batch keeps one whose repository cannot be reached):
// it first takes back the adjustments that result carries, and recomputes
// the late penalty from the ref, commit and tag times the result stores.
//
// Order: the student's deadline replaces the rubric's (late penalty
// recomputed); the automatic score is kept as `auto_score`; then check
// adjustments, part sums, part adjustments, the late penalty, total
// adjustments. Every adjusted score stays within 0..its maximum.
#pragma once

#include <string>
#include <vector>

#include "report/result.h"
#include "rubric/rubric.h"
#include "staff/adjustments.h"
#include "staff/extensions.h"

namespace ipc::staff {

class StaffChanges {
 public:
  StaffChanges(const rubric::Rubric* rubric, AdjustmentFile adjustments, ExtensionFile extensions);

  void Apply(report::Result* result) const;
  std::string WhyStale(const report::Result& stored) const;

  std::vector<const Adjustment*> For(const std::string& student) const;
  const Extension* ExtensionFor(const std::string& student) const;
  // The deadline text that applies to `student` ("" = the rubric's).
  std::string ExtendedTo(const std::string& student) const;

  const AdjustmentFile& adjustments() const { return adjustments_; }
  const ExtensionFile& extensions() const { return extensions_; }

 private:
  const rubric::Rubric* rubric_;
  AdjustmentFile adjustments_;
  ExtensionFile extensions_;
};

}  // namespace ipc::staff
