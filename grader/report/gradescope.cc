#include "report/gradescope.h"

#include <fmt/format.h>

#include <cmath>
#include <filesystem>
#include <map>

#include "report/text.h"
#include "util/fs.h"

namespace ipc::report {

using nlohmann::json;

namespace {

// Gradescope's four visibility values; anything else (a rubric from a newer
// grader, a typo in a hand-edited result) is treated as hidden: showing a
// hidden test by mistake cannot be undone.
std::string GradescopeVisibility(const std::string& v) {
  if (v == "visible" || v == "hidden" || v == "after_due_date" || v == "after_published") {
    return v;
  }
  return "hidden";
}

std::string CheckOutput(const CheckResult& c) {
  std::string out;
  const auto line = [&out](const std::string& label, const std::string& text) {
    if (text.empty()) return;
    out += label + text + "\n";
  };
  if (c.flaky) out += "This check passed only when rerun: the test is flaky.\n";
  line("", c.message);
  line("Expected: ", c.expected);
  line("Yours: ", c.student);
  line("Reference: ", c.reference);
  if (!c.output.empty()) out += "\nOutput:\n" + c.output + (c.output.back() == '\n' ? "" : "\n");
  return ValidUtf8(out);
}

json ErrorTests(const Result& r) {
  return json::array({{
      {"name", "Not graded: autograder error"},
      {"number", "1.1"},
      {"score", 0},
      {"max_score", 0},
      {"status", "failed"},
      {"output", ValidUtf8("The autograder could not grade this submission: " + r.error +
                           "\nThis is not a grade: course staff will look into it and regrade.")},
      {"output_format", "text"},
      {"visibility", "visible"},
      {"tags", json::array()},
  }});
}

std::string TopOutput(const Result& r) {
  if (r.status != "graded") {
    return "**Not graded.** The autograder could not grade this submission (see the test "
           "below). This is not a grade: course staff will regrade it.";
  }
  std::string md = fmt::format("Score {} / {}; graded ref `{}` at commit `{}`.",
                               FormatPoints(r.score), FormatPoints(r.max_score),
                               MarkdownInline(r.ref), MarkdownInline(r.commit.substr(0, 12)));
  if (r.late.late) {
    md += fmt::format("\n\nLate: {} day(s), {} point(s) removed.",
                      FormatPoints(std::ceil(r.late.days_late)), FormatPoints(r.late.penalty));
  }
  if (!r.late.extended_to.empty()) md += "\n\nDeadline extended to " + r.late.extended_to + ".";
  for (const auto& a : r.adjustments) {
    if (!a.problem.empty()) continue;
    md += fmt::format("\n\nAdjusted by course staff ({}{}: {} -> {}): {}", a.kind,
                      a.target.empty() ? "" : " " + MarkdownInline(a.target),
                      FormatPoints(a.before), FormatPoints(a.after), MarkdownInline(a.reason));
  }
  return md;
}

}  // namespace

json ToGradescope(const Result& r) {
  const bool graded = r.status == "graded";
  json tests = json::array();
  if (graded) {
    std::map<std::string, int> checks_in_part;
    for (const auto& c : r.checks) {
      std::size_t part_index = r.parts.size();  // unknown part: after the rest
      for (std::size_t i = 0; i < r.parts.size(); ++i) {
        if (r.parts[i].id == c.part) part_index = i;
      }
      const int check_index = ++checks_in_part[c.part];
      tests.push_back({
          {"name", ValidUtf8(c.title.empty() ? c.id : c.title)},
          {"number", fmt::format("{}.{}", part_index + 1, check_index)},
          {"score", c.score},
          {"max_score", c.max_score},
          {"status", c.status == CheckStatus::kPass ? "passed" : "failed"},
          {"output", CheckOutput(c)},
          {"output_format", "text"},
          {"visibility", GradescopeVisibility(c.visibility)},
          {"tags", json::array({ValidUtf8(c.part)})},
          {"extra_data",
           {{"check", ValidUtf8(c.id)},
            {"status", CheckStatusName(c.status)},
            {"insight", c.insight},
            {"flaky", c.flaky}}},
      });
    }
  } else {
    tests = ErrorTests(r);
  }
  double total = 0;
  if (auto it = r.timing.find("total"); it != r.timing.end()) {
    total = it->second;
  } else {
    for (const auto& [stage, s] : r.timing) total += s;
  }
  json extra = {
      {"student", ValidUtf8(r.student)},
      {"status", ValidUtf8(r.status)},
      {"ref", ValidUtf8(r.ref)},
      {"commit", ValidUtf8(r.commit)},
      {"late", r.late.late},
      {"late_penalty", r.late.penalty},
      {"rubric_sha256", ValidUtf8(r.provenance.rubric_sha256)},
      {"grader_version", ValidUtf8(r.provenance.grader_version)},
  };
  if (!graded) extra["error"] = ValidUtf8(r.error);
  if (r.auto_score) extra["auto_score"] = *r.auto_score;
  if (!r.adjustments.empty()) {
    json adj = json::array();
    for (const auto& a : r.adjustments) {
      adj.push_back({{"kind", a.kind}, {"target", ValidUtf8(a.target)},
                     {"reason", ValidUtf8(a.reason)}, {"before", a.before}, {"after", a.after},
                     {"applied", a.problem.empty()}});
    }
    extra["adjustments"] = std::move(adj);
  }
  if (!r.late.extended_to.empty()) extra["extended_to"] = r.late.extended_to;
  return {
      {"score", graded ? r.score : 0.0},
      {"execution_time", static_cast<long long>(std::llround(total))},
      {"output", TopOutput(r)},
      {"output_format", "md"},
      {"test_output_format", "text"},
      {"visibility", "visible"},
      {"stdout_visibility", "hidden"},
      {"extra_data", extra},
      {"tests", tests},
  };
}

void WriteGradescopeFile(const Result& r, const std::string& out_dir) {
  const std::filesystem::path dir = std::filesystem::path(out_dir) / r.student;
  std::filesystem::create_directories(dir);
  // Every string is already valid UTF-8; `replace` keeps a missed one from
  // throwing in the middle of a batch.
  WriteFileAtomic((dir / "results.json").string(),
                  ToGradescope(r).dump(2, ' ', false, json::error_handler_t::replace) + "\n");
}

}  // namespace ipc::report
