// The host-side repository checks (gitignore, not_committed, file_contents,
// tags) judged on hand-built snapshots, and the gitignore glob matcher.
#include <string>

#include "checks/glob.h"
#include "rubric/iso8601.h"
#include "scoring_fixture.h"

namespace ipc::testing {
namespace {

using report::CheckStatus;

constexpr const char* kRubric = R"(
assignment: t
ref: [final]
parts:
  - {id: setup, title: Setup, points: 16}
checks:
  - {id: gi, part: setup, title: gi, type: gitignore, points: 4,
     entries: [listener, output.log, .bash_history, "*.pyc"]}
  - {id: nc, part: setup, title: nc, type: not_committed, points: 1,
     patterns: [listener, output.log, .bash_history, "*.pyc", __pycache__/]}
  - {id: nc_pyc, part: setup, title: nc_pyc, type: not_committed, points: 1, patterns: ["*.pyc"]}
  - {id: nc_cache, part: setup, title: nc_cache, type: not_committed, points: 1,
     patterns: [__pycache__/]}
  - {id: secret, part: setup, title: secret, type: file_contents, points: 1,
     file: secret.txt, equals: "Hey! This is a secret!"}
  - {id: exact, part: setup, title: exact, type: file_contents, points: 1,
     file: exact.txt, equals: "line\n", exact: true}
  - id: make
    part: setup
    title: make
    type: file_contents
    points: 1
    file: Makefile
    matches: '(^|\n)compile:[^\n]*\n\t[ \t]*gcc +-o +listener +listener\.c'
  - {id: tags, part: setup, title: tags, type: tags, points: 2, tags: [part1, final],
     deadlines: {part1: "2026-10-01T23:59:00-04:00"}}
  - {id: strict, part: setup, title: strict, type: tags, points: 4, tags: [final], partial: false}
)";

constexpr const char* kGoodIgnore =
    "# build products\n/listener\noutput.log\n\n.bash_history\n**/*.pyc\n";
constexpr const char* kGoodMakefile = "all: compile\n\ncompile:\n\tgcc -o listener listener.c\n";

class RepoChecksTest : public ::testing::Test, public ScoringFixture {
 protected:
  void SetUp() override {
    Load(kRubric);
    AddFile(".gitignore", kGoodIgnore);
    AddFile("Makefile", kGoodMakefile);
    AddFile("cat.py", "print()\n");
    AddFile("exact.txt", "line\n");
    AddFile("listener.c", "int main(void) { return 0; }\n");
    AddFile("secret.txt", "Hey! This is a secret!\n");
    snapshot.tags = {"final", "part1"};
    snapshot.tag_times = {{"final", Deadline() + 86400}, {"part1", Deadline() - 3600}};
  }
  static std::int64_t Deadline() {
    std::string why;
    return *rubric::ParseIsoDateTime("2026-10-01T23:59:00-04:00", &why);
  }
  void Remove(const std::string& path) {
    std::erase_if(snapshot.entries, [&](const fetch::TreeEntry& e) { return e.path == path; });
    snapshot.files.erase(path);
  }
  void SetFile(const std::string& path, const std::string& data,
               fetch::EntryType type = fetch::EntryType::kFile) {
    Remove(path);
    AddFile(path, data, type);
  }
  report::CheckResult Run(const std::string& id) { return Check(Score(), id); }
};

// The RubricError of loading `yaml`, or "" when it loads.
std::string LoadError(const std::string& yaml) {
  try {
    ScoringFixture f;
    f.Load(yaml);
  } catch (const rubric::RubricError& e) {
    return e.what();
  }
  return "";
}

// A one-check rubric whose type keys start on line 9, column 5.
std::string OneCheck(const std::string& type_keys) {
  return "assignment: t\nref: [final]\nparts:\n  - {id: setup, title: S, points: 1}\n"
         "checks:\n  - id: c\n    part: setup\n    title: t\n" +
         type_keys + "    points: 1\n";
}

TEST_F(RepoChecksTest, CompleteRepositoryPassesEveryCheck) {
  const auto r = Score();
  for (const auto& c : r.checks)
    EXPECT_EQ(c.status, CheckStatus::kPass) << c.id << ": " << c.message;
  EXPECT_EQ(r.score, 16);
}

// ---- gitignore ------------------------------------------------------------

TEST_F(RepoChecksTest, GitignoreMissingFileFails) {
  Remove(".gitignore");
  const auto c = Run("gi");
  EXPECT_EQ(c.status, CheckStatus::kFail);
  EXPECT_EQ(c.score, 0);
  EXPECT_TRUE(Has(c.message, "the repository has no .gitignore")) << c.message;
}

TEST_F(RepoChecksTest, GitignoreFolderPatternDoesNotIgnoreTheListenerFile) {
  SetFile(".gitignore", "listener/\noutput.log\n.bash_history\n*.pyc\n");
  const auto c = Run("gi");
  EXPECT_EQ(c.status, CheckStatus::kFail);
  EXPECT_DOUBLE_EQ(c.score, 3.0);  // 3 of 4 entries x 4 points
  EXPECT_TRUE(Has(c.message, ".gitignore does not ignore listener (")) << c.message;
  EXPECT_TRUE(Has(c.message, ".gitignore:1 'listener/' ignores only a folder of that name"))
      << c.message;
  EXPECT_TRUE(Has(c.message, "Add each on its own line of .gitignore.")) << c.message;
  EXPECT_TRUE(Has(c.student, "not ignored: listener")) << c.student;
}

TEST_F(RepoChecksTest, GitignoreNegationAfterTheEntryUnignoresIt) {
  SetFile(".gitignore", std::string(kGoodIgnore) + "!listener\n");
  const auto c = Run("gi");
  EXPECT_EQ(c.status, CheckStatus::kFail);
  EXPECT_DOUBLE_EQ(c.score, 3.0);
  EXPECT_TRUE(Has(c.message, ".gitignore:7 '!listener' un-ignores it again")) << c.message;
}

TEST_F(RepoChecksTest, GitignoreNegationBeforeTheEntryIsOverridden) {
  SetFile(".gitignore", std::string("!listener\n") + kGoodIgnore);
  EXPECT_EQ(Run("gi").status, CheckStatus::kPass);
}

TEST_F(RepoChecksTest, GitignoreCommentsAndInlineHashesDoNotCount) {
  // "#listener" is a comment; git has no end-of-line comments, so the second
  // line names a file called "output.log # the log".
  SetFile(".gitignore", "#listener\noutput.log # the log\n.bash_history\n*.pyc\n");
  const auto c = Run("gi");
  EXPECT_DOUBLE_EQ(c.score, 2.0);
  EXPECT_TRUE(Has(c.message, "does not ignore listener, output.log")) << c.message;
}

TEST_F(RepoChecksTest, GitignoreTopLevelGlobDoesNotCoverCachesInSubfolders) {
  SetFile(".gitignore", "listener\noutput.log\n.bash_history\n/*.pyc\n");
  const auto c = Run("gi");
  EXPECT_DOUBLE_EQ(c.score, 3.0);
  EXPECT_TRUE(
      Has(c.message, ".gitignore:4 '/*.pyc' does not reach sub/dir/module.pyc in a subfolder"))
      << c.message;
}

TEST_F(RepoChecksTest, GitignoreAcceptsEquivalentSpellings) {
  SetFile(".gitignore", "**/listener\r\n/output.log   \r\n.bash_*\r\n*.py[cod]\r\n");
  const auto c = Run("gi");
  EXPECT_EQ(c.status, CheckStatus::kPass) << c.message;
}

TEST_F(RepoChecksTest, GitignoreOneConcreteCacheFileDoesNotCoverTheGlob) {
  SetFile(".gitignore", "listener\noutput.log\n.bash_history\nmodule.pyc\n");
  EXPECT_DOUBLE_EQ(Run("gi").score, 3.0);
}

TEST_F(RepoChecksTest, GitignoreLeadingSpaceIsPartOfTheNameAndGetsAHint) {
  SetFile(".gitignore", " listener\n");
  const auto c = Run("gi");
  EXPECT_DOUBLE_EQ(c.score, 0);
  EXPECT_TRUE(Has(c.message, ".gitignore:1 ' listener' has spaces or tabs around the name"))
      << c.message;
}

TEST(GitignoreValidate, UnknownKeyIsReportedWithASuggestion) {
  EXPECT_EQ(LoadError(OneCheck("    type: gitignore\n    entries: [a]\n    partail: true\n")),
            "test.yaml:11:5: check 'c': unknown key 'partail' (did you mean 'partial'?)");
}

TEST(WildMatch, FollowsGitSemantics) {
  using checks::WildMatch;
  EXPECT_TRUE(WildMatch("*.pyc", "a.pyc"));
  EXPECT_FALSE(WildMatch("*.pyc", "d/a.pyc"));  // '*' never crosses '/'
  EXPECT_TRUE(WildMatch("**/*.pyc", "a.pyc"));
  EXPECT_TRUE(WildMatch("**/*.pyc", "d/e/a.pyc"));
  EXPECT_TRUE(WildMatch("a/**/b", "a/b"));
  EXPECT_TRUE(WildMatch("a/**/b", "a/x/y/b"));
  EXPECT_TRUE(WildMatch("a/**", "a/x/y"));
  EXPECT_FALSE(WildMatch("a/**", "a"));
  EXPECT_TRUE(WildMatch("a**b", "axxb"));  // "**" not between slashes is '*'
  EXPECT_FALSE(WildMatch("a**b", "a/b"));
  EXPECT_FALSE(WildMatch("a?b", "a/b"));
  EXPECT_TRUE(WildMatch("[!a-c]x", "dx"));
  EXPECT_FALSE(WildMatch("[^a-c]x", "bx"));
  EXPECT_TRUE(WildMatch("[]]", "]"));
  EXPECT_TRUE(WildMatch("[[:digit:]]", "7"));
  EXPECT_FALSE(WildMatch("[abc", "a"));  // unterminated: matches nothing
  EXPECT_TRUE(WildMatch("\\*", "*"));
  EXPECT_FALSE(WildMatch("\\*", "x"));
}

TEST(WildMatch, PathologicalPatternFinishesQuickly) {
  // Exponential without memoisation; the test would hang.
  EXPECT_FALSE(checks::WildMatch("*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b", std::string(200, 'a')));
}

TEST(IgnoreRules, ByteOrderMarkIsSkippedAsGitDoes) {
  const auto rules = checks::ParseIgnoreFile("\xEF\xBB\xBFlistener\r\n");
  ASSERT_EQ(rules.size(), 1u);
  EXPECT_TRUE(checks::Evaluate(rules, "listener", false).ignored);
}

TEST(IgnoreRules, NothingInsideAnIgnoredFolderCanBeReincluded) {
  const auto rules = checks::ParseIgnoreFile("build/\n!build/keep.txt\n");
  const auto v = checks::Evaluate(rules, "build/keep.txt", false);
  EXPECT_TRUE(v.ignored);
  EXPECT_EQ(v.folder, "build");
  EXPECT_FALSE(checks::Evaluate(rules, "build", false).ignored);  // a file named build
}

// ---- not_committed --------------------------------------------------------

TEST_F(RepoChecksTest, NotCommittedFindsTheListenerAtAnyDepth) {
  AddFile("src/listener",
          "\x7f"
          "ELF",
          fetch::EntryType::kExecutable);
  AddFile("src/mylistener");  // not the name
  AddFile("listener.py");     // not the name
  const auto c = Run("nc");
  EXPECT_EQ(c.status, CheckStatus::kFail);
  EXPECT_EQ(c.score, 0);
  EXPECT_TRUE(Has(c.message, "committed but should not be: src/listener (matches 'listener')."))
      << c.message;
  EXPECT_TRUE(Has(c.message, "`git rm --cached <path>`")) << c.message;
  EXPECT_TRUE(Has(c.message, "then commit")) << c.message;
  EXPECT_FALSE(Has(c.message, "mylistener")) << c.message;
}

TEST_F(RepoChecksTest, NotCommittedFindsACacheFileByExtensionAndByFolder) {
  AddFile("__pycache__/x.pyc");
  const auto by_ext = Run("nc_pyc");
  EXPECT_EQ(by_ext.status, CheckStatus::kFail);
  EXPECT_TRUE(Has(by_ext.message, "__pycache__/x.pyc (matches '*.pyc')")) << by_ext.message;
  const auto by_folder = Run("nc_cache");
  EXPECT_EQ(by_folder.status, CheckStatus::kFail);
  EXPECT_TRUE(Has(by_folder.message, "__pycache__/ (matches '__pycache__/')")) << by_folder.message;
  EXPECT_TRUE(Has(by_folder.message, "`git rm -r --cached <folder>`")) << by_folder.message;
  // With both patterns the folder is reported once, not file by file.
  AddFile("__pycache__/y.pyc");
  EXPECT_TRUE(Has(Run("nc").student, "1 committed: __pycache__/ ")) << Run("nc").student;
}

TEST_F(RepoChecksTest, NotCommittedListsTenAndCountsTheRest) {
  for (int i = 0; i < 13; ++i) AddFile("m" + std::to_string(i) + ".pyc");
  const auto c = Run("nc_pyc");
  EXPECT_TRUE(Has(c.message, "m9.pyc (matches '*.pyc') and 3 more.")) << c.message;
  EXPECT_FALSE(Has(c.message, "m10.pyc")) << c.message;
}

TEST(NotCommittedValidate, NegatedPatternIsRefusedAtTheItem) {
  EXPECT_EQ(LoadError(OneCheck("    type: not_committed\n    patterns: [a, '!b']\n")),
            "test.yaml:10:19: check 'c': pattern \"!b\": negation ('!') has no meaning here; "
            "list only what must not be committed");
}

// ---- file_contents --------------------------------------------------------

TEST_F(RepoChecksTest, FileContentsIgnoresSurroundingWhitespaceAndCrlf) {
  SetFile("secret.txt", "\r\n  Hey! This is a secret!  \r\n\r\n");
  EXPECT_EQ(Run("secret").status, CheckStatus::kPass);
}

TEST_F(RepoChecksTest, FileContentsShowsExpectedAndGot) {
  SetFile("secret.txt", "Hey! This is not a secret!\n");
  const auto c = Run("secret");
  EXPECT_EQ(c.status, CheckStatus::kFail);
  EXPECT_EQ(c.message,
            "secret.txt does not hold the expected text: expected \"Hey! This is a secret!\", "
            "got \"Hey! This is not a secret!\".");
}

TEST_F(RepoChecksTest, FileContentsPointsOutACaseOnlyDifference) {
  SetFile("secret.txt", "hey! this is a secret!");
  EXPECT_TRUE(Has(Run("secret").message, "(they differ only in letter case)"));
}

TEST_F(RepoChecksTest, FileContentsMissingFileNamesAnyOtherCase) {
  Remove("secret.txt");
  AddFile("Secret.txt", "Hey! This is a secret!");
  const auto c = Run("secret");
  EXPECT_EQ(c.status, CheckStatus::kFail);
  EXPECT_TRUE(Has(c.message,
                  "secret.txt is not in the repository at the graded ref (there is "
                  "Secret.txt: names are case-sensitive)"))
      << c.message;
}

TEST_F(RepoChecksTest, FileContentsRefusesASymlink) {
  SetFile("secret.txt", "../outside", fetch::EntryType::kSymlink);
  EXPECT_TRUE(Has(Run("secret").message, "secret.txt is a symbolic link")) << Run("secret").message;
}

TEST_F(RepoChecksTest, FileContentsRefusesInvalidUtf8) {
  SetFile("secret.txt", "Hey\xff! This is a secret!");
  const auto c = Run("secret");
  EXPECT_EQ(c.status, CheckStatus::kFail);
  EXPECT_TRUE(Has(c.message, "secret.txt is not UTF-8 text (invalid byte 0xff at offset 3)"))
      << c.message;
}

TEST_F(RepoChecksTest, FileContentsExactComparesBytes) {
  SetFile("exact.txt", "line\r\n");
  const auto c = Run("exact");
  EXPECT_EQ(c.status, CheckStatus::kFail);
  EXPECT_TRUE(Has(c.message, "(they differ only in line endings or surrounding whitespace)"))
      << c.message;
}

TEST_F(RepoChecksTest, FileContentsRegexFindsTheCompileRecipe) {
  SetFile("Makefile", "compile:\n\tcc -o listener listener.c\n");
  const auto c = Run("make");
  EXPECT_EQ(c.status, CheckStatus::kFail);
  EXPECT_TRUE(Has(c.message,
                  "Makefile does not contain what the check asks for: no match for "
                  "the regular expression /(^|\\n)compile:"))
      << c.message;
}

// Regression: libstdc++'s default regex executor recursed once per
// character and crashed the grader on a ~10 KB line.
TEST_F(RepoChecksTest, FileContentsRegexSurvivesAVeryLongLine) {
  SetFile("Makefile", "compile: " + std::string(60000, 'x') + "\n\tgcc -o listener listener.c\n");
  EXPECT_EQ(Run("make").status, CheckStatus::kPass);
}

TEST_F(RepoChecksTest, FileContentsRegexRefusesAHugeFile) {
  SetFile("Makefile", std::string(kGoodMakefile) + std::string(70000, '#'));
  EXPECT_TRUE(Has(Run("make").message, "too large to search (limit 65536 bytes)"));
}

TEST(FileContentsValidate, BadRegexIsReportedAtItsValue) {
  EXPECT_EQ(LoadError(OneCheck("    type: file_contents\n    file: f\n    matches: 'a(b'\n")),
            "test.yaml:11:14: check 'c': bad regular expression \"a(b\": missing ): a(b (RE2 "
            "syntax; back-references and look-around are not supported)");
}

TEST(FileContentsValidate, EqualsAndMatchesTogetherAreRefused) {
  EXPECT_EQ(LoadError(OneCheck("    type: file_contents\n    file: f\n    equals: x\n"
                               "    matches: x\n")),
            "test.yaml:12:5: check 'c': give either 'equals' or 'matches', not both");
}

TEST(FileContentsValidate, BackReferenceIsRefused) {
  EXPECT_TRUE(
      Has(LoadError(OneCheck("    type: file_contents\n    file: f\n    matches: '(a)\\1'\n")),
          "test.yaml:11:14: check 'c': bad regular expression"));
}

// ---- tags -----------------------------------------------------------------

TEST_F(RepoChecksTest, TagsOnTimeShowTheirTime) {
  const auto c = Run("tags");
  EXPECT_EQ(c.status, CheckStatus::kPass);
  EXPECT_EQ(c.student, "part1: dated 2026-10-01T22:59:00-04:00, on time; final: present");
  EXPECT_EQ(c.expected, "tags: part1 (by 2026-10-01T23:59:00-04:00), final");
}

TEST_F(RepoChecksTest, TagsMissingOneGivesHalfAndSaysHowToCreateIt) {
  snapshot.tags = {"part1", "Final"};
  const auto c = Run("tags");
  EXPECT_EQ(c.status, CheckStatus::kFail);
  EXPECT_DOUBLE_EQ(c.score, 1.0);  // 1 of 2 tags x 2 points
  EXPECT_TRUE(Has(c.message,
                  "tag 'final' is missing: create it with `git tag -a final <commit>` "
                  "and push it with `git push origin final`"))
      << c.message;
  EXPECT_TRUE(Has(c.message, "(there is a tag 'Final': tag names are case-sensitive)"));
  EXPECT_EQ(Run("strict").score, 0);  // partial: false
}

TEST_F(RepoChecksTest, TagsLateSaysByHowMuch) {
  snapshot.tag_times["part1"] = Deadline() + 13 * 3600 + 60;
  const auto c = Run("tags");
  EXPECT_EQ(c.status, CheckStatus::kFail);
  EXPECT_DOUBLE_EQ(c.score, 1.0);
  EXPECT_TRUE(Has(c.message,
                  "tag 'part1' is dated 2026-10-02T13:00:00-04:00 (its tagger or "
                  "commit time), 13 h 1 min after its deadline 2026-10-01T23:59:00-04:00"))
      << c.message;
  snapshot.tag_times["part1"] = Deadline() + 3 * 86400 + 4 * 3600 + 59;
  EXPECT_TRUE(Has(Run("tags").student, "part1: dated 2026-10-05T03:59:59-04:00, 3 days 4 h late"))
      << Run("tags").student;
}

TEST(TagsValidate, BadDeadlineIsReportedAtItsValue) {
  EXPECT_EQ(LoadError(OneCheck("    type: tags\n    tags: [part1]\n"
                               "    deadlines: {part1: \"2026-13-01T00:00:00Z\"}\n")),
            "test.yaml:11:24: check 'c': deadlines: bad deadline \"2026-13-01T00:00:00Z\": month "
            "13 is out of range (expected YYYY-MM-DDTHH:MM:SS then Z or +HH:MM/-HH:MM, e.g. "
            "2026-10-31T23:59:00-04:00)");
}

TEST(TagsValidate, DeadlineForAnUnlistedTagIsRefused) {
  EXPECT_EQ(LoadError(OneCheck("    type: tags\n    tags: [part1]\n"
                               "    deadlines: {final: \"2026-10-01T00:00:00Z\"}\n")),
            "test.yaml:11:17: check 'c': deadlines: deadline for tag \"final\", which is not in "
            "'tags'");
}

TEST(TagsValidate, NoTagsAndNoFinalTagIsRefused) {
  EXPECT_EQ(LoadError(OneCheck("    type: tags\n    final_tag: false\n")),
            "test.yaml:6:5: check 'c': 'tags' must list at least one tag, or 'final_tag' be true");
  EXPECT_EQ(LoadError(OneCheck("    type: tags\n    final_tag: true\n")), "");
}

// final_tag: the graded ref must be a tag, and not one of `tags` (the
// fetcher's choice itself is tested in checks_final_tag_test.cc).
class FinalTagVerdict : public ::testing::Test, public ScoringFixture {
 protected:
  void SetUp() override {
    Load(OneCheck("    type: tags\n    tags: [part1]\n    final_tag: true\n"));
    snapshot.tags = {"part1"};
  }
  void Graded(const std::string& kind, const std::string& ref, const std::string& why = "") {
    snapshot.revision.ref_kind = kind;
    snapshot.revision.ref = ref;
    snapshot.revision.why = why;
  }
};

TEST_F(FinalTagVerdict, AnotherTagPassesAndSaysWhichRefWasGradedAndWhy) {
  Graded("tag", "v1", "the newest tag other than part1");
  const auto o = Judge("c");
  EXPECT_EQ(o.status, CheckStatus::kPass);
  EXPECT_EQ(o.message, "Graded tag v1 (the newest tag other than part1).");
  EXPECT_EQ(o.expected, "tags: part1, a tag on the final submission");
}

TEST_F(FinalTagVerdict, ThePartTagItselfOrABranchOrACommitIsNoFinalTag) {
  for (const auto& [kind, ref] : std::vector<std::pair<std::string, std::string>>{
           {"tag", "part1"}, {"branch", "main"}, {"commit", "0123abc"}}) {
    Graded(kind, ref);
    const auto o = Judge("c");
    EXPECT_EQ(o.status, CheckStatus::kFail) << kind;
    EXPECT_EQ(o.fraction, 0.5) << kind;
    EXPECT_TRUE(Has(o.message, "no tag on the final submission")) << o.message;
    EXPECT_TRUE(Has(o.message, "Graded " + kind + " " + ref + ".")) << o.message;
    EXPECT_TRUE(Has(o.student, "final submission: no tag")) << o.student;
  }
}

}  // namespace
}  // namespace ipc::testing
