#include "checks/glob.h"

#include <algorithm>
#include <cctype>
#include <cstring>

namespace ipc::checks {
namespace {

// "[:alpha:]" and friends; nullopt for an unknown name (git then refuses
// the whole pattern, so do we).
std::optional<bool> InNamedClass(std::string_view name, unsigned char ch) {
  if (name == "alnum") return std::isalnum(ch) != 0;
  if (name == "alpha") return std::isalpha(ch) != 0;
  if (name == "blank") return ch == ' ' || ch == '\t';
  if (name == "cntrl") return std::iscntrl(ch) != 0;
  if (name == "digit") return std::isdigit(ch) != 0;
  if (name == "graph") return std::isgraph(ch) != 0;
  if (name == "lower") return std::islower(ch) != 0;
  if (name == "print") return std::isprint(ch) != 0;
  if (name == "punct") return std::ispunct(ch) != 0;
  if (name == "space") return std::isspace(ch) != 0;
  if (name == "upper") return std::isupper(ch) != 0;
  if (name == "xdigit") return std::isxdigit(ch) != 0;
  return std::nullopt;
}

// Backtracking over '*' memoised on (pattern position, text position), so
// a pattern such as "*a*a*a*a*b" costs pattern x text steps, not an
// exponential number.
class Matcher {
 public:
  Matcher(std::string_view p, std::string_view t) : p_(p), t_(t) {}

  // p_[pi..] matches t_[ti..] exactly.
  bool Match(std::size_t pi, std::size_t ti) {
    while (pi < p_.size()) {
      const char c = p_[pi];
      if (c == '*') return Star(pi, ti);
      if (ti == t_.size()) return false;
      switch (c) {
        case '?':
          if (t_[ti] == '/') return false;
          ++pi;
          break;
        case '[': {
          std::size_t end = 0;
          if (!Class(pi, static_cast<unsigned char>(t_[ti]), &end)) return false;
          pi = end;
          break;
        }
        case '\\':
          // A trailing backslash escapes nothing: git matches nothing.
          if (pi + 1 == p_.size() || p_[pi + 1] != t_[ti]) return false;
          pi += 2;
          break;
        default:
          if (c != t_[ti]) return false;
          ++pi;
      }
      ++ti;
    }
    return ti == t_.size();
  }

 private:
  bool Star(std::size_t pi, std::size_t ti) {
    if (memo_.empty()) memo_.assign((p_.size() + 1) * (t_.size() + 1), -1);
    signed char& m = memo_[pi * (t_.size() + 1) + ti];
    if (m < 0) m = StarUncached(pi, ti) ? 1 : 0;
    return m == 1;
  }

  bool StarUncached(std::size_t pi, std::size_t ti) {
    std::size_t pj = pi;
    while (pj < p_.size() && p_[pj] == '*') ++pj;
    const bool spans =
        pj - pi >= 2 && (pi == 0 || p_[pi - 1] == '/') && (pj == p_.size() || p_[pj] == '/');
    if (spans) {
      if (pj == p_.size()) return true;  // trailing "**": all that is below
      // "**/": zero or more whole folders, then the rest.
      const std::size_t rest = pj + 1;
      if (Match(rest, ti)) return true;
      for (std::size_t k = ti; k < t_.size(); ++k) {
        if (t_[k] == '/' && Match(rest, k + 1)) return true;
      }
      return false;
    }
    // '*' (or "**" not between slashes): any run of non-'/' characters.
    for (std::size_t k = ti;; ++k) {
      if (Match(pj, k)) return true;
      if (k == t_.size() || t_[k] == '/') return false;
    }
  }

  // The bracket expression at p_[pi] == '['; *end is just past its ']'.
  // An unterminated or malformed one matches nothing, as in git.
  bool Class(std::size_t pi, unsigned char ch, std::size_t* end) const {
    std::size_t i = pi + 1;
    bool negate = false;
    if (i < p_.size() && (p_[i] == '!' || p_[i] == '^')) {
      negate = true;
      ++i;
    }
    bool matched = false;
    for (bool first = true;; first = false) {
      if (i >= p_.size()) return false;
      unsigned char lo = static_cast<unsigned char>(p_[i]);
      if (lo == ']' && !first) break;
      if (lo == '[' && i + 1 < p_.size() && p_[i + 1] == ':') {
        const std::size_t close = p_.find(":]", i + 2);
        if (close != std::string_view::npos) {
          auto in = InNamedClass(p_.substr(i + 2, close - i - 2), ch);
          if (!in) return false;
          matched |= *in;
          i = close + 2;
          continue;
        }
      }
      if (lo == '\\') {
        if (++i >= p_.size()) return false;
        lo = static_cast<unsigned char>(p_[i]);
      }
      ++i;
      if (i + 1 < p_.size() && p_[i] == '-' && p_[i + 1] != ']') {
        std::size_t h = i + 1;
        if (p_[h] == '\\' && ++h >= p_.size()) return false;
        const auto hi = static_cast<unsigned char>(p_[h]);
        matched |= lo <= ch && ch <= hi;
        i = h + 1;
      } else {
        matched |= lo == ch;
      }
    }
    *end = i + 1;
    if (ch == '/') return false;  // WM_PATHNAME: a class never matches '/'
    return matched != negate;
  }

