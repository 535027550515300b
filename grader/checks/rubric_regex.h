// A rubric's regular expression (file_contents `matches`), searched in a
// student's file. RE2, not std::regex: RE2 runs in time linear in the text
// and without recursion, so no file a student commits (nor any pattern) can
// make the grader slow or overflow its stack, as libstdc++'s backtracking
// executor did on a 10 KB line.
//
// Syntax: RE2's, which for what rubrics use is ECMAScript's: literals,
// escapes, classes ([a-z], [^\n], \d \w \s \b), groups, alternation, greedy
// and lazy quantifiers, {n,m}; '^' and '$' match at the ends of the whole
// text ("(^|\n)x" finds x at the start of a line). Matching is per byte, as
// std::regex on a std::string was. Differences: back-references and
// look-around are refused when the rubric loads; '.' matches any byte but
// '\n' (ECMAScript also stops at '\r'); \s does not include '\v'.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace re2 {
class RE2;
}

namespace ipc::checks {

class RubricRegex {
 public:
  // nullopt with *error set ("missing ): a(b") for an invalid pattern.
  static std::optional<RubricRegex> Compile(const std::string& pattern, std::string* error);

  // Whether the pattern matches somewhere in `text`.
  bool FoundIn(std::string_view text) const;

 private:
  explicit RubricRegex(std::shared_ptr<const re2::RE2> re) : re_(std::move(re)) {}
  std::shared_ptr<const re2::RE2> re_;  // immutable, so copies share it
};

}  // namespace ipc::checks
