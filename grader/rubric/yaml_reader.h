// A checked reader over one YAML mapping (after Falco's rule_loader_reader):
// typed getters that throw RubricError "file:line:col: message", a record of
// which keys were read, and RejectUnknown() that names any key left over
// ("unknown key 'pionts' (did you mean 'points'?)"). The rubric loader and
// every check type decode their keys through it.
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
  // `what` names the mapping in messages, e.g. "check 'sigusr1'".
  NodeReader(YAML::Node node, std::string file, std::string what);

  std::string RequireString(const std::string& key);
  std::optional<std::string> OptString(const std::string& key);
  double RequireNumber(const std::string& key);
  std::optional<double> OptNumber(const std::string& key);
  std::optional<long long> OptInt(const std::string& key);
  std::optional<bool> OptBool(const std::string& key);
  // A scalar or a sequence of scalars.
  std::optional<std::vector<std::string>> OptStringList(const std::string& key);
  std::vector<std::string> RequireStringList(const std::string& key);
  // A child node, marked as read; Null node when absent.
  YAML::Node Child(const std::string& key);
  bool Has(const std::string& key) const;

  // Throws for any key not read so far.
  void RejectUnknown();

  Location Where() const;                          // of the mapping
  Location WhereOf(const YAML::Node& node) const;  // of any node
  [[noreturn]] void Fail(const YAML::Node& at, const std::string& message) const;
  [[noreturn]] void FailKey(const std::string& key, const std::string& message) const;
  const std::string& file() const { return file_; }
  const std::string& what() const { return what_; }
  const YAML::Node& node() const { return node_; }

 private:
  YAML::Node node_;
  std::string file_;
  std::string what_;
  std::set<std::string> read_;
};

// The one place where YAML::Mark (0-based) becomes a 1-based Location.
Location LocationOf(const YAML::Mark& mark, const std::string& file);

// Edit-distance suggestion among `candidates`, or "" when none is close.
std::string DidYouMean(const std::string& word,
                       const std::vector<std::string>& candidates);

}  // namespace ipc::rubric
