// checks/glob.h against git itself: for generated .gitignore files (a
// fixed seed, so every run asks the same questions) and a list of tricky
// ones, `git check-ignore --no-index` decides each path of a real work tree
// and Evaluate() must give the same verdict, decided by the same line.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "checks/glob.h"
#include "shell_support.h"

namespace ipc::checks {
namespace {

namespace fs = std::filesystem;

using test::OnCi;
using test::ShellQuote;

std::string Sh(const std::string& cmd, int* status) { return test::ShellOutput(cmd, status); }

// The work tree every .gitignore is judged in. Names with the characters
// patterns treat specially ('*', '[', '#', '!', spaces) are files too, and
// the same base names sit at several depths.
const std::vector<std::string> kDirs = {
    "a",       "a/b",  "a/b/c",   "b",           "build",  "src", "src/__pycache__",
    ".hidden", "deep", "deep/er", "deep/er/est", "prog.d", "x"};
const std::vector<std::string> kFiles = {"prog",
                                         "a/prog",
                                         "a/b/prog",
                                         "a/b/c/prog",
                                         "x.pyc",
                                         "a/x.pyc",
                                         "src/__pycache__/m.pyc",
                                         "src/main.c",
                                         "src/prog",
                                         "a/b/c/d.txt",
                                         "build/out.o",
                                         "b/x",
                                         "ab",
                                         "abc",
                                         "a.b",
                                         ".bash_history",
                                         "deep/er/est/f.log",
                                         "run.log",
                                         "[x]",
                                         "*star",
                                         "sp ace",
                                         "t ",
                                         "#hash",
                                         "!bang",
                                         "README",
                                         "readme",
                                         "x/prog",
                                         "x/build",
                                         "a/b/build.log",
                                         ".hidden/h",
                                         "aXc",
                                         "a-c",
                                         "deep/prog",
                                         "b/b",
                                         "Prog"};

class GitignoreDiffTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    int status = 0;
    Sh("git --version >/dev/null 2>&1", &status);
    git_ok_ = status == 0;
    if (!git_ok_) return;
    char tmpl[] = "/tmp/ipc-gitignore-diff-XXXXXX";
    root_ = new std::string(::mkdtemp(tmpl));
    // No templates: no .git/info/exclude to consult.
    Sh("git init -q --template= " + ShellQuote(*root_) + " 2>&1", &status);
    git_ok_ = status == 0;
    for (const auto& d : kDirs) fs::create_directories(*root_ + "/" + d);
    for (const auto& f : kFiles) std::ofstream(*root_ + "/" + f) << "x";
    for (const auto& d : kDirs) paths_.push_back({d, true});
    for (const auto& f : kFiles) paths_.push_back({f, false});
  }
  static void TearDownTestSuite() {
    if (root_ != nullptr) fs::remove_all(*root_);
    delete root_;
    root_ = nullptr;
  }
  void SetUp() override {
    if (!git_ok_) {
      if (OnCi()) FAIL() << "git does not run, and CI=true";
      GTEST_SKIP() << "git does not run (apt-get install git)";
    }
  }

  struct Verdict {
    bool ignored = false;
    int line = 0;  // the deciding line, 0 when no line matched
    bool operator==(const Verdict&) const = default;
  };

  // What git decides for every path of the tree under `gitignore`, read
  // only from that file: no system or global configuration, no
  // core.excludesFile, no info/exclude, no index.
  static std::map<std::string, Verdict> GitVerdicts(const std::string& gitignore) {
    std::ofstream(*root_ + "/.gitignore", std::ios::binary) << gitignore;
    std::string list;
    for (const auto& [path, is_dir] : paths_) list += path + '\0';
    std::ofstream(*root_ + "/.paths", std::ios::binary) << list;
    int status = 0;
    const std::string out =
        Sh("cd " + ShellQuote(*root_) +
               " && HOME=/nonexistent GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null"
               " git -c core.excludesFile=/dev/null"
               " -c core.ignoreCase=false check-ignore --no-index --stdin -z -v -n < .paths",
           &status);
    EXPECT_TRUE(status == 0 || status == 1) << "git check-ignore exited " << status;
    // -z -v -n: SOURCE NUL LINE NUL PATTERN NUL PATH NUL per path, SOURCE
    // empty when nothing matched.
    std::vector<std::string> fields;
    std::size_t start = 0;
    for (std::size_t nul = out.find('\0'); nul != std::string::npos;
         start = nul + 1, nul = out.find('\0', start)) {
      fields.push_back(out.substr(start, nul - start));
    }
    std::map<std::string, Verdict> verdicts;
    EXPECT_EQ(fields.size(), 4 * paths_.size()) << "unexpected output: " << out;
    for (std::size_t i = 0; i + 3 < fields.size(); i += 4) {
      Verdict v;
      if (!fields[i].empty()) {
        v.line = std::stoi(fields[i + 1]);
        v.ignored = fields[i + 2].empty() || fields[i + 2][0] != '!';
      }
      verdicts[fields[i + 3]] = v;
    }
    return verdicts;
  }

