#include "report/gradebook.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "report/text.h"

namespace ipc::report {
namespace {

// RFC 4180 wants CRLF between records; LMS importers accept it everywhere.
constexpr const char* kEol = "\r\n";

void AppendRow(const std::vector<std::string>& cells, std::string* out) {
  for (std::size_t i = 0; i < cells.size(); ++i) {
    if (i > 0) *out += ',';
    *out += cells[i];
  }
  *out += kEol;
}

}  // namespace

std::string RenderGradebookCsv(std::vector<Result> results) {
  std::sort(results.begin(), results.end(),
            [](const Result& a, const Result& b) { return a.student < b.student; });
  // Part columns in rubric order: every result lists its parts in that
  // order, so the first appearance order across results is the rubric's.
  std::vector<std::string> part_ids;
  for (const auto& r : results) {
    for (const auto& p : r.parts) {
      if (std::find(part_ids.begin(), part_ids.end(), p.id) == part_ids.end()) {
        part_ids.push_back(p.id);
      }
    }
  }
  std::vector<std::string> header = {"student", "score",  "max_score", "status",
                                     "ref",     "commit", "late"};
  for (const auto& id : part_ids) header.push_back(CsvText(id));
  header.push_back("error");
  // Staff's changes (grader/staff/), only when there are some, so a class
  // without any keeps the same columns.
  const bool staff = std::any_of(results.begin(), results.end(), [](const Result& r) {
    return !r.adjustments.empty() || !r.late.extended_to.empty();
  });
  if (staff) {
    header.push_back("auto_score");
    header.push_back("adjustments");
    header.push_back("extended_to");
  }
  std::string out;
  AppendRow(header, &out);
  for (const auto& r : results) {
    const bool graded = r.status == "graded";
    std::vector<std::string> row = {
        CsvText(r.student),
        graded ? FormatPoints(r.score) : "",
        FormatPoints(r.max_score),
        CsvText(r.status),
        CsvText(r.ref),
        CsvText(r.commit),
        graded ? (r.late.late ? "yes" : "no") : "",
    };
    std::map<std::string, double> by_part;
    for (const auto& p : r.parts) by_part[p.id] = p.score;
    for (const auto& id : part_ids) {
      auto it = by_part.find(id);
      row.push_back(graded && it != by_part.end() ? FormatPoints(it->second) : "");
    }
    row.push_back(CsvText(OneLine(r.error, 500)));
    if (staff) {
      std::string why;
      for (const auto& a : r.adjustments) {
        why += (why.empty() ? "" : "; ") +
               fmt::format("{}{}{}: {}", a.kind, a.target.empty() ? "" : " " + a.target,
                           a.problem.empty() ? fmt::format(" {} -> {}", FormatPoints(a.before),
                                                           FormatPoints(a.after))
                                             : " (not applied)",
                           a.reason);
      }
      row.push_back(graded && r.auto_score ? FormatPoints(*r.auto_score) : "");
      row.push_back(CsvText(OneLine(why, 500)));
      row.push_back(CsvText(r.late.extended_to));
    }
    AppendRow(row, &out);
  }
  return out;
}

}  // namespace ipc::report
