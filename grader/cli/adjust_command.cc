// grader adjust STUDENT --check ID --points -2 --reason "...": the TA's
// one-line manual adjustment, appended to the staff file (never to a
// result: the next grading applies it, and every later one too).
// grader adjust --list [STUDENT]: what is in the file.
#include <fmt/format.h>
#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <iostream>

#include "cli/commands.h"
#include "cli/staff_options.h"
#include "staff/adjustments.h"
#include "util/error.h"

namespace ipc::cli {
namespace {

std::string NowUtc() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

int RunList(const AdjustOptions& o, const std::string& path) {
  const staff::AdjustmentFile f = staff::LoadAdjustments(path);
  for (const auto& p : f.problems) std::cerr << "grader: " << p << "\n";
  std::optional<rubric::Rubric> rubric;
  if (!o.rubric_path.empty()) rubric = LoadAndValidateRubric(o.rubric_path);
  int shown = 0;
  for (const auto& a : f.entries) {
    if (!o.student.empty() && a.student != o.student) continue;
    ++shown;
    std::string note;
    if (rubric) {
      const std::string why = staff::CheckTarget(*rubric, a.kind, a.target);
      if (!why.empty()) note = "  [NOT APPLIED: " + why + "]";
    }
    std::cout << fmt::format("{}:{}: {}{}\n", path, a.line, staff::DescribeAdjustment(a), note);
  }
  if (shown == 0) std::cout << fmt::format("{}: no adjustments{}\n", path,
                                           o.student.empty() ? "" : " for " + o.student);
  return f.problems.empty() ? 0 : 1;
}

}  // namespace

int RunAdjust(const AdjustOptions& o) {
  const std::string path = AdjustmentsPath(o.staff, o.out_dir);
  if (o.list) return RunList(o, path);
  if (o.student.empty()) throw Fatal("name the student: grader adjust STUDENT --check ID ...");
  if (std::string why = pipeline::CheckStudentName(o.student); !why.empty()) throw Fatal(why);
  staff::Adjustment a;
  a.student = o.student;
  const int targets = !o.check.empty() + !o.part.empty() + o.total;
  if (targets != 1) throw Fatal("give exactly one of --check ID, --part ID or --total");
  a.kind = !o.check.empty() ? "check" : !o.part.empty() ? "part" : "total";
  a.target = !o.check.empty() ? o.check : o.part;
  if (o.points.has_value() == o.score.has_value()) {
    throw Fatal("give exactly one of --points +/-X (added) or --score X (replaces the "
                "automatic score)");
  }
  a.points = o.points;
  a.score = o.score;
  if (o.reason.empty()) throw Fatal("--reason is required: the student reads it in the feedback");
  a.reason = o.reason;
  a.by = o.by;
  if (a.by.empty()) {
    const char* user = std::getenv("USER");
    if (user == nullptr || !*user) user = std::getenv("LOGNAME");
    if (user == nullptr || !*user) {
      const passwd* pw = ::getpwuid(::getuid());
      user = pw ? pw->pw_name : nullptr;
    }
    a.by = user ? user : "";
  }
  a.at = NowUtc();
  const rubric::Rubric rubric =
      LoadAndValidateRubric(o.rubric_path.empty() ? DefaultRubricPath() : o.rubric_path);
  if (std::string why = staff::CheckTarget(rubric, a.kind, a.target); !why.empty()) {
    throw Fatal(why + ": nothing written");
  }
  staff::AppendAdjustment(path, a);
  std::cout << fmt::format("{}: added: {}\n", path, staff::DescribeAdjustment(a));
  if (!std::filesystem::exists(std::filesystem::path(o.out_dir) / o.student / "result.json")) {
    std::cout << fmt::format("  note: {} has no result in {} yet; it applies when they are "
                             "graded\n", o.student, o.out_dir);
  }
  std::cout << fmt::format("  applies at the next grading (grader batch ... --out {} re-scores "
                           "only {}; their kept observations are reused)\n",
                           o.out_dir, o.student);
  return 0;
}

}  // namespace ipc::cli
