#include "staff/changes.h"

#include <fmt/format.h>

#include <map>

#include "report/text.h"

namespace ipc::staff {
namespace {

std::string Pts(double p) {
  std::string s = fmt::format("{:.2f}", p);
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s;
}

std::string Total(const std::optional<double>& v, const std::string& status) {
  if (v) return Pts(*v);
  return status.empty() ? "(none)" : "(" + status + ")";
}

bool SameAdjustments(const report::Result& a, const report::Result& b) {
  if (a.adjustments.size() != b.adjustments.size()) return false;
  for (std::size_t i = 0; i < a.adjustments.size(); ++i) {
    const auto& x = a.adjustments[i];
    const auto& y = b.adjustments[i];
    if (x.kind != y.kind || x.target != y.target || x.points != y.points || x.score != y.score ||
        x.reason != y.reason || x.after != y.after || x.problem != y.problem) {
      return false;
    }
  }
  return true;
}

std::optional<StudentChange> Compare(const std::string& student, const report::Result* a,
                                     const report::Result* b) {
  StudentChange c;
  c.student = student;
  auto total = [](const report::Result* r) -> std::optional<double> {
    if (r == nullptr || r->status != "graded") return std::nullopt;
    return r->score;
  };
  c.before = total(a);
  c.after = total(b);
  c.before_status = a ? a->status : "";
  c.after_status = b ? b->status : "";
  if (a == nullptr) c.why.push_back("new result");
  if (b == nullptr) c.why.push_back("no result any more");
  if (a && b) {
    if (a->commit != b->commit) {
      c.why.push_back(fmt::format("commit changed {} → {}", a->commit.substr(0, 10),
                                  b->commit.substr(0, 10)));
    }
    if (a->provenance.rubric_sha256 != b->provenance.rubric_sha256) c.why.push_back("rubric changed");
    if (a->provenance.grader_version != b->provenance.grader_version) {
      c.why.push_back("grader changed");
    }
    if (a->late.extended_to != b->late.extended_to) {
      c.why.push_back(b->late.extended_to.empty() ? "extension removed"
                                                  : "extension to " + b->late.extended_to);
    }
    if (!SameAdjustments(*a, *b)) c.why.push_back("adjustment");
    if (a->status != b->status) {
      c.why.push_back(fmt::format("status {} → {}", a->status, b->status));
    }
    std::map<std::string, const report::CheckResult*> old;
    for (const auto& ch : a->checks) old[ch.id] = &ch;
    bool flaky = false;
    for (const auto& ch : b->checks) {
      const auto it = old.find(ch.id);
      const report::CheckResult* o = it == old.end() ? nullptr : it->second;
      const std::string after = report::CheckStatusName(ch.status);
      const std::string before = o ? report::CheckStatusName(o->status) : "";
      if (o == nullptr || before != after || o->score != ch.score) {
        c.checks.push_back({ch.id, before, after, o ? o->score : 0, ch.score});
        flaky = flaky || ch.flaky || (o && o->flaky);
      }
      if (o) old.erase(it);
    }
    for (const auto& [id, o] : old) {
      c.checks.push_back({id, report::CheckStatusName(o->status), "", o->score, 0});
    }
    if (flaky) c.why.push_back("flaky");
  }
  const bool moved = c.before != c.after || c.before_status != c.after_status || !c.checks.empty();
  if (!moved) return std::nullopt;
  if (c.why.empty()) c.why.push_back("same commit and rubric: the observations differ");
  return c;
}

}  // namespace

std::vector<StudentChange> CompareResults(const std::vector<report::Result>& before,
                                          const std::vector<report::Result>& after) {
  std::map<std::string, std::pair<const report::Result*, const report::Result*>> all;
  for (const auto& r : before) all[r.student].first = &r;
  for (const auto& r : after) all[r.student].second = &r;
  std::vector<StudentChange> out;
  for (const auto& [student, pair] : all) {
    if (auto c = Compare(student, pair.first, pair.second)) out.push_back(std::move(*c));
  }
  return out;
}

std::string RenderChangesMarkdown(const std::vector<StudentChange>& changes,
                                  const std::string& before_label, const std::string& after_label) {
  std::string md = fmt::format("# What changed\n\nFrom {} to {}: {} student(s) changed.\n",
                               report::MarkdownInline(before_label),
                               report::MarkdownInline(after_label), changes.size());
  if (changes.empty()) return md;
  md += "\n| Student | Before | After | Why | Checks |\n|---|---:|---:|---|---|\n";
  for (const auto& c : changes) {
    std::string why, checks;
    for (const auto& w : c.why) why += (why.empty() ? "" : "; ") + w;
    for (const auto& m : c.checks) {
      checks += (checks.empty() ? "" : "; ") +
                fmt::format("{} {} → {}", m.id, m.before_status.empty() ? "(new)" : m.before_status,
                            m.after_status.empty() ? "(gone)" : m.after_status);
      if (m.before_status == m.after_status) {
        checks += fmt::format(" ({} → {})", Pts(m.before_score), Pts(m.after_score));
      }
    }
    md += fmt::format("| {} | {} | {} | {} | {} |\n", report::MarkdownInline(c.student),
                      Total(c.before, c.before_status), Total(c.after, c.after_status),
                      report::MarkdownInline(why), report::MarkdownInline(checks));
  }
  return md;
}

std::string RenderChangesCsv(const std::vector<StudentChange>& changes) {
  std::string out = "student,before,after,delta,why,checks\r\n";
  for (const auto& c : changes) {
    std::string why, checks;
    for (const auto& w : c.why) why += (why.empty() ? "" : "; ") + w;
    for (const auto& m : c.checks) {
      checks += (checks.empty() ? "" : "; ") +
                fmt::format("{}:{}->{}", m.id, m.before_status.empty() ? "new" : m.before_status,
                            m.after_status.empty() ? "gone" : m.after_status);
    }
    out += fmt::format("{},{},{},{},{},{}\r\n", report::CsvText(c.student),
                       c.before ? Pts(*c.before) : "", c.after ? Pts(*c.after) : "",
                       c.before && c.after ? Pts(*c.after - *c.before) : "",
                       report::CsvText(why), report::CsvText(checks));
  }
  return out;
}

}  // namespace ipc::staff
