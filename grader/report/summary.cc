#include "report/summary.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "report/text.h"

namespace ipc::report {
namespace {

double TotalSeconds(const Result& r) {
  if (auto it = r.timing.find("total"); it != r.timing.end()) return it->second;
  double sum = 0;
  for (const auto& [stage, s] : r.timing) sum += s;
  return sum;
}

std::string Percent(double fraction) { return fmt::format("{:.0f}%", fraction * 100); }

std::string Seconds(double s) { return fmt::format("{:.1f} s", s); }

constexpr const char* kCss = R"(
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto;
       max-width: 1100px; padding: 0 1rem; color: #1d1d1d; line-height: 1.4; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; }
h2 { font-size: 1.2rem; margin-top: 2rem; border-bottom: 1px solid #ddd; padding-bottom: .2rem; }
.stats { display: flex; flex-wrap: wrap; gap: .6rem; margin: 1rem 0; }
.stat { background: #f3f5f8; border-radius: 6px; padding: .5rem .9rem; min-width: 7rem; }
.stat b { display: block; font-size: 1.3rem; }
table { border-collapse: collapse; width: 100%; font-size: .92rem; }
th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid #e6e6e6;
         vertical-align: top; }
th { background: #f3f5f8; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.cause { word-break: break-word; font-family: ui-monospace, monospace; font-size: .85rem; }
.bar { background: #f0d4d4; height: .8rem; width: 8rem; border-radius: 3px; display: inline-block;
       vertical-align: middle; margin-right: .4rem; }
.bar span { background: #5a9a5a; height: 100%; display: block; border-radius: 3px; }
.none { color: #666; font-style: italic; }
.tag { font-size: .75rem; background: #eee; border-radius: 3px; padding: 0 .3rem; }
figure { margin: 1rem 0; }
figure svg { width: 100%; max-width: 860px; height: auto; }
)";

}  // namespace

double ClassSummary::CheckRate::PassRate() const {
  const int all = passed + NotPassed();
  return all == 0 ? 0 : static_cast<double>(passed) / all;
}

ClassSummary Summarize(const std::vector<Result>& results, std::vector<std::string> notes) {
  ClassSummary s;
  s.notes = std::move(notes);
  s.students = static_cast<int>(results.size());
  std::vector<double> scores;
  std::map<std::string, ClassSummary::CheckRate> rates;
  std::vector<std::string> check_order;
  std::map<std::string, ClassSummary::Flaky> flaky;
  for (const auto& r : results) {
    s.max_score = std::max(s.max_score, r.max_score);
    s.slowest.push_back({r.student, TotalSeconds(r), r.status});
    if (r.status != "graded") {
      ++s.errors;
      s.problems.push_back({r.student, r.error});
      continue;
    }
    ++s.graded;
    if (r.late.late) ++s.late;
    if (!r.adjustments.empty() || !r.late.extended_to.empty()) {
      std::string d;
      if (r.auto_score) d = fmt::format("{} → {}", FormatPoints(*r.auto_score), FormatPoints(r.score));
      for (const auto& a : r.adjustments) {
        d += (d.empty() ? "" : "; ") + a.kind + (a.target.empty() ? "" : " " + a.target) +
             (a.problem.empty() ? ": " : " (NOT APPLIED: " + a.problem + "): ") + a.reason;
      }
      if (!r.late.extended_to.empty()) {
        d += (d.empty() ? "" : "; ") + std::string("deadline extended to ") + r.late.extended_to;
      }
      s.adjusted.push_back({r.student, d});
    }
    scores.push_back(r.score);
    for (const auto& c : r.checks) {
      auto [it, added] = rates.try_emplace(c.id);
      if (added) check_order.push_back(c.id);
      ClassSummary::CheckRate& rate = it->second;
      rate.id = c.id;
      rate.title = c.title;
      rate.part = c.part;
      rate.insight = c.insight;
      switch (c.status) {
        case CheckStatus::kPass: ++rate.passed; break;
        case CheckStatus::kFail: ++rate.failed; break;
        case CheckStatus::kError: ++rate.errors; break;
        case CheckStatus::kSkipped: ++rate.skipped; break;
      }
      if (c.flaky) {
        auto& f = flaky[c.id];
        f.id = c.id;
        f.title = c.title;
        f.students.push_back(r.student);
      }
    }
  }
  if (!scores.empty()) {
    std::sort(scores.begin(), scores.end());
    double sum = 0;
    for (double v : scores) sum += v;
    s.mean = sum / static_cast<double>(scores.size());
    const std::size_t mid = scores.size() / 2;
    s.median = scores.size() % 2 ? scores[mid] : (scores[mid - 1] + scores[mid]) / 2;
    s.lowest = scores.front();
    s.highest = scores.back();
  }
  s.histogram = MakeHistogram(scores, s.max_score);
  for (const auto& id : check_order) s.checks.push_back(rates[id]);
  std::stable_sort(s.checks.begin(), s.checks.end(), [](const auto& a, const auto& b) {
    if (a.NotPassed() != b.NotPassed()) return a.NotPassed() > b.NotPassed();
    return a.id < b.id;
  });
  for (auto& [id, f] : flaky) {
    std::sort(f.students.begin(), f.students.end());
    s.flaky.push_back(std::move(f));
  }
  std::sort(s.problems.begin(), s.problems.end(),
            [](const auto& a, const auto& b) { return a.student < b.student; });
  std::sort(s.slowest.begin(), s.slowest.end(), [](const auto& a, const auto& b) {
    if (a.seconds != b.seconds) return a.seconds > b.seconds;
    return a.student < b.student;
  });
  if (s.slowest.size() > 5) s.slowest.resize(5);
  return s;
}

std::string RenderSummaryMarkdown(const ClassSummary& s, const std::string& histogram_file) {
  const auto md = [](const std::string& t) { return MarkdownInline(t); };
  std::string out = "# Grading summary\n\n";
  out += fmt::format(
      "{} students: {} graded, {} not graded (errors), {} late.  \n"
      "Scores out of {}: mean {}, median {}, lowest {}, highest {}.\n\n",
      s.students, s.graded, s.errors, s.late, FormatPoints(s.max_score), FormatPoints(s.mean),
      FormatPoints(s.median), FormatPoints(s.lowest), FormatPoints(s.highest));
  out += fmt::format("## Score distribution\n\n![Score distribution]({})\n\n", histogram_file);
  out += "## Checks, most failed first\n\n";
  if (s.checks.empty()) out += "_No graded results._\n";
  if (!s.checks.empty()) {
    out +=
        "| Check | Part | Passed | Failed | Errors | Skipped | Pass rate |\n"
        "|---|---|---:|---:|---:|---:|---:|\n";
  }
  for (const auto& c : s.checks) {
    out += fmt::format("| {}{} | {} | {} | {} | {} | {} | {} |\n", md(c.title),
                       c.insight ? " (insight)" : "", md(c.part), c.passed, c.failed, c.errors,
                       c.skipped, Percent(c.PassRate()));
  }
  out += "\n## Errors (not graded)\n\n";
  if (s.problems.empty()) out += "_None._\n";
  if (!s.problems.empty()) out += "| Student | Cause |\n|---|---|\n";
  for (const auto& p : s.problems) {
    out += fmt::format("| {} | {} |\n", md(p.student), md(OneLine(p.cause, 400)));
  }
  out += "\n## Flaky checks (passed only on a rerun)\n\n";
  if (s.flaky.empty()) out += "_None._\n";
  for (const auto& f : s.flaky) {
    std::string who;
    for (const auto& st : f.students) who += (who.empty() ? "" : ", ") + md(st);
    out += fmt::format("- {} ({} student(s)): {}\n", md(f.title), f.students.size(), who);
  }
  out += "\n## Slowest submissions\n\n";
  if (s.slowest.empty()) out += "_None._\n";
  if (!s.slowest.empty()) out += "| Student | Time | Status |\n|---|---:|---|\n";
  for (const auto& w : s.slowest) {
    out += fmt::format("| {} | {} | {} |\n", md(w.student), Seconds(w.seconds), md(w.status));
  }
  if (!s.adjusted.empty()) {
    out += "\n## Adjusted by staff\n\n| Student | Change |\n|---|---|\n";
    for (const auto& a : s.adjusted) {
      out += fmt::format("| {} | {} |\n", md(a.student), md(OneLine(a.detail, 600)));
    }
  }
  if (!s.notes.empty()) {
    out += "\n## Notes\n\n";
    for (const auto& n : s.notes) out += "- " + md(OneLine(n, 400)) + "\n";
  }
  return out;
}

std::string RenderSummaryHtml(const ClassSummary& s, const std::string& histogram_svg) {
  const auto h = [](const std::string& t) { return HtmlEscape(t); };
  std::string out = fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<title>Grading summary</title>\n<style>{}</style>\n</head>\n<body>\n"
      "<h1>Grading summary</h1>\n<div class=\"stats\">\n",
      kCss);
  const auto stat = [&out](const std::string& value, const std::string& label) {
    out += fmt::format("<div class=\"stat\"><b>{}</b>{}</div>\n", value, label);
  };
  stat(std::to_string(s.students), "students");
  stat(std::to_string(s.graded), "graded");
  stat(std::to_string(s.errors), "not graded");
  stat(std::to_string(s.late), "late");
  stat(FormatPoints(s.mean) + " / " + FormatPoints(s.max_score), "mean");
  stat(FormatPoints(s.median), "median");
  stat(FormatPoints(s.lowest) + " – " + FormatPoints(s.highest), "range");
  out += "</div>\n<h2>Score distribution</h2>\n<figure>\n" + histogram_svg + "</figure>\n";

  out += "<h2>Checks, most failed first</h2>\n";
  if (s.checks.empty()) {
    out += "<p class=\"none\">No graded results.</p>\n";
  } else {
    out +=
        "<table>\n<tr><th>Check</th><th>Part</th><th class=\"num\">Passed</th>"
        "<th class=\"num\">Failed</th><th class=\"num\">Errors</th>"
        "<th class=\"num\">Skipped</th><th class=\"num\">Pass rate</th></tr>\n";
    for (const auto& c : s.checks) {
      out += fmt::format(
          "<tr><td>{}{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>"
          "<td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">"
          "<span class=\"bar\"><span style=\"width:{:.0f}%\"></span></span>{}</td></tr>\n",
          h(c.title), c.insight ? " <span class=\"tag\">insight</span>" : "", h(c.part), c.passed,
          c.failed, c.errors, c.skipped, c.PassRate() * 100, Percent(c.PassRate()));
    }
    out += "</table>\n";
  }

  out += "<h2>Errors (not graded)</h2>\n";
  if (s.problems.empty()) {
    out += "<p class=\"none\">None.</p>\n";
  } else {
    out += "<table>\n<tr><th>Student</th><th>Cause</th></tr>\n";
    for (const auto& p : s.problems) {
      out += fmt::format("<tr><td>{}</td><td class=\"cause\">{}</td></tr>\n", h(p.student),
                         h(OneLine(p.cause, 1000)));
    }
    out += "</table>\n";
  }

  out += "<h2>Flaky checks (passed only on a rerun)</h2>\n";
  if (s.flaky.empty()) {
    out += "<p class=\"none\">None.</p>\n";
  } else {
    out += "<table>\n<tr><th>Check</th><th class=\"num\">Students</th><th>Who</th></tr>\n";
    for (const auto& f : s.flaky) {
      std::string who;
      for (const auto& st : f.students) who += (who.empty() ? "" : ", ") + h(st);
      out += fmt::format("<tr><td>{}</td><td class=\"num\">{}</td><td>{}</td></tr>\n", h(f.title),
                         f.students.size(), who);
    }
    out += "</table>\n";
  }

  out += "<h2>Slowest submissions</h2>\n";
  if (s.slowest.empty()) {
    out += "<p class=\"none\">None.</p>\n";
  } else {
    out += "<table>\n<tr><th>Student</th><th class=\"num\">Time</th><th>Status</th></tr>\n";
    for (const auto& w : s.slowest) {
      out += fmt::format("<tr><td>{}</td><td class=\"num\">{}</td><td>{}</td></tr>\n", h(w.student),
                         Seconds(w.seconds), h(w.status));
    }
    out += "</table>\n";
  }
  if (!s.adjusted.empty()) {
    out += "<h2>Adjusted by staff</h2>\n<table>\n<tr><th>Student</th><th>Change</th></tr>\n";
    for (const auto& a : s.adjusted) {
      out += fmt::format("<tr><td>{}</td><td>{}</td></tr>\n", h(a.student),
                         h(OneLine(a.detail, 1000)));
    }
    out += "</table>\n";
  }
  if (!s.notes.empty()) {
    out += "<h2>Notes</h2>\n<ul>\n";
    for (const auto& n : s.notes) out += "<li>" + h(OneLine(n, 1000)) + "</li>\n";
    out += "</ul>\n";
  }
  return out + "</body>\n</html>\n";
}

}  // namespace ipc::report
