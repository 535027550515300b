#include "report/junit.h"

#include <fmt/format.h>

#include <algorithm>

#include "report/text.h"

namespace ipc::report {
namespace {

struct Counts {
  int tests = 0, failures = 0, errors = 0, skipped = 0;
};

std::string Details(const CheckResult& c) {
  std::string d;
  if (!c.expected.empty()) d += "Expected: " + c.expected + "\n";
  if (!c.student.empty()) d += "Got: " + c.student + "\n";
  if (!c.reference.empty()) d += "Reference: " + c.reference + "\n";
  if (!c.output.empty()) d += "Output:\n" + c.output;
  return d;
}

std::string Seconds(const Result& r) {
  auto it = r.timing.find("total");
  return fmt::format("{:.3f}", it == r.timing.end() ? 0.0 : it->second);
}

std::string Suite(const Result& r, Counts* total) {
  Counts n;
  std::string cases;
  const std::string student = XmlAttr(r.student);
  if (r.status != "graded") {
    n.tests = n.errors = 1;
    cases += fmt::format(
        "    <testcase classname=\"{}\" name=\"grading\" time=\"{}\">\n"
        "      <error message=\"{}\" type=\"not graded\">{}</error>\n"
        "    </testcase>\n",
        student, Seconds(r), XmlAttr(OneLine(r.error, 300)), XmlText(r.error));
  }
  const std::vector<CheckResult> none;
  for (const auto& c : r.status == "graded" ? r.checks : none) {
    ++n.tests;
    std::string body;
    const std::string message = XmlAttr(OneLine(c.message, 300));
    switch (c.status) {
      case CheckStatus::kPass: break;
      case CheckStatus::kFail:
        ++n.failures;
        body = fmt::format("      <failure message=\"{}\" type=\"{}\">{}</failure>\n", message,
                           c.insight ? "insight" : "fail", XmlText(Details(c)));
        break;
      case CheckStatus::kError:
        ++n.errors;
        body = fmt::format("      <error message=\"{}\" type=\"error\">{}</error>\n", message,
                           XmlText(Details(c)));
        break;
      case CheckStatus::kSkipped:
        ++n.skipped;
        body = fmt::format("      <skipped message=\"{}\"/>\n", message);
        break;
    }
    const std::string head =
        fmt::format("    <testcase classname=\"{}.{}\" name=\"{}\" assertions=\"1\"", student,
                    XmlAttr(c.part), XmlAttr(c.title.empty() ? c.id : c.title));
    cases += body.empty() ? head + "/>\n" : head + ">\n" + body + "    </testcase>\n";
  }
  total->tests += n.tests;
  total->failures += n.failures;
  total->errors += n.errors;
  total->skipped += n.skipped;
  std::string props = fmt::format(
      "    <properties>\n"
      "      <property name=\"score\" value=\"{}\"/>\n"
      "      <property name=\"max_score\" value=\"{}\"/>\n"
      "      <property name=\"status\" value=\"{}\"/>\n"
      "      <property name=\"ref\" value=\"{}\"/>\n"
      "      <property name=\"commit\" value=\"{}\"/>\n"
      "    </properties>\n",
      FormatPoints(r.score), FormatPoints(r.max_score), XmlAttr(r.status), XmlAttr(r.ref),
      XmlAttr(r.commit));
  return fmt::format(
      "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" "
      "time=\"{}\">\n{}{}  </testsuite>\n",
      student, n.tests, n.failures, n.errors, n.skipped, Seconds(r), props, cases);
}

}  // namespace

std::string RenderJunit(std::vector<Result> results) {
  std::sort(results.begin(), results.end(),
            [](const Result& a, const Result& b) { return a.student < b.student; });
  Counts total;
  std::string suites;
  for (const auto& r : results) suites += Suite(r, &total);
  return fmt::format(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<testsuites name=\"ipc-grader\" tests=\"{}\" failures=\"{}\" errors=\"{}\" "
      "skipped=\"{}\">\n{}</testsuites>\n",
      total.tests, total.failures, total.errors, total.skipped, suites);
}

}  // namespace ipc::report
