// summary.md and summary.html: what the instructor reads after a batch.
// The score distribution (histogram.svg: linked from the Markdown, inlined
// in the HTML so that file is self-contained), per-check pass rates with
// the most failed first, errors with their cause, flaky checks, and the
// slowest submissions. Computed once (ClassSummary), rendered twice; every
// student-controlled string is escaped for the format it lands in.
#pragma once

#include <string>
#include <vector>

#include "report/histogram.h"
#include "report/result.h"

namespace ipc::report {

struct ClassSummary {
  struct CheckRate {
    std::string id, title, part;
    int passed = 0, failed = 0, errors = 0, skipped = 0;
    bool insight = false;
    int NotPassed() const { return failed + errors + skipped; }
    double PassRate() const;  // passed / all judged, 0..1
  };
  struct Flaky {
    std::string id, title;
    std::vector<std::string> students;
  };
  struct Problem {
    std::string student, cause;
  };
  struct Slow {
    std::string student;
    double seconds = 0;
    std::string status;
  };

  // Students whose score staff changed (adjustments, extensions; grader/staff/).
  struct Adjusted {
    std::string student;
    std::string detail;  // "auto 20 -> 22: check build +2: reason; extended to ..."
  };

  int students = 0, graded = 0, errors = 0, late = 0;
  double max_score = 0;
  double mean = 0, median = 0, lowest = 0, highest = 0;  // graded only
  Histogram histogram;
  std::vector<CheckRate> checks;   // most not-passed first, then by id
  std::vector<Problem> problems;   // status "error", by student
  std::vector<Flaky> flaky;        // checks that passed only on a rerun
  std::vector<Slow> slowest;       // at most 5, by timing.total
  std::vector<std::string> notes;  // e.g. roster rows that were skipped
  std::vector<Adjusted> adjusted;  // by student; the section is left out when empty
};

ClassSummary Summarize(const std::vector<Result>& results, std::vector<std::string> notes = {});

// `histogram_file`: the SVG's file name, relative to the summary.
std::string RenderSummaryMarkdown(const ClassSummary& s, const std::string& histogram_file);
// `histogram_svg`: the SVG document, inlined.
std::string RenderSummaryHtml(const ClassSummary& s, const std::string& histogram_svg);

}  // namespace ipc::report