  std::string_view p_;
  std::string_view t_;
  std::vector<signed char> memo_;  // -1 unknown, 0 no, 1 yes
};

// git's trim_trailing_spaces: spaces only (not tabs), and "\ " is kept.
std::string_view TrimTrailingSpaces(std::string_view s) {
  std::size_t keep = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == ' ') continue;
    if (s[i] == '\\' && i + 1 < s.size()) ++i;
    keep = i + 1;
  }
  return s.substr(0, keep);
}

const IgnoreRule* LastMatch(const std::vector<IgnoreRule>& rules, std::string_view path,
                            bool is_dir) {
  for (auto it = rules.rbegin(); it != rules.rend(); ++it) {
    if (it->Matches(path, is_dir)) return &*it;
  }
  return nullptr;
}

}  // namespace

bool WildMatch(std::string_view pattern, std::string_view text) {
  if (pattern.size() > kMaxPatternBytes) return false;
  return Matcher(pattern, text).Match(0, 0);
}

bool IgnoreRule::Matches(std::string_view path, bool is_dir) const {
  if (dir_only && !is_dir) return false;
  if (basename) {
    const std::size_t slash = path.rfind('/');
    return WildMatch(pattern, slash == std::string_view::npos ? path : path.substr(slash + 1));
  }
  if (pattern.size() > kMaxPatternBytes) return false;
  // As git's match_pathname: the bytes before the first wildcard are
  // compared as they are, and only the rest goes through wildmatch. That
  // changes what a "**" right after them means: "x**/*" is "x" then "**/*",
  // which matches "x" itself and "x.pyc", where wildmatch alone would read
  // "x", '*', "/*".
  const std::size_t literal = std::min(pattern.find_first_of("*?[\\"), pattern.size());
  if (path.substr(0, literal) != std::string_view(pattern).substr(0, literal)) return false;
  return WildMatch(std::string_view(pattern).substr(literal), path.substr(literal));
}

std::optional<IgnoreRule> ParseIgnoreLine(std::string_view line, int number) {
  // Lines are split on '\n'; git drops the CR of a CRLF line end.
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line.empty() || line[0] == '#') return std::nullopt;
  line = TrimTrailingSpaces(line);
  IgnoreRule rule;
  rule.source = std::string(line);
  rule.line = number;
  if (!line.empty() && line[0] == '!') {
    rule.negated = true;
    line.remove_prefix(1);
  }
  if (!line.empty() && line.back() == '/') {
    rule.dir_only = true;
    line.remove_suffix(1);
  }
  rule.basename = line.find('/') == std::string_view::npos;
  if (!rule.basename && line[0] == '/') line.remove_prefix(1);
  if (line.empty()) return std::nullopt;
  rule.pattern = std::string(line);
  return rule;
}

std::vector<IgnoreRule> ParseIgnoreFile(std::string_view contents) {
  std::vector<IgnoreRule> rules;
  // git skips a UTF-8 byte-order mark (Windows editors write one).
  if (contents.substr(0, 3) == "\xEF\xBB\xBF") contents.remove_prefix(3);
  int number = 0;
  while (!contents.empty()) {
    ++number;
    const std::size_t nl = contents.find('\n');
    const std::string_view line = contents.substr(0, nl);
    if (auto rule = ParseIgnoreLine(line, number)) rules.push_back(std::move(*rule));
    if (nl == std::string_view::npos) break;
    contents.remove_prefix(nl + 1);
  }
  return rules;
}

IgnoreVerdict Evaluate(const std::vector<IgnoreRule>& rules, std::string_view path, bool is_dir) {
  for (std::size_t slash = path.find('/'); slash != std::string_view::npos;
       slash = path.find('/', slash + 1)) {
    const std::string_view folder = path.substr(0, slash);
    const IgnoreRule* rule = LastMatch(rules, folder, true);
    if (rule != nullptr && !rule->negated) return {true, rule, std::string(folder)};
  }
  const IgnoreRule* rule = LastMatch(rules, path, is_dir);
  return {rule != nullptr && !rule->negated, rule, ""};
}

}  // namespace ipc::checks
