// grader grade SOURCE: one submission, end to end. The TA's rerun.
#include <fmt/format.h>

#include <iostream>

#include "cli/commands.h"
#include "cli/interrupt.h"
#include "cli/staff_options.h"
#include "report/feedback.h"
#include "util/error.h"

namespace ipc::cli {

int RunGrade(const GradeOptions& o) {
  std::string student = o.student.empty() ? fetch::StudentNameFromSource(o.source) : o.student;
  if (std::string why = pipeline::CheckStudentName(student); !why.empty()) {
    throw Fatal(why + " (name the student with --student)");
  }
  auto session = OpenSession(o.common);
  session->env.reuse_observations = !o.force;
  const auto staff_changes = InstallStaffChanges(o.staff, o.common.out_dir, &session->env);
  pipeline::GradeRequest req{student, o.source, o.refs};
  report::Result result = pipeline::GradeOne(req, session->env);
  if (Interrupts::Requested()) {
    std::cerr << "grader: interrupted; containers removed, no result written\n";
    return 128 + Interrupts::Signal();
  }
  report::WriteResultFiles(result, o.common.out_dir);
  for (const auto& a : result.adjustments) {
    if (a.problem.empty()) continue;
    std::cerr << fmt::format("grader: warning: {}: adjustment of {} '{}' not applied: {}\n",
                             result.student, a.kind, a.target, a.problem);
  }
  std::cout << report::SummaryLine(result) << "\n";
  for (const auto& c : result.checks) {
    if (c.status == report::CheckStatus::kPass || c.insight) continue;
    std::cout << fmt::format("  {:<8} {} ({}/{})\n", report::CheckStatusName(c.status), c.title,
                             c.score, c.max_score);
  }
  std::cout << fmt::format("  results: {}/{}/result.json, feedback.md\n", o.common.out_dir,
                           result.student);
  if (result.status != "graded") {
    std::cerr << "grader: " << result.student << " not graded: " << result.error << "\n";
    return 1;
  }
  return 0;
}

}  // namespace ipc::cli
