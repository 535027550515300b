// Pieces of the rubric loader shared by rubric_loader.cc (document, top
// level, limits, late, parts) and rubric_checks.cc (checks, needs, points,
// params). Not for use outside grader/rubric/.
#pragma once

#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "rubric/rubric.h"
#include "rubric/yaml_reader.h"

namespace ipc::rubric::internal {

// The file's one YAML document; syntax errors and extra documents throw.
YAML::Node LoadDocument(const std::string& text, const std::string& path);

// The value of a required key that must be a non-empty list ("a list of <noun>").
YAML::Node RequireList(NodeReader& top, const std::string& key, const std::string& noun);

// r's "id", checked against [a-z0-9_-]+.
std::string ReadId(NodeReader& r);

// `value` of r's `key`, which must not be "".
std::string NonEmpty(const NodeReader& r, const std::string& key, std::string value);

// Reads top-level "checks" into rubric->checks (parts must be read already)
// and validates what spans checks: unique ids, parts, needs, point sums.
void ReadChecks(NodeReader& top, Rubric* rubric);

// Fills each check's params from a private parse of `text` (see the .cc).
void AttachParams(const std::string& text, Rubric* rubric);

}  // namespace ipc::rubric::internal