  static Verdict OurVerdict(const std::vector<IgnoreRule>& rules, const std::string& path,
                            bool is_dir) {
    const IgnoreVerdict v = Evaluate(rules, path, is_dir);
    return {v.ignored, v.rule == nullptr ? 0 : v.rule->line};
  }

  // How often each kind of verdict came up, so a test can show that its
  // files ask questions with different answers.
  struct Tally {
    int compared = 0;
    int ignored = 0;     // by a rule on the path itself
    int in_folder = 0;   // because a folder above is ignored
    int reincluded = 0;  // a negation decided
  };

  // Compares every path under every file; reports at most a few
  // disagreements per file.
  static Tally Compare(const std::vector<std::string>& gitignores) {
    Tally tally;
    int disagreements = 0;
    for (const auto& text : gitignores) {
      const auto git = GitVerdicts(text);
      if (git.empty()) return tally;  // git failed: reported once above
      const auto rules = ParseIgnoreFile(text);
      int here = 0;
      for (const auto& [path, is_dir] : paths_) {
        const auto it = git.find(path);
        if (it == git.end()) {
          ADD_FAILURE() << "git said nothing about " << path;
          continue;
        }
        ++tally.compared;
        const IgnoreVerdict full = Evaluate(rules, path, is_dir);
        if (full.ignored) ++(full.folder.empty() ? tally.ignored : tally.in_folder);
        if (full.rule != nullptr && full.rule->negated) ++tally.reincluded;
        const Verdict ours = OurVerdict(rules, path, is_dir);
        if (ours == it->second) continue;
        ++disagreements;
        if (++here > 3) continue;
        ADD_FAILURE() << "path \"" << path << "\"" << (is_dir ? " (folder)" : "")
                      << " under .gitignore:\n-----\n"
                      << text
                      << "\n-----\n git: " << (it->second.ignored ? "ignored" : "not ignored")
                      << " by line " << it->second.line
                      << "\nours: " << (ours.ignored ? "ignored" : "not ignored") << " by line "
                      << ours.line;
      }
    }
    EXPECT_EQ(disagreements, 0);
    return tally;
  }

  static inline bool git_ok_ = false;
  static inline std::string* root_ = nullptr;
  static inline std::vector<std::pair<std::string, bool>> paths_;  // path, is a folder
};

