// Shared by end-to-end tests that grade a few checks of a real rubric: the
// rubric file with only those checks, so a test grades exactly what the
// course grades (the same keys, programs and mutants) in a fraction of the
// time. Needs yaml-cpp.
#pragma once

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

namespace ipc::e2e {

// Writes to `out` the rubric at `rubric` with only the checks `ids` (in the
// rubric's order; a check whose `needs` or `from` names a dropped check is
// the caller's mistake, which the grader reports). Each part's points
// become the sum of its kept checks' points; parts with none are dropped.
// `late` goes: the test repositories' tags are made today, so a deadline
// in the past would cut every score. `text` goes: the quotes are held to
// the assignment's text by unit tests, and the copy is elsewhere. Returns
// the ids it did not find (empty when all were).
inline std::vector<std::string> WriteRubricSubset(const std::filesystem::path& rubric,
                                                  const std::vector<std::string>& ids,
                                                  const std::filesystem::path& out) {
  YAML::Node root = YAML::LoadFile(rubric.string());
  root.remove("late");
  root.remove("text");
  YAML::Node kept(YAML::NodeType::Sequence);
  std::map<std::string, double> part_points;
  std::vector<std::string> missing = ids;
  for (const auto& check : root["checks"]) {
    const std::string id = check["id"].as<std::string>();
    const auto at = std::find(missing.begin(), missing.end(), id);
    if (at == missing.end()) continue;
    missing.erase(at);
    kept.push_back(check);
    part_points[check["part"].as<std::string>()] += check["points"].as<double>(0);
  }
  root["checks"] = kept;
  YAML::Node parts(YAML::NodeType::Sequence);
  for (const auto& part : root["parts"]) {
    const auto it = part_points.find(part["id"].as<std::string>());
    if (it == part_points.end()) continue;
    YAML::Node p = YAML::Clone(part);
    p["points"] = it->second;
    parts.push_back(p);
  }
  root["parts"] = parts;
  std::ofstream(out) << root << "\n";
  return missing;
}

// The checks of rubrics/hostile-limits.yaml (the course's rubric with small
// limits) that tests of the grader's own machinery grade, where what is
// tested (a batch, a fault, a transport) is the same for any rubric: one
// check of each kind that judges the student's files or programs, none of
// the slow ones (CI jobs, test adequacy, the DD set-up).
inline std::vector<std::string> QuickChecks() {
  return {"files", "build", "sigusr1", "sigint", "cat_matrix"};
}

}  // namespace ipc::e2e
