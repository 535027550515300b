#include "rubric/yaml_reader.h"

#include <map>

#include "rubric/yaml_scalar.h"
#include "util/strings.h"

namespace ipc::rubric {
namespace {

std::string Quoted(const std::string& key) { return "'" + key + "'"; }

}  // namespace

Location LocationOf(const YAML::Mark& mark, const std::string& file) {
  if (mark.is_null()) return Location{file, 0, 0};
  return Location{file, mark.line + 1, mark.column + 1};
}

NodeReader::NodeReader(YAML::Node node, std::string file, std::string what)
    : node_(std::move(node)), file_(std::move(file)), what_(std::move(what)) {
  if (!node_.IsDefined() || !node_.IsMap()) {
    Fail(node_, "must be a mapping, got " + DescribeNode(node_));
  }
  std::map<std::string, YAML::Node> first_seen;
  for (auto it = node_.begin(); it != node_.end(); ++it) {
    // A copy: it->first lives in a proxy that dies with the expression.
    const YAML::Node key = it->first;
    if (!key.IsScalar()) Fail(key, "keys must be strings, got " + DescribeNode(key));
    auto [pos, inserted] = first_seen.emplace(key.Scalar(), key);
    if (!inserted) {
      Fail(key, "duplicate key " + Quoted(key.Scalar()) + " (first at line " +
                    std::to_string(WhereOf(pos->second).line) + ")");
    }
  }
}

std::optional<NodeReader::Entry> NodeReader::Find(const std::string& key) const {
  // Iterate rather than node_[key]: lookup through operator[] would not give
  // the key node (whose mark "unknown key" errors need) and, on a non-const
  // node, can turn a missing entry into a zombie one.
  for (auto it = node_.begin(); it != node_.end(); ++it) {
    if (it->first.Scalar() == key) return Entry{it->first, it->second};
  }
  return std::nullopt;
}

void NodeReader::MarkKnown(const std::vector<std::string>& keys) {
  for (const auto& k : keys) {
    if (read_.insert(k).second) known_in_order_.push_back(k);
  }
}

std::optional<NodeReader::Entry> NodeReader::Take(const std::string& key,
                                                  const char* expected) {
  MarkKnown({key});
  auto e = Find(key);
  if (e && e->value.IsNull()) {
    if (expected) FailType(*e, key, expected);
    Fail(e->key, Quoted(key) + " has no value");
  }
  return e;
}

void NodeReader::FailType(const Entry& e, const std::string& key,
                          const char* expected) const {
  // An empty value's mark is that of the next token, often on the next
  // line, so a null value is blamed on its key.
  Fail(e.value.IsNull() ? e.key : e.value,
       Quoted(key) + " must be " + expected + ", got " + DescribeNode(e.value));
}

std::optional<std::string> NodeReader::OptString(const std::string& key) {
  auto e = Take(key, "a string");
  if (!e) return std::nullopt;
  if (!e->value.IsScalar()) FailType(*e, key, "a string");
  return e->value.Scalar();
}

std::string NodeReader::RequireString(const std::string& key) {
  if (auto v = OptString(key)) return *v;
  FailMissing(key);
}

std::optional<double> NodeReader::OptNumber(const std::string& key) {
  auto e = Take(key, "a number");
  if (!e) return std::nullopt;
  if (auto v = scalar::ToNumber(e->value)) return v;
  if (scalar::IsNumeric(e->value)) {
    Fail(e->value, Quoted(key) + " is out of range, got " + DescribeNode(e->value));
  }
  FailType(*e, key, "a number");
}

double NodeReader::RequireNumber(const std::string& key) {
  if (auto v = OptNumber(key)) return *v;
  FailMissing(key);
}

std::optional<long long> NodeReader::OptInt(const std::string& key) {
  auto e = Take(key, "an integer");
  if (!e) return std::nullopt;
  if (auto v = scalar::ToInt(e->value)) return v;
  if (scalar::IsIntegerSyntax(e->value)) {
    Fail(e->value, Quoted(key) + " is out of range, got " + DescribeNode(e->value));
  }
  FailType(*e, key, "an integer");
}

std::optional<bool> NodeReader::OptBool(const std::string& key) {
  auto e = Take(key, "true or false");
  if (!e) return std::nullopt;
  if (auto v = scalar::ToBool(e->value)) return v;
  FailType(*e, key, "true or false");
}

std::optional<std::vector<std::string>> NodeReader::OptStringList(
    const std::string& key) {
  static constexpr const char* kExpected = "a string or a list of strings";
  auto e = Take(key, kExpected);
  if (!e) return std::nullopt;
  if (e->value.IsScalar()) return std::vector<std::string>{e->value.Scalar()};
  if (!e->value.IsSequence()) FailType(*e, key, kExpected);
  std::vector<std::string> out;
  for (const YAML::Node& item : e->value) {
    if (!item.IsScalar()) {
      Fail(item, Quoted(key) + " item " + std::to_string(out.size() + 1) +
                     " must be a string, got " + DescribeNode(item));
    }
    out.push_back(item.Scalar());
  }
  return out;
}

std::vector<std::string> NodeReader::RequireStringList(const std::string& key) {
  if (auto v = OptStringList(key)) return *v;
  FailMissing(key);
}

YAML::Node NodeReader::Child(const std::string& key) {
  if (auto e = Take(key, nullptr)) return e->value;
  return YAML::Node(YAML::NodeType::Undefined);
}

bool NodeReader::Has(const std::string& key) const { return Find(key).has_value(); }

void NodeReader::RejectUnknown() {
  for (auto it = node_.begin(); it != node_.end(); ++it) {
    const YAML::Node key_node = it->first;
    const std::string key = key_node.Scalar();
    if (read_.count(key)) continue;
    std::string message = "unknown key " + Quoted(key);
    if (std::string best = DidYouMean(key, known_in_order_); !best.empty()) {
      message += " (did you mean " + Quoted(best) + "?)";
    } else if (!known_in_order_.empty()) {
      message += " (expected one of: " + Join(known_in_order_, ", ") + ")";
    }
    Fail(key_node, message);
  }
}

YAML::Node NodeReader::UnreadKeyLike(const std::string& key) const {
  for (auto it = node_.begin(); it != node_.end(); ++it) {
    const YAML::Node key_node = it->first;
    const std::string& k = key_node.Scalar();
    if (!read_.count(k) && DidYouMean(k, {key}) == key) return key_node;
  }
  return YAML::Node(YAML::NodeType::Undefined);
}

void NodeReader::FailMissing(const std::string& key) const {
  std::string message = "missing required key " + Quoted(key);
  if (const YAML::Node typo = UnreadKeyLike(key)) {
    message += " (is " + Quoted(typo.Scalar()) + " on line " +
               std::to_string(WhereOf(typo).line) + " a misspelling?)";
  }
  Fail(node_, message);
}

Location NodeReader::Where() const { return WhereOf(node_); }

Location NodeReader::WhereOf(const YAML::Node& node) const {
  // Mark() throws on a zombie node (operator[] of a missing key).
  if (!node.IsDefined()) return Location{file_, 0, 0};
  return LocationOf(node.Mark(), file_);
}

void NodeReader::Fail(const YAML::Node& at, const std::string& message) const {
  throw RubricError(WhereOf(at).ToString() + ": " +
                    (what_.empty() ? "" : what_ + ": ") + message);
}

void NodeReader::FailKey(const std::string& key, const std::string& message) const {
  auto e = Find(key);
  Fail(e ? e->key : node_, message);
}

void NodeReader::FailValue(const std::string& key, const std::string& message) const {
  auto e = Find(key);
  if (!e) Fail(node_, message);
  Fail(e->value.IsNull() ? e->key : e->value, message);
}

}  // namespace ipc::rubric
