// summary.md / summary.html / histogram.svg: the numbers in them, the order
// of the checks, and escaping of hostile names and causes.
#include <gtest/gtest.h>

#include "report/histogram.h"
#include "report/summary.h"
#include "report_test_results.h"

namespace ipc::report {
namespace {

std::vector<Result> AClass() {
  std::vector<Result> v = {testing::Graded("alice", 5, 10), testing::Graded("bob", 5, 4),
                           testing::Graded("carol", 0, 0), testing::Graded("dave", 5, 10)};
  v[1].checks[1].flaky = true;
  v[3].checks[1].flaky = true;
  v[0].timing["total"] = 9;
  v[2].timing["total"] = 30;
  v.push_back(testing::Errored("<img src=x onerror=alert(1)>",
                               "clone failed | <script>alert(1)</script> [x](javascript:y)"));
  v.push_back(testing::Errored("erin", "timeout"));
  return v;
}

TEST(Histogram, NiceBinsCoverTheRangeAndCountEveryScore) {
  const Histogram h = MakeHistogram({0, 2.4, 2.5, 12, 24.9, 25, 25, 30, -1}, 25);
  EXPECT_DOUBLE_EQ(h.bin_width, 2.5);
  ASSERT_EQ(h.counts.size(), 10u);
  EXPECT_EQ(h.counts[0], 3);  // 0, 2.4 and the clamped -1
  EXPECT_EQ(h.counts[1], 1);  // 2.5
  EXPECT_EQ(h.counts[4], 1);  // 12
  EXPECT_EQ(h.counts[9], 4);  // 24.9, 25, 25 and the clamped 30
  EXPECT_EQ(h.BinLabel(9),
            "22.5\xE2\x80\x93"
            "25");
  EXPECT_EQ(MakeHistogram({}, 7).counts.size(), 7u);  // width 1
  EXPECT_EQ(MakeHistogram({}, 100).bin_width, 10);
  EXPECT_EQ(MakeHistogram({}, 0).counts.size(), 1u);  // no division by zero
}

TEST(Histogram, SvgHasBarsCountsAndAxisLabels) {
  const std::string svg = RenderHistogramSvg(MakeHistogram({25, 25, 25, 10}, 25), "Scores <&>");
  EXPECT_TRUE(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
  EXPECT_NE(svg.find("<title>Scores &lt;&amp;&gt;</title>"), std::string::npos);
  EXPECT_NE(svg.find("font-weight=\"bold\">3</text>"), std::string::npos);  // count on the bar
  EXPECT_NE(svg.find("Score (out of 25)"), std::string::npos);
  EXPECT_NE(svg.find(">Students</text>"), std::string::npos);
  int bars = 0;
  for (auto p = svg.find("fill=\"#4a78b5\""); p != std::string::npos;
       p = svg.find("fill=\"#4a78b5\"", p + 1)) {
    ++bars;
  }
  EXPECT_EQ(bars, 2);  // only non-empty bins
}

TEST(Summary, NumbersChecksByMostFailedFlakyErrorsAndSlowest) {
  const ClassSummary s = Summarize(AClass(), {"roster.csv:7: skipped: duplicate"});
  EXPECT_EQ(s.students, 6);
  EXPECT_EQ(s.graded, 4);
  EXPECT_EQ(s.errors, 2);
  EXPECT_DOUBLE_EQ(s.mean, (15 + 9 + 0 + 15) / 4.0);
  EXPECT_DOUBLE_EQ(s.median, (9 + 15) / 2.0);
  EXPECT_DOUBLE_EQ(s.lowest, 0);
  EXPECT_DOUBLE_EQ(s.highest, 15);
  // cat, dd, eacces fail for everyone (4 each, by id); usr1 for bob and carol.
  ASSERT_GE(s.checks.size(), 4u);
  EXPECT_EQ(s.checks[0].id, "cat");
  EXPECT_EQ(s.checks[1].id, "dd");
  EXPECT_EQ(s.checks[2].id, "eacces");
  EXPECT_EQ(s.checks[3].id, "usr1");
  EXPECT_EQ(s.checks[3].passed, 2);
  EXPECT_DOUBLE_EQ(s.checks[3].PassRate(), 0.5);
  ASSERT_EQ(s.flaky.size(), 1u);
  EXPECT_EQ(s.flaky[0].students, (std::vector<std::string>{"bob", "dave"}));
  ASSERT_EQ(s.problems.size(), 2u);
  ASSERT_EQ(s.slowest.size(), 5u);
  EXPECT_EQ(s.slowest[0].student, "carol");
  EXPECT_EQ(s.slowest[1].student, "alice");
}

TEST(Summary, HtmlEscapesEverythingAStudentControls) {
  const ClassSummary s = Summarize(AClass());
  const std::string html = RenderSummaryHtml(s, "<svg></svg>\n");
  EXPECT_EQ(html.find("<script>"), std::string::npos);
  EXPECT_EQ(html.find("<img"), std::string::npos);
  EXPECT_NE(html.find("&lt;img src=x onerror=alert(1)&gt;"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(html.find("<svg></svg>"), std::string::npos);  // the histogram is inline
  EXPECT_TRUE(html.starts_with("<!DOCTYPE html>"));
}

TEST(Summary, MarkdownEscapesAndLinksTheHistogram) {
  const std::string md = RenderSummaryMarkdown(Summarize(AClass()), "histogram.svg");
  EXPECT_NE(md.find("![Score distribution](histogram.svg)"), std::string::npos);
  EXPECT_EQ(md.find("<script>"), std::string::npos);
  EXPECT_EQ(md.find("[x]("), std::string::npos);  // no link
  EXPECT_NE(md.find("\\[x\\](javascript"), std::string::npos);
  EXPECT_NE(md.find("clone failed \\| \\<script\\>"), std::string::npos);
  // One table row per error, not broken by the '|' in the cause.
  EXPECT_NE(md.find("| erin | timeout |"), std::string::npos);
}

}  // namespace
}  // namespace ipc::report
