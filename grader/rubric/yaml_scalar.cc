#include "rubric/yaml_scalar.h"

#include <charconv>
#include <cmath>
#include <cstdio>

#include "rubric/yaml_reader.h"

namespace ipc::rubric::scalar {
namespace {

constexpr std::string_view kIntTag = "tag:yaml.org,2002:int";
constexpr std::string_view kFloatTag = "tag:yaml.org,2002:float";
constexpr std::string_view kBoolTag = "tag:yaml.org,2002:bool";

// yaml-cpp tags an untagged plain scalar "?" and a quoted one "!".
bool IsPlainOr(const YAML::Node& node, std::string_view tag1,
               std::string_view tag2 = {}) {
  if (!node.IsDefined() || !node.IsScalar()) return false;
  const std::string& tag = node.Tag();
  return tag == "?" || tag == tag1 || (!tag2.empty() && tag == tag2);
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Skips [0-9]+ at `i`; false when there is none.
bool Digits(std::string_view s, std::size_t& i) {
  const std::size_t start = i;
  while (i < s.size() && IsDigit(s[i])) ++i;
  return i > start;
}

// [-+]?[0-9]+
bool IntSyntax(std::string_view s) {
  std::size_t i = (!s.empty() && (s[0] == '-' || s[0] == '+')) ? 1 : 0;
  return Digits(s, i) && i == s.size();
}

// [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?  (core schema, decimal)
bool FloatSyntax(std::string_view s) {
  std::size_t i = (!s.empty() && (s[0] == '-' || s[0] == '+')) ? 1 : 0;
  if (i < s.size() && s[i] == '.') {
    ++i;
    if (!Digits(s, i)) return false;
  } else {
    if (!Digits(s, i)) return false;
    if (i < s.size() && s[i] == '.') {
      ++i;
      Digits(s, i);
    }
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
    if (!Digits(s, i)) return false;
  }
  return i == s.size();
}

// from_chars takes no leading '+'.
std::string_view StripPlus(std::string_view s) {
  return (!s.empty() && s[0] == '+') ? s.substr(1) : s;
}

}  // namespace

bool IsNumeric(const YAML::Node& node) {
  return IsPlainOr(node, kIntTag, kFloatTag) && FloatSyntax(node.Scalar());
}

std::optional<double> ToNumber(const YAML::Node& node) {
  if (!IsNumeric(node)) return std::nullopt;
  const std::string_view s = StripPlus(node.Scalar());
  double value = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || end != s.data() + s.size() || !std::isfinite(value)) {
    return std::nullopt;
  }
  return value;
}

bool IsIntegerSyntax(const YAML::Node& node) {
  return IsPlainOr(node, kIntTag) && IntSyntax(node.Scalar());
}

std::optional<long long> ToInt(const YAML::Node& node) {
  if (!IsIntegerSyntax(node)) return std::nullopt;
  const std::string_view s = StripPlus(node.Scalar());
  long long value = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return value;
}

std::optional<bool> ToBool(const YAML::Node& node) {
  if (!IsPlainOr(node, kBoolTag)) return std::nullopt;
  const std::string& s = node.Scalar();
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  return std::nullopt;
}

std::string Quote(std::string_view text) {
  constexpr std::size_t kMax = 60;
  std::string out = "\"";
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (i == kMax) {
      out += "...";
      break;
    }
    const unsigned char c = static_cast<unsigned char>(text[i]);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\x%02x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

}  // namespace ipc::rubric::scalar

namespace ipc::rubric {

std::string DescribeNode(const YAML::Node& node) {
  if (!node.IsDefined()) return "nothing";
  switch (node.Type()) {
    case YAML::NodeType::Null: return "null";
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Map: return "a mapping";
    case YAML::NodeType::Scalar: break;
    case YAML::NodeType::Undefined: return "nothing";
  }
  if (scalar::IsNumeric(node)) return "number " + node.Scalar();
  if (scalar::ToBool(node)) return "boolean " + node.Scalar();
  return "string " + scalar::Quote(node.Scalar());
}

std::string FormatNumber(double value) {
  // Shortest round-trip text; a sum like 0.1 + 0.2 is shown rounded to
  // nine decimals so messages read 0.3, not 0.30000000000000004.
  const double rounded =
      std::abs(value) < 1e9 ? std::round(value * 1e9) / 1e9 : value;
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, rounded);
  if (ec != std::errc()) return std::to_string(value);
  return std::string(buf, end);
}

}  // namespace ipc::rubric
