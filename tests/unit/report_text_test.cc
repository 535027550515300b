// Escaping for CSV, XML, HTML and Markdown, and grades.csv itself: student
// names, refs and error messages are attacker-controlled.
#include <gtest/gtest.h>

#include "report/feedback.h"
#include "report/gradebook.h"
#include "report/text.h"
#include "report_test_results.h"

namespace ipc::report {
namespace {

TEST(Text, InvalidUtf8BecomesReplacementCharacters) {
  EXPECT_EQ(ValidUtf8("ok \xC3\xA9"), "ok \xC3\xA9");
  EXPECT_EQ(ValidUtf8("\xFF"), "\xEF\xBF\xBD");
  EXPECT_EQ(ValidUtf8("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");                  // overlong '/'
  EXPECT_EQ(ValidUtf8("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // surrogate
  EXPECT_EQ(ValidUtf8("a\xE2\x82"), "a\xEF\xBF\xBD\xEF\xBF\xBD");                // truncated
}

TEST(Text, CsvCellsAreQuotedAndFormulasDefused) {
  EXPECT_EQ(CsvText("alice"), "alice");
  EXPECT_EQ(CsvText("a,b"), "\"a,b\"");
  EXPECT_EQ(CsvText("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(CsvText("two\nlines"), "\"two\nlines\"");
  // OWASP CSV injection: = + - @ tab CR at the start.
  EXPECT_EQ(CsvText("=HYPERLINK(\"http://evil\")"), "\"'=HYPERLINK(\"\"http://evil\"\")\"");
  EXPECT_EQ(CsvText("+1"), "'+1");
  EXPECT_EQ(CsvText("-alice"), "'-alice");
  EXPECT_EQ(CsvText("@SUM(A1)"), "'@SUM(A1)");
  EXPECT_EQ(CsvText("\tx"), "'\tx");
  EXPECT_EQ(CsvText("\rx"), "\"'\rx\"");
  EXPECT_EQ(CsvText("a=b"), "a=b");
}

TEST(Text, XmlHtmlAndMarkdownEscapes) {
  EXPECT_EQ(XmlText("<a & \"b\" 'c'>"), "&lt;a &amp; &quot;b&quot; &apos;c&apos;&gt;");
  EXPECT_EQ(XmlText("\x1b[31mred\x07"), "\xEF\xBF\xBD[31mred\xEF\xBF\xBD");
  EXPECT_EQ(XmlAttr("a\nb\tc"), "a&#10;b&#9;c");
  EXPECT_EQ(XmlText("\xEF\xBF\xBF"), "\xEF\xBF\xBD");  // U+FFFF is no XML character
  EXPECT_EQ(HtmlEscape("<script>alert('x')</script>&"),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;");
  EXPECT_EQ(MarkdownInline("a|b *c* [l](u) <b>\n`x`"), "a\\|b \\*c\\* \\[l\\](u) \\<b\\> \\`x\\`");
  EXPECT_EQ(MarkdownInline("a-b: c.d (e) &amp; ![i]"), "a-b: c.d (e) \\&amp; \\!\\[i\\]");
}

TEST(Text, PointsAndOneLine) {
  EXPECT_EQ(FormatPoints(23.5), "23.5");
  EXPECT_EQ(FormatPoints(10), "10");
  EXPECT_EQ(FormatPoints(0.25), "0.25");
  EXPECT_EQ(FormatPoints(1.0 / 3), "0.33");
  EXPECT_EQ(FormatPoints(-0.001), "0");
  EXPECT_EQ(OneLine("a\nb", 10), "a b");
  EXPECT_EQ(OneLine("h\xC3\xA9llo", 2), "h\xE2\x80\xA6");  // never cuts inside é
}

TEST(Gradebook, SortedRowsPartColumnsAndEmptyScoresForErrors) {
  Result late = testing::Graded("bob", 5, 7.5);
  late.late.late = true;
  late.score = 10;
  const std::string csv = RenderGradebookCsv(
      {late, testing::Graded("alice"), testing::Errored("-carol", "=cmd|' /C calc'!A0, \"x\"")});
  EXPECT_EQ(csv,
            "student,score,max_score,status,ref,commit,late,setup,part1,part2,error\r\n"
            "'-carol,,25,error,,,,,,,\"'=cmd|' /C calc'!A0, \"\"x\"\"\"\r\n"
            "alice,15,25,graded,final,0123456789abcdef0123456789abcdef01234567,no,5,10,0,\r\n"
            "bob,10,25,graded,final,0123456789abcdef0123456789abcdef01234567,yes,5,7.5,0,\r\n");
}

TEST(Gradebook, SameResultsSameBytesWhateverTheOrder) {
  const auto a = testing::Graded("alice"), b = testing::Graded("bob", 1, 2);
  EXPECT_EQ(RenderGradebookCsv({a, b}), RenderGradebookCsv({b, a}));
}

}  // namespace
}  // namespace ipc::report

namespace ipc::report {
namespace {

// "Which sentence of the assignment did I break?": a check that did not
// pass shows the sentences its points come from, and result.json keeps them.
TEST(Feedback, AFailedCheckQuotesTheAssignmentSentencesItsPointsComeFrom) {
  Result r = testing::Graded("alice", 5, 5);
  for (auto& c : r.checks) {
    if (c.id == "usr1") c.quotes = {"Print a message when the signal arrives.", "Then exit 0."};
    if (c.id == "gitignore") c.quotes = {"Ignore the build output."};
  }
  const std::string md = RenderFeedback(r);
  EXPECT_NE(md.find("> The assignment: \"Print a message when the signal arrives.\"\n"
                    "> The assignment: \"Then exit 0.\"\n"),
            std::string::npos)
      << md;
  EXPECT_EQ(md.find("Ignore the build output."), std::string::npos) << "a passed check quotes nothing";
  const Result back = ResultFromJson(ToJson(r));
  for (const auto& c : back.checks) {
    if (c.id == "usr1") {
      EXPECT_EQ(c.quotes.size(), 2u);
    }
  }
}

}  // namespace
}  // namespace ipc::report
