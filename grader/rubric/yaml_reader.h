// A checked reader over one YAML mapping (after Falco's rule_loader_reader):
// typed getters that throw RubricError "file:line:col: message", a record of
// which keys were read, and RejectUnknown() that names any key left over
// ("unknown key 'pionts' (did you mean 'points'?)"). The rubric loader and
// every check type decode their keys through it.
//
// Typing is strict and follows YAML 1.2's core schema, not yaml-cpp's lax
// conversions: a number is a plain (unquoted) scalar such as 10, -2.5 or 1e3
// ("10" in quotes is a string); a boolean is a plain true/false (yes/no/on/off
// are strings); a string is any non-null scalar. A key written with no value
// (`title:` or `title: ~`) is an error in every getter, never "absent": the
// author meant something, and silently defaulting would hide it.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "rubric/rubric.h"

namespace ipc::rubric {

class NodeReader {
 public:
  // `what` names the mapping in messages, e.g. "check 'build'"; "" leaves
  // it out. Throws if `node` is not a mapping, has a key that is not a
  // scalar, or repeats a key (yaml-cpp keeps both copies silently).
  NodeReader(YAML::Node node, std::string file, std::string what);

  // Every getter records `key` as known, present or not, so RejectUnknown()
  // can suggest it. Wrong types throw, pointing at the value.
  std::string RequireString(const std::string& key);
  std::optional<std::string> OptString(const std::string& key);
  double RequireNumber(const std::string& key);
  std::optional<double> OptNumber(const std::string& key);
  std::optional<long long> OptInt(const std::string& key);
  std::optional<bool> OptBool(const std::string& key);
  // A scalar (-> one-element list) or a sequence of scalars.
  std::optional<std::vector<std::string>> OptStringList(const std::string& key);
  std::vector<std::string> RequireStringList(const std::string& key);
  // A child node, marked as read; an undefined node (false in a boolean
  // context, so `if (YAML::Node n = r.Child("k"))` works) when absent.
  YAML::Node Child(const std::string& key);
  bool Has(const std::string& key) const;

  // Declares keys as known without reading them: call it with all the keys
  // of a mapping before RejectUnknown() to report a typo ahead of the
  // "missing required key" it would otherwise cause.
  void MarkKnown(const std::vector<std::string>& keys);
  // Throws for the first key (in file order) not read or known so far.
  void RejectUnknown();
  // The key node of a key not read or known so far that looks like a
  // misspelling of `key` ("pionts" for "points"); undefined when none does.
  // Lets an error caused by a typo (a missing key, a wrong sum) name it.
  YAML::Node UnreadKeyLike(const std::string& key) const;

  Location Where() const;                          // of the mapping
  Location WhereOf(const YAML::Node& node) const;  // of any node
  [[noreturn]] void Fail(const YAML::Node& at, const std::string& message) const;
  // At the key node, or the mapping when the key is absent.
  [[noreturn]] void FailKey(const std::string& key, const std::string& message) const;
  // At the key's value (at the key when the value is empty or absent).
  [[noreturn]] void FailValue(const std::string& key, const std::string& message) const;
  const std::string& file() const { return file_; }
  const std::string& what() const { return what_; }
  void set_what(std::string what) { what_ = std::move(what); }
  const YAML::Node& node() const { return node_; }

 private:
  struct Entry {
    YAML::Node key;
    YAML::Node value;
  };
  std::optional<Entry> Find(const std::string& key) const;
  // Records `key` as known and returns its entry; throws if the value is null.
  std::optional<Entry> Take(const std::string& key, const char* expected);
  [[noreturn]] void FailType(const Entry& e, const std::string& key,
                             const char* expected) const;
  // "missing required key 'k'", at the mapping, naming a likely typo.
  [[noreturn]] void FailMissing(const std::string& key) const;

  YAML::Node node_;
  std::string file_;
  std::string what_;
  std::set<std::string> read_;
  std::vector<std::string> known_in_order_;  // read_, in the order first seen
};

// The one place where YAML::Mark (0-based) becomes a 1-based Location.
Location LocationOf(const YAML::Mark& mark, const std::string& file);

// Edit-distance suggestion among `candidates`, or "" when none is close.
std::string DidYouMean(const std::string& word,
                       const std::vector<std::string>& candidates);

// How a node reads in a message: `string "ten"`, `number 10`,
// `boolean true`, `null`, `a list`, `a mapping`, `nothing` (undefined).
std::string DescribeNode(const YAML::Node& node);

// Shortest text that reads back as `value`: 10, 2.5, 0.1.
std::string FormatNumber(double value);

}  // namespace ipc::rubric
