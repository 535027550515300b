// Small string helpers used all over the grader and by the probe. Header
// only and libc/libstdc++ only: the static probe (ipc_probe_core, ipc_tar)
// includes it without linking anything more.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace ipc {

// The characters std::isspace accepts in the C locale.
inline constexpr std::string_view kWhitespace = " \t\n\v\f\r";
// Spaces and tabs only (CSV fields, one line of a file).
inline constexpr std::string_view kBlanks = " \t";

// `items` with `sep` between each two: Join({"a", "", "b"}, ", ") is
// "a, , b" (an empty item keeps its separators).
inline std::string Join(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += sep;
    out += items[i];
  }
  return out;
}

// `s` without the leading and trailing characters that are in `chars`.
inline std::string Trim(std::string_view s, std::string_view chars = kWhitespace) {
  const std::size_t b = s.find_first_not_of(chars);
  if (b == std::string_view::npos) return "";
  return std::string(s.substr(b, s.find_last_not_of(chars) - b + 1));
}

// `s` in single quotes for an error message, with '\n' written "\n" and
// other control bytes, non-ASCII bytes, '\\' and '\'' written "\xNN": a name
// taken from a student's tree or archive cannot forge lines in a report or
// end the quotes early.
inline std::string QuoteForMessage(std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "'";
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '\n') {
      out += "\\n";
    } else if (c < 0x20 || c >= 0x7f || c == '\\' || c == '\'') {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += ch;
    }
  }
  return out + "'";
}

}  // namespace ipc
