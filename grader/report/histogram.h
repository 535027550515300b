// histogram.svg: the score distribution as a bar chart, written by hand (a
// few dozen SVG elements; no plotting library). Embedded inline in
// summary.html and linked from summary.md.
#pragma once

#include <string>
#include <vector>

namespace ipc::report {

struct Histogram {
  double bin_width = 1;
  double max_score = 0;
  // counts[i]: scores in [i*w, (i+1)*w); the last bin also holds max_score.
  std::vector<int> counts;

  std::string BinLabel(std::size_t i) const;  // "22.5–25"
};

// Bins of a "nice" width (0.5, 1, 2, 2.5, 5, 10, 20, 25, 50...) so that at
// most `max_bins` cover [0, max_score]. Scores outside are clamped.
Histogram MakeHistogram(const std::vector<double>& scores, double max_score, int max_bins = 10);

// A standalone SVG document (also valid inline in HTML5): bars, a count on
// each non-empty bar, bin labels, a y axis with integer ticks and labels on
// both axes. `title` is escaped.
std::string RenderHistogramSvg(const Histogram& h, const std::string& title);

}  // namespace ipc::report
