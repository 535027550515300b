#include "report/feedback.h"

#include <fmt/format.h>

#include <filesystem>

#include "util/fs.h"

namespace ipc::report {
namespace {

constexpr std::size_t kMaxOutputInFeedback = 4000;

std::string Points(double p) {
  std::string s = fmt::format("{:.2f}", p);
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s;
}

// A sentence of the assignment as a Markdown quote line (a line break in
// it stays inside the quote).
std::string QuoteLine(const std::string& sentence) {
  std::string out = "The assignment: \"";
  for (char ch : sentence) out += ch == '\n' ? std::string("\n> ") : std::string(1, ch);
  return out + "\"";
}

std::string Fence(const std::string& text) {
  std::string body = text.size() > kMaxOutputInFeedback
                         ? text.substr(0, kMaxOutputInFeedback) + "\n[... cut ...]"
                         : text;
  // A fence longer than any run of backticks inside cannot be closed early.
  std::string fence = "```";
  while (body.find(fence) != std::string::npos) fence += '`';
  return fence + "\n" + body + (body.empty() || body.back() != '\n' ? "\n" : "") + fence + "\n";
}

const char* Mark(CheckStatus s) {
  switch (s) {
    case CheckStatus::kPass: return "PASS";
    case CheckStatus::kFail: return "FAIL";
    case CheckStatus::kError: return "ERROR";
    case CheckStatus::kSkipped: return "SKIPPED";
  }
  return "?";
}

}  // namespace

std::string SummaryLine(const Result& r) {
  if (r.status != "graded") return fmt::format("{}  error: {}", r.student, r.error);
  return fmt::format("{}  {}/{}  {}@{}{}", r.student, Points(r.score), Points(r.max_score), r.ref,
                     r.commit.substr(0, 10), r.late.late ? "  (late)" : "");
}

std::string RenderFeedback(const Result& r, bool include_hidden) {
  std::string md = fmt::format("# Feedback for {}\n\n", r.student);
  if (r.status != "graded") {
    md += fmt::format("**Not graded.** {}\n\nThis is a problem with fetching or running your "
                      "submission, not a grade. Course staff have the same message.\n",
                      r.error);
    return md;
  }
  md += fmt::format("**Score: {} / {}**  \nGraded ref `{}` at commit `{}`{}.\n\n", Points(r.score),
                    Points(r.max_score), r.ref, r.commit,
                    r.ref_why.empty() ? "" : " (" + r.ref_why + ")");
  if (r.late.late || !r.late.explanation.empty()) md += r.late.explanation + "\n\n";
  if (!r.adjustments.empty()) {
    // Staff's manual adjustments (grader/staff/): the reason is for the
    // student; one that could not apply is for staff only.
    std::string rows;
    for (const auto& a : r.adjustments) {
      const std::string what = a.kind == "total" ? "Total" : a.kind + " `" + a.target + "`";
      if (!a.problem.empty()) {
        if (include_hidden) rows += fmt::format("- {}: NOT APPLIED ({}): {}\n", what, a.problem, a.reason);
        continue;
      }
      rows += fmt::format("- {}: {} → {}: {}\n", what, Points(a.before), Points(a.after), a.reason);
    }
    if (!rows.empty()) {
      md += fmt::format("**Adjusted by course staff** (automatic score {}):\n\n{}\n",
                        r.auto_score ? Points(*r.auto_score) : "?", rows);
    }
  }
  md += "| Part | Score |\n|---|---|\n";
  for (const auto& p : r.parts) {
    md += fmt::format("| {} ({}) | {} / {} |\n", p.title, p.id, Points(p.score), Points(p.max_score));
  }
  int hidden = 0;
  std::string passed, failed, insights;
  for (const auto& c : r.checks) {
    if (!include_hidden && c.visibility != "visible") {
      ++hidden;
      continue;
    }
    const std::string head = fmt::format("{} — {} ({} / {})", Mark(c.status), c.title,
                                         Points(c.score), Points(c.max_score));
    if (c.insight) {
      insights += fmt::format("### {}\n\n{}\n\n", c.title,
                              c.message.empty() ? c.student : c.message);
      continue;
    }
    if (c.status == CheckStatus::kPass && !c.flaky) {
      passed += "- " + head + "\n";
      continue;
    }
    std::string block = "### " + head + "\n\n";
    if (c.flaky) block += "This check passed only when rerun: the test is flaky.\n\n";
    if (!c.message.empty()) block += c.message + "\n\n";
    for (const auto& q : c.quotes) block += "> " + QuoteLine(q) + "\n";
    if (!c.quotes.empty()) block += "\n";
    if (!c.expected.empty()) block += "- **Expected:** " + c.expected + "\n";
    if (!c.student.empty()) block += "- **Yours:** " + c.student + "\n";
    if (!c.reference.empty()) block += "- **Reference:** " + c.reference + "\n";
    if (!c.output.empty()) block += "\nOutput:\n\n" + Fence(c.output);
    failed += block + "\n";
  }
  if (!failed.empty()) md += "\n## To fix\n\n" + failed;
  if (!passed.empty()) md += "\n## Passed\n\n" + passed;
  if (!insights.empty()) md += "\n## Insights (no points)\n\n" + insights;
  if (hidden > 0) md += fmt::format("\n{} hidden check(s) are not shown here.\n", hidden);
  return md;
}

void WriteResultFiles(const Result& r, const std::string& out_dir) {
  const std::filesystem::path dir = std::filesystem::path(out_dir) / r.student;
  std::filesystem::create_directories(dir);
  // feedback first: result.json is the marker that the student is done, so
  // it is written last.
  WriteFileAtomic((dir / "feedback.md").string(), RenderFeedback(r, true));
  // Student output can hold any bytes; invalid UTF-8 becomes U+FFFD rather
  // than an exception that would lose the whole result.
  WriteFileAtomic((dir / "result.json").string(),
                  ToJson(r).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
}

}  // namespace ipc::report
