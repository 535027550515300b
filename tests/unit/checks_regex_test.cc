// checks/rubric_regex.h: file_contents `matches` searched with RE2. Inputs
// that make a backtracking matcher take exponential time (or recurse once
// per byte) get the right answer, and for the syntax rubrics use the
// answers are std::regex's (ECMAScript), which the check used before.
#include <gtest/gtest.h>

#include <regex>
#include <string>
#include <vector>

#include "checks/rubric_regex.h"
#include "scoring_fixture.h"

namespace ipc::checks {
namespace {

RubricRegex Compiled(const std::string& pattern) {
  std::string error;
  auto re = RubricRegex::Compile(pattern, &error);
  EXPECT_TRUE(re.has_value()) << pattern << ": " << error;
  if (!re) std::abort();
  return *re;
}

std::string CompileError(const std::string& pattern) {
  std::string error;
  EXPECT_FALSE(RubricRegex::Compile(pattern, &error).has_value()) << pattern;
  return error;
}

// Nested and overlapping quantifiers that fail only after the whole input:
// a backtracking matcher tries 2^n ways to split the run of letters (n is
// thousands here), RE2 one pass. The answers are what the patterns mean.
TEST(RubricRegex, CatastrophicBacktrackingPatternsGetTheirAnswer) {
  const std::string as(5000, 'a');
  EXPECT_FALSE(Compiled("(a+)+$").FoundIn(as + "!"));  // '$' only at the very end
  EXPECT_TRUE(Compiled("(a+)+$").FoundIn("!" + as));
  EXPECT_FALSE(Compiled("^(a|a)*b").FoundIn(as));
  EXPECT_TRUE(Compiled("^(a|a)*b").FoundIn(as + "b"));
  EXPECT_FALSE(Compiled("^(a|aa)+c").FoundIn(as + "b"));
  EXPECT_FALSE(Compiled("(x+x+)+y").FoundIn(std::string(5000, 'x')));
  EXPECT_TRUE(Compiled("(x+x+)+y").FoundIn(std::string(5000, 'x') + "y"));
  EXPECT_FALSE(Compiled("^(\\w+\\s?)*$").FoundIn(std::string(3000, 'w') + " w!"));
}

// libstdc++'s default executor recursed once per byte and crashed on a line
// of ~10 KB; a single 2 MB line is searched to the end.
TEST(RubricRegex, AVeryLongLineIsSearchedToItsEnd) {
  const std::string line = "compile: " + std::string(2 << 20, 'x');
  EXPECT_TRUE(Compiled("^compile:(.)*$").FoundIn(line));
  EXPECT_TRUE(Compiled("x{5}$").FoundIn(line));
  EXPECT_FALSE(Compiled("(^|\\n)compile:[^\\n]*\\n\\tgcc").FoundIn(line));
  EXPECT_TRUE(Compiled("(^|\\n)compile:[^\\n]*\\n\\tgcc").FoundIn(line + "\n\tgcc -o p p.c\n"));
}

// The subset of ECMAScript that RE2 shares, on texts without '\r' (see
// DifferencesFromECMAScriptAreTheDocumentedOnes): every pattern gives
// std::regex's answer on every text.
TEST(RubricRegex, AgreesWithEcmaScriptOnTheSharedSyntax) {
  const std::vector<std::string> patterns = {"abc",
                                             "a.c",
                                             "^abc",
                                             "abc$",
                                             "^$",
                                             "^bc",
                                             "a$",
                                             "(^|\\n)compile:",
                                             "x\\ny",
                                             "[a-c]+d",
                                             "[^a-c]",
                                             "[^\\n]*",
                                             "\\d{2,3}",
                                             "^\\d+$",
                                             "\\w+@\\w+\\.com",
                                             "\\s+",
                                             "\\bword\\b",
                                             "\\Bor",
                                             "a|b|cd",
                                             "(ab)+",
                                             "(?:ab){2}",
                                             "a*?b",
                                             "a+?$",
                                             "colou?r",
                                             "x{3}",
                                             "x{2,}",
                                             "\\.",
                                             "\\t",
                                             "gcc +-o +prog +prog\\.c",
                                             "(^|\\n)\\t[ \\t]*gcc",
                                             "[[:alpha:]]+",
                                             "caf.",
                                             "^.{5}$",
                                             "\xC3\xA9",
                                             "[\\x41-\\x43]",
                                             "A\\x42",
                                             "\\\\",
                                             "\\(x\\)",
                                             "\\D\\W\\S",
                                             "^[ \\t]*#",
                                             "^(a|ab)(c|bcd)$"};
  const std::vector<std::string> texts = {"",
                                          "abc",
                                          "xabcx",
                                          "a\nbc",
                                          "ab\nc",
                                          "compile: x",
                                          "y\ncompile:",
                                          "x\ny",
                                          "aabbccd",
                                          "12",
                                          "1234",
                                          "a@b.com",
                                          "  \t",
                                          "a word here",
                                          "sword words",
                                          "cd",
                                          "ababab",
                                          "aaab",
                                          "color",
                                          "colour",
                                          "xxxx",
                                          "a.b",
                                          "a\tb",
                                          "gcc -o prog prog.c",
                                          "all:\n\tgcc -o p p.c",
                                          "caf\xC3\xA9",
                                          "ABC",
                                          "a\\b",
                                          "(x)",
                                          "# comment",
                                          "abcd",
                                          "x9 !",
                                          "\xC3\xA9t\xC3\xA9"};
  int compared = 0;
  for (const auto& pattern : patterns) {
    const RubricRegex ours = Compiled(pattern);
    const std::regex theirs(pattern, std::regex::ECMAScript);
    for (const auto& text : texts) {
      EXPECT_EQ(ours.FoundIn(text), std::regex_search(text, theirs))
          << "pattern /" << pattern << "/ on \"" << text << "\"";
      ++compared;
    }
  }
  EXPECT_EQ(compared, static_cast<int>(patterns.size() * texts.size()));
}

TEST(RubricRegex, DifferencesFromECMAScriptAreTheDocumentedOnes) {
  // '.' matches '\r' (ECMAScript stops there), so "a line ending in .*\n"
  // also finds a CRLF line.
  EXPECT_TRUE(Compiled("^compile:.*\\n").FoundIn("compile: x\r\nall:"));
  EXPECT_FALSE(std::regex_search(std::string("compile: x\r\nall:"), std::regex("^compile:.*\\n")));
  // Back-references and look-around are refused when the rubric loads.
  EXPECT_NE(CompileError("(a)\\1").find("invalid escape sequence"), std::string::npos);
  EXPECT_NE(CompileError("a(?=b)").find("invalid perl operator"), std::string::npos);
  EXPECT_NE(CompileError("a(?!b)").find("invalid perl operator"), std::string::npos);
}

TEST(RubricRegex, SyntaxErrorsNameTheProblem) {
  EXPECT_EQ(CompileError("a(b"), "missing ): a(b");
  EXPECT_EQ(CompileError("[a-"), "missing ]: [a-");
  EXPECT_EQ(CompileError("*a"), "no argument for repetition operator: *");
  EXPECT_EQ(CompileError("a{2,1}"), "invalid repetition size: {2,1}");
}

// A compiled pattern is shared by copies (Params are copied around).
TEST(RubricRegex, CopiesMatchLikeTheOriginal) {
  const RubricRegex original = Compiled("b+");
  const RubricRegex copy = original;  // NOLINT(performance-unnecessary-copy-initialization)
  EXPECT_TRUE(copy.FoundIn("abbbc"));
  EXPECT_FALSE(copy.FoundIn("ac"));
}

// ---- file_contents `matches`, the check that uses it ---------------------

// A one-check rubric: file_contents `matches` on notes.txt.
std::string MatchesRubric(const std::string& pattern) {
  return "assignment: t\nimage: img\nworkdir: /w\nref: [final]\n"
         "parts:\n  - {id: p, title: P, points: 1}\n"
         "checks:\n  - id: c\n    part: p\n    title: t\n    type: file_contents\n"
         "    file: notes.txt\n    points: 1\n    matches: '" +
         pattern + "'\n";
}

Outcome Judge(const std::string& pattern, const std::string& text) {
  testing::ScoringFixture f;
  f.Load(MatchesRubric(pattern));
  f.AddFile("notes.txt", text);
  return f.Judge("c");
}

TEST(FileContentsMatches, APathologicalFileGetsAVerdict) {
  // 60 KB, under the 64 KiB cap: exponential for a backtracking search.
  const std::string as(60000, 'a');
  EXPECT_EQ(Judge("^(a|aa)+$", as + "!").status, report::CheckStatus::kFail);
  EXPECT_EQ(Judge("^(a|aa)+$", as).status, report::CheckStatus::kPass);
  EXPECT_EQ(Judge("(x+x+)+y", std::string(60000, 'x')).status, report::CheckStatus::kFail);
}

TEST(FileContentsMatches, AnInvalidPatternIsRefusedWhenTheRubricLoads) {
  testing::ScoringFixture f;
  try {
    f.Load(MatchesRubric("a(b"));
    ADD_FAILURE() << "the rubric loaded";
  } catch (const rubric::RubricError& e) {
    EXPECT_NE(std::string(e.what()).find("check 'c': bad regular expression \"a(b\": missing ): "
                                         "a(b (RE2 syntax; back-references and look-around are "
                                         "not supported)"),
              std::string::npos)
        << e.what();
  }
  EXPECT_THROW(f.Load(MatchesRubric("(a)\\1")), rubric::RubricError);
  EXPECT_THROW(f.Load(MatchesRubric("a(?=b)")), rubric::RubricError);
}

}  // namespace
}  // namespace ipc::checks
