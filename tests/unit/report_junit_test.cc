// junit.xml must parse whatever the students printed. A small XML
// well-formedness checker (tags balanced, attributes quoted, no raw '<' or
// bare '&' in text or attributes, only XML 1.0 characters) stands in for a
// parser, which the project does not otherwise need.
#include <gtest/gtest.h>

#include <regex>
#include <vector>

#include "report/junit.h"
#include "report_test_results.h"

namespace ipc::report {
namespace {

// "" when well-formed, else what is wrong.
std::string CheckXml(const std::string& x) {
  std::vector<std::string> open;
  std::size_t i = 0;
  if (x.starts_with("<?xml")) i = x.find("?>") + 2;
  const auto bad_amp = [&](std::size_t p) {
    static const std::regex entity(R"(&(amp|lt|gt|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);)");
    return !std::regex_search(x.begin() + p, x.end(), entity,
                              std::regex_constants::match_continuous);
  };
  for (unsigned char c : x) {
    if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') return "control character in document";
  }
  while (i < x.size()) {
    if (x[i] == '&' && bad_amp(i)) return "bare & at " + std::to_string(i);
    if (x[i] == '>') return "raw > outside a tag at " + std::to_string(i);
    if (x[i] != '<') {
      ++i;
      continue;
    }
    const bool closing = x[i + 1] == '/';
    std::size_t j = i + (closing ? 2 : 1);
    std::string name;
    while (j < x.size() && (std::isalnum(static_cast<unsigned char>(x[j])) || x[j] == '_')) {
      name += x[j++];
    }
    if (name.empty()) return "tag without a name at " + std::to_string(i);
    // Attributes: name="value", value without < or bare &.
    for (;;) {
      while (j < x.size() && std::isspace(static_cast<unsigned char>(x[j]))) ++j;
      if (x.compare(j, 2, "/>") == 0 || x[j] == '>') break;
      if (closing) return "attributes on a closing tag";
      std::size_t eq = x.find('=', j);
      if (eq == std::string::npos || x[eq + 1] != '"')
        return "unquoted attribute at " + std::to_string(j);
      const std::size_t end = x.find('"', eq + 2);
      if (end == std::string::npos) return "unterminated attribute";
      for (std::size_t k = eq + 2; k < end; ++k) {
        if (x[k] == '<') return "< in attribute at " + std::to_string(k);
        if (x[k] == '&' && bad_amp(k)) return "bare & in attribute at " + std::to_string(k);
      }
      j = end + 1;
    }
    if (x[j] == '/') {
      j += 2;
    } else {
      ++j;
      if (closing) {
        if (open.empty() || open.back() != name) return "mismatched </" + name + ">";
        open.pop_back();
      } else {
        open.push_back(name);
      }
    }
    i = j;
  }
  return open.empty() ? "" : "unclosed <" + open.back() + ">";
}

TEST(JunitChecker, CatchesBrokenDocuments) {
  EXPECT_EQ(CheckXml("<a x=\"1\"><b/></a>"), "");
  EXPECT_NE(CheckXml("<a><b></a>"), "");
  EXPECT_NE(CheckXml("<a x=\"<\"/>"), "");
  EXPECT_NE(CheckXml("<a>&</a>"), "");
  EXPECT_NE(CheckXml("<a>\x1b</a>"), "");
}

TEST(Junit, HostileNamesAndOutputStillGiveWellFormedXml) {
  Result r = testing::Graded("alice", 5, 2);
  r.checks[2].title = "usr1 <\"&'>";
  r.checks[2].message = "expected </testcase> & \"quotes\"";
  r.checks[2].output = "\x1b[31mSIGUSR1\x1b[0m received!\x07 ]]> <![CDATA[ \xff";
  r.ref = "a\"b";
  const std::string xml =
      RenderJunit({r, testing::Errored("bob", "clone failed: <html>&nbsp;</html>")});
  EXPECT_EQ(CheckXml(xml), "") << xml;
  EXPECT_NE(xml.find("name=\"usr1 &lt;&quot;&amp;&apos;&gt;\""), std::string::npos);
  // Counts: alice has 6 checks (1 fail + the failing insight, 1 error, 1 skipped), bob 1 error.
  EXPECT_NE(xml.find("<testsuites name=\"ipc-grader\" tests=\"7\" failures=\"2\" errors=\"2\" "
                     "skipped=\"1\">"),
            std::string::npos)
      << xml;
  EXPECT_NE(xml.find("<testsuite name=\"bob\" tests=\"1\" failures=\"0\" errors=\"1\""),
            std::string::npos);
  EXPECT_NE(xml.find("<skipped message=\"fix cat\"/>"), std::string::npos);
}

}  // namespace
}  // namespace ipc::report