// One random .gitignore line from pieces that exercise every rule of
// gitignore(5): anchoring, '**' in all its places, classes, escapes,
// negation, folder-only, trailing spaces, comments, CR line ends.
std::string RandomLine(std::mt19937& rng) {
  // Not std::uniform_int_distribution: its output differs between standard
  // libraries, and the questions should be the same everywhere.
  auto pick = [&](const std::vector<std::string>& v) { return v[rng() % v.size()]; };
  static const std::vector<std::string> kSegments = {"a",
                                                     "b",
                                                     "c",
                                                     "prog",
                                                     "*",
                                                     "**",
                                                     "?",
                                                     "*.pyc",
                                                     "[ab]",
                                                     "[!a]",
                                                     "[^a]",
                                                     "[a-c]*",
                                                     "__pycache__",
                                                     "build",
                                                     "*.o",
                                                     "d.txt",
                                                     "\\*star",
                                                     "\\[x]",
                                                     "x",
                                                     "ab*",
                                                     "*b",
                                                     "a?c",
                                                     ".*",
                                                     "[[:alpha:]]*",
                                                     "[[:upper:]]*",
                                                     "sp\\ ace",
                                                     "*.log",
                                                     "er",
                                                     "deep",
                                                     "src",
                                                     "p*g",
                                                     "*r*",
                                                     "[x]",
                                                     "a[-]c",
                                                     "[]]",
                                                     "[a-]*",
                                                     "pro\\g",
                                                     "**x",
                                                     "x**",
                                                     "a**b",
                                                     "est",
                                                     "h",
                                                     "[[:bogus:]]",
                                                     "readme",
                                                     "README",
                                                     "Prog",
                                                     ".hidden",
                                                     "*.*",
                                                     "t\\ "};
  static const std::vector<std::string> kPrefixes = {"", "", "", "/", "!", "**/", "!/", "!**/"};
  static const std::vector<std::string> kSuffixes = {"",  "",   "",    "/",  "/**",
                                                     " ", "  ", "\\ ", "/*", "\r"};
  switch (rng() % 14) {
    case 0:
      return "";
    case 1:
      return pick({"#a", "\\#hash", "\\!bang", "#", " #hash", "!", "/", "**"});
    default:
      break;
  }
  std::string body = pick(kSegments);
  const unsigned more = rng() % 4;  // 0-1 extra segments usually, up to 3
  for (unsigned i = 0; i < (more == 3 ? 2u : more == 2 ? 1u : 0u); ++i) {
    body += "/" + pick(kSegments);
  }
  return pick(kPrefixes) + body + pick(kSuffixes);
}

TEST_F(GitignoreDiffTest, GeneratedFilesGetGitsVerdictOnEveryPath) {
  std::mt19937 rng(20240611);
  std::vector<std::string> files;
  for (int i = 0; i < 400; ++i) {
    std::string text;
    const unsigned lines = 1 + rng() % 4;
    for (unsigned l = 0; l < lines; ++l) text += RandomLine(rng) + "\n";
    if (rng() % 8 == 0) text.pop_back();  // no final newline
    files.push_back(text);
  }
  const Tally t = Compare(files);
  EXPECT_EQ(t.compared, static_cast<int>(400 * (kDirs.size() + kFiles.size())));
  // The questions have all kinds of answers (969, 861 and 386 with this
  // seed), not only "not ignored".
  EXPECT_GT(t.ignored, 500);
  EXPECT_GT(t.in_folder, 500);
  EXPECT_GT(t.reincluded, 200);
}

// Hand-picked files for rules random lines rarely combine.
TEST_F(GitignoreDiffTest, TrickyFilesGetGitsVerdictOnEveryPath) {
  const std::vector<std::string> files = {
      // A folder ignored, then a file inside re-included: git cannot.
      "a/\n!a/prog\n",
      "a\n!a/b/\n",
      "/a/*\n!/a/b\n",
      "*\n!*/\n!prog\n",
      "**/b/**\n!a/b/prog\n",
      "deep/**/f.log\n",
      "deep/**/est\n",
      "a/**/prog\n",
      "**/__pycache__/\n",
      "src/**\n!src/__pycache__/\n",
      // The same name at several depths, anchored or not.
      "/prog\n",
      "prog/\n",
      "*/prog\n",
      "x/prog\n!prog\n",
      // Escapes, comments and spaces.
      "\\#hash\n\\!bang\n\\*star\n\\[x]\n",
      "sp ace\nt\\ \n",
      "t \n",
      "#hash\n!bang\n",
      "\xEF\xBB\xBFprog\n",  // byte-order mark
      "prog\r\nab\r\n",      // CRLF
      "[a-c]\n[!a-c]b\n",
      "a[-]c\na[X]c\n",
      "[[:alpha:]][[:alpha:]]\n",
      "**\n!**/\n",
      "*.pyc\n!/x.pyc\n",
      "/*.pyc\n",
      "build\n!build/\n",
      "*.log\n!deep/\n",
      "a/b/c/\n!a/b/c/d.txt\n",
      "prog\n!prog\nprog\n",
      "\\\\\n\\\n",
      "a\\/b\n**\\/prog\n",
      "[]\n[\n]\n",
  };
  const Tally t = Compare(files);
  EXPECT_EQ(t.compared, static_cast<int>(files.size() * (kDirs.size() + kFiles.size())));
  EXPECT_GT(t.ignored, 100);
  EXPECT_GT(t.in_folder, 30);
  EXPECT_GT(t.reincluded, 30);
}

}  // namespace
}  // namespace ipc::checks
