#include "report/histogram.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "report/text.h"

namespace ipc::report {
namespace {

constexpr double kWidth = 720, kHeight = 380;
constexpr double kLeft = 64, kRight = 20, kTop = 44, kBottom = 72;

double NiceWidth(double max_score, int max_bins) {
  for (double decade = 0.1;; decade *= 10) {
    for (double m : {1.0, 2.0, 2.5, 5.0}) {
      const double w = m * decade;
      if (std::ceil(max_score / w - 1e-9) <= max_bins) return w;
    }
  }
}

// Integer tick step giving at most ~5 ticks above zero.
int TickStep(int top) {
  for (int step : {1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000}) {
    if (top / step <= 5) return step;
  }
  return std::max(1, top / 5);
}

}  // namespace

std::string Histogram::BinLabel(std::size_t i) const {
  const double lo = static_cast<double>(i) * bin_width;
  const double hi = std::min(max_score, lo + bin_width);
  return FormatPoints(lo) + "\xE2\x80\x93" + FormatPoints(hi);  // en dash
}

Histogram MakeHistogram(const std::vector<double>& scores, double max_score, int max_bins) {
  Histogram h;
  h.max_score = max_score > 0 ? max_score : 1;
  // No points at all (no graded result yet): one bin, not ten empty ones.
  h.bin_width = max_score > 0 ? NiceWidth(h.max_score, std::max(1, max_bins)) : 1;
  const auto bins = static_cast<std::size_t>(std::ceil(h.max_score / h.bin_width - 1e-9));
  h.counts.assign(std::max<std::size_t>(1, bins), 0);
  for (double s : scores) {
    const double clamped = std::clamp(s, 0.0, h.max_score);
    auto i = static_cast<std::size_t>(std::floor(clamped / h.bin_width + 1e-9));
    h.counts[std::min(i, h.counts.size() - 1)]++;
  }
  return h;
}

std::string RenderHistogramSvg(const Histogram& h, const std::string& title) {
  const int top_count = std::max(1, *std::max_element(h.counts.begin(), h.counts.end()));
  const int step = TickStep(top_count);
  const int y_max = (top_count + step - 1) / step * step;
  const double plot_w = kWidth - kLeft - kRight, plot_h = kHeight - kTop - kBottom;
  const double slot = plot_w / static_cast<double>(h.counts.size());
  const auto y_of = [&](double count) { return kTop + plot_h * (1 - count / y_max); };

  std::string svg = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" "
      "viewBox=\"0 0 {0} {1}\" role=\"img\" font-family=\"sans-serif\" font-size=\"12\">\n"
      "<title>{2}</title>\n"
      "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n"
      "<text x=\"{3}\" y=\"24\" text-anchor=\"middle\" font-size=\"15\" "
      "font-weight=\"bold\">{2}</text>\n",
      kWidth, kHeight, XmlText(title), kLeft + plot_w / 2);
  // Grid lines and y ticks first, so bars are drawn over them.
  for (int v = 0; v <= y_max; v += step) {
    const double y = y_of(v);
    svg += fmt::format(
        "<line x1=\"{0}\" y1=\"{1:.1f}\" x2=\"{2}\" y2=\"{1:.1f}\" stroke=\"#e3e3e3\"/>\n"
        "<text x=\"{3}\" y=\"{4:.1f}\" text-anchor=\"end\">{5}</text>\n",
        kLeft, y, kLeft + plot_w, kLeft - 8, y + 4, v);
  }
  for (std::size_t i = 0; i < h.counts.size(); ++i) {
    const double x = kLeft + slot * static_cast<double>(i);
    const double bar_w = slot * 0.8, bar_x = x + slot * 0.1;
    const int n = h.counts[i];
    if (n > 0) {
      const double y = y_of(n);
      svg += fmt::format(
          "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"#4a78b5\">"
          "<title>{}: {} student(s)</title></rect>\n"
          "<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\" font-weight=\"bold\">{}</text>\n",
          bar_x, y, bar_w, kTop + plot_h - y, XmlText(h.BinLabel(i)), n, x + slot / 2, y - 5, n);
    }
    svg += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">{}</text>\n",
                       x + slot / 2, kTop + plot_h + 18, XmlText(h.BinLabel(i)));
  }
  // Axes on top of everything.
  svg += fmt::format(
      "<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" stroke=\"#333333\"/>\n"
      "<line x1=\"{0}\" y1=\"{2}\" x2=\"{3}\" y2=\"{2}\" stroke=\"#333333\"/>\n"
      "<text x=\"{4}\" y=\"{5}\" text-anchor=\"middle\">Score (out of {6})</text>\n"
      "<text transform=\"translate(18 {7}) rotate(-90)\" text-anchor=\"middle\">Students</text>\n"
      "</svg>\n",
      kLeft, kTop, kTop + plot_h, kLeft + plot_w, kLeft + plot_w / 2, kHeight - 22,
      FormatPoints(h.max_score), kTop + plot_h / 2);
  return svg;
}

}  // namespace ipc::report
