// Git's ignore-pattern language, for the repository checks (gitignore,
// not_committed): the students' .gitignore is judged by what git would do
// with it, not by string comparison, so `/prog`, `**/*.pyc` or `*.py[co]`
// count and `prog/` (a folder only) does not count for a file.
//
// Semantics follow gitignore(5) and git's wildmatch with WM_PATHNAME:
//  - a UTF-8 byte-order mark at the start is skipped;
//  - a blank line or one starting with '#' is no pattern; "\#" and "\!" start
//    a literal '#' / '!'; a trailing CR (CRLF file) is dropped, as git does;
//    trailing spaces are dropped unless escaped; leading spaces are part of
//    the pattern (git keeps them);
//  - '!' negates; a trailing '/' matches folders only;
//  - a pattern with no '/' other than a trailing one matches the name at any
//    depth; any other pattern is anchored at the folder of the .gitignore
//    (a leading '/' only says so);
//  - '*' and '?' never match '/'; "**/", "/**/" and "/**" span folders; "**"
//    anywhere else is '*'; [a-z], [!a-z], [^a-z] and [[:alpha:]] classes;
//  - as in git, an anchored pattern's bytes before its first wildcard are
//    compared first and only the rest is a glob, so "x**/*" reads as "x" then
//    "**/*" and matches "x" and "x.pyc" (tests/unit/checks_gitignore_diff_test
//    holds the matcher to `git check-ignore`);
//  - the last matching pattern wins, and nothing inside an ignored folder can
//    be re-included.
// Only one ignore file is read: .git/info/exclude, core.excludesFile and
// .gitignore files in subfolders are not consulted.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ipc::checks {

// Longer patterns never match: a hostile .gitignore cannot make matching
// slow (the matcher is memoised, so its cost is pattern x path length).
inline constexpr std::size_t kMaxPatternBytes = 4096;

// `text` matches glob `pattern` in git's wildmatch with WM_PATHNAME.
bool WildMatch(std::string_view pattern, std::string_view text);

struct IgnoreRule {
  std::string source;   // the line as it reads after CR/space trimming
  int line = 0;         // 1-based line in the file; 0 when not from a file
  std::string pattern;  // glob: no '!', no trailing '/', no leading '/'
  bool negated = false;
  bool dir_only = false;  // written with a trailing '/'
  bool basename = false;  // no '/' inside: matches the last path component

  // Whether the rule's pattern matches `path` ('/'-separated, relative to the
  // ignore file's folder), ignoring negation; `is_dir` says what path is.
  bool Matches(std::string_view path, bool is_dir) const;
};

// nullopt for a blank line, a comment or a pattern that is only "!" or "/".
std::optional<IgnoreRule> ParseIgnoreLine(std::string_view line, int number);
std::vector<IgnoreRule> ParseIgnoreFile(std::string_view contents);

struct IgnoreVerdict {
  bool ignored = false;
  // The rule that decided: for an ignored path, the one that ignores it or
  // the folder above it; for a path not ignored, a negation that re-included
  // it, or null when no rule matched at all.
  const IgnoreRule* rule = nullptr;
  std::string folder;  // when the path is ignored because this folder is
};

// What git decides for `path` under `rules` (in file order). Folders above
// the path are judged first: git never looks inside an ignored folder.
IgnoreVerdict Evaluate(const std::vector<IgnoreRule>& rules, std::string_view path, bool is_dir);

}  // namespace ipc::checks
