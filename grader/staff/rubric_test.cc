#include "staff/rubric_test.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "report/text.h"

namespace ipc::staff {

Expected ParseExpected(const std::string& text, const std::string& path,
                       std::vector<std::string>* problems) {
  Expected e;
  YAML::Node root;
  try {
    root = YAML::Load(text);
    if (root["ref"]) e.ref = root["ref"].as<std::string>();
    if (root["score"]) e.score = root["score"].as<double>();
    for (const auto& kv : root["checks"]) {
      ExpectedCheck c;
      const std::string id = kv.first.as<std::string>();
      if (kv.second.IsScalar()) {
        c.status = kv.second.as<std::string>();
      } else {
        c.status = kv.second["status"].as<std::string>("");
        c.why = kv.second["why"].as<std::string>("");
        for (const auto& f : kv.second["facts"]) c.facts.push_back(f.as<std::string>());
      }
      static const std::set<std::string> kStatuses = {"pass", "fail", "skipped", "error"};
      if (!kStatuses.count(c.status)) {
        problems->push_back(fmt::format("{}: check '{}': status must be pass, fail, skipped or "
                                        "error, got '{}'", path, id, c.status));
      }
      e.checks[id] = c;
    }
  } catch (const YAML::Exception& ex) {
    problems->push_back(path + ": " + ex.what());
  }
  if (e.checks.empty()) problems->push_back(path + ": no 'checks'");
  return e;
}

std::vector<std::string> CompareWithExpected(const std::string& name, const Expected& exp,
                                             const report::Result& result,
                                             const rubric::Rubric& rubric) {
  std::vector<std::string> bad;
  if (result.status != "graded") {
    bad.push_back(fmt::format("{}: not graded: {}", name, result.error));
    return bad;
  }
  if (exp.ref && result.ref != *exp.ref) {
    bad.push_back(fmt::format("{}: graded ref: expected {}, got {}", name, *exp.ref, result.ref));
  }
  std::set<std::string> ids;
  for (const auto& check : rubric.checks) {
    ids.insert(check.id);
    const auto want = exp.checks.find(check.id);
    if (want == exp.checks.end()) {
      bad.push_back(fmt::format("{}/{}: expected.yaml has no status for this rubric check", name,
                                check.id));
      continue;
    }
    const report::CheckResult* got = nullptr;
    for (const auto& c : result.checks) {
      if (c.id == check.id) got = &c;
    }
    if (got == nullptr) {
      bad.push_back(fmt::format("{}/{}: not in the result", name, check.id));
      continue;
    }
    const std::string status = report::CheckStatusName(got->status);
    const std::string words = got->message + " | student: " + got->student;
    if (status != want->second.status) {
      bad.push_back(fmt::format("{}/{}: expected {}{}, got {}: {}", name, check.id,
                                want->second.status,
                                want->second.why.empty() ? "" : " (" + want->second.why + ")",
                                status, words));
    }
    for (const auto& fact : want->second.facts) {
      if (words.find(fact) == std::string::npos) {
        bad.push_back(fmt::format("{}/{}: the words do not say '{}': {}", name, check.id, fact,
                                  words));
      }
    }
  }
  for (const auto& [id, c] : exp.checks) {
    if (!ids.count(id)) {
      bad.push_back(fmt::format("{}/{}: expected.yaml names a check the rubric lacks", name, id));
    }
  }
  if (exp.score && std::fabs(result.score - *exp.score) > kScoreTolerance) {
    bad.push_back(fmt::format("{}: score: expected {}, got {}", name, *exp.score, result.score));
  }
  return bad;
}

std::vector<FixtureOutcome> CompareClass(const std::vector<std::string>& students,
                                         const std::string& expected_dir,
                                         const std::vector<report::Result>& results,
                                         const rubric::Rubric& rubric) {
  namespace fs = std::filesystem;
  std::map<std::string, const report::Result*> by_student;
  for (const auto& r : results) by_student[r.student] = &r;
  std::vector<FixtureOutcome> outcomes;
  const std::set<std::string> roster(students.begin(), students.end());
  for (const auto& student : students) {
    FixtureOutcome outcome{student, {}};
    const fs::path file = fs::path(expected_dir) / student / "expected.yaml";
    std::ifstream in(file);
    const auto result = by_student.find(student);
    if (!in) {
      outcome.mismatches.push_back(fmt::format(
          "{}: no {} (every submission needs hand-written statuses)", student, file.string()));
    } else if (result == by_student.end()) {
      outcome.mismatches.push_back(
          fmt::format("{}: no result (its grading did not finish; rerun to grade it)", student));
    } else {
      std::ostringstream ss;
      ss << in.rdbuf();
      const Expected exp = ParseExpected(ss.str(), file.string(), &outcome.mismatches);
      for (auto& m : CompareWithExpected(student, exp, *result->second, rubric)) {
        outcome.mismatches.push_back(std::move(m));
      }
    }
    outcomes.push_back(std::move(outcome));
  }
  std::vector<std::string> orphans;
  std::error_code ec;
  for (fs::directory_iterator it(expected_dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (!roster.count(name) && fs::is_regular_file(it->path() / "expected.yaml")) {
      orphans.push_back(name);
    }
  }
  std::sort(orphans.begin(), orphans.end());
  for (const auto& name : orphans) {
    outcomes.push_back(
        {name,
         {fmt::format("{}: {} has no submission in the roster (add it to the roster, or remove "
                      "the folder)",
                      name, (fs::path(expected_dir) / name / "expected.yaml").string())}});
  }
  return outcomes;
}

Coverage ComputeCoverage(const rubric::Rubric& rubric, const std::vector<report::Result>& results) {
  Coverage cov;
  for (const auto& check : rubric.checks) {
    Coverage::Line line{check.id, {}};
    for (const auto& r : results) {
      if (r.status != "graded") continue;
      for (const auto& c : r.checks) {
        if (c.id == check.id && c.status != report::CheckStatus::kPass) {
          line.failed_by.push_back(r.student);
        }
      }
    }
    if (line.failed_by.empty()) cov.untested.push_back(check.id);
    cov.checks.push_back(std::move(line));
  }
  return cov;
}

std::string RenderCoverage(const Coverage& c) {
  std::string out = "rubric coverage (which submissions make each check fail):\n";
  for (const auto& line : c.checks) {
    std::string who;
    for (const auto& s : line.failed_by) who += (who.empty() ? "" : ", ") + s;
    out += fmt::format("  {:<24} {}\n", line.check, who.empty() ? "UNTESTED: no submission fails it" : who);
  }
  if (!c.untested.empty()) {
    std::string ids;
    for (const auto& id : c.untested) ids += (ids.empty() ? "" : ", ") + id;
    out += fmt::format("  untested: {} check(s): {}\n", c.untested.size(), ids);
  }
  return out;
}

std::string RenderRubricTestJunit(const std::vector<FixtureOutcome>& outcomes,
                                  const std::string& suite_name) {
  int failures = 0;
  std::string cases;
  for (const auto& o : outcomes) {
    cases += fmt::format("    <testcase classname=\"{}\" name=\"{}\"", report::XmlAttr(suite_name),
                         report::XmlAttr(o.name));
    if (o.mismatches.empty()) {
      cases += "/>\n";
      continue;
    }
    ++failures;
    std::string body;
    for (const auto& m : o.mismatches) body += m + "\n";
    cases += fmt::format(">\n      <failure message=\"{} mismatch(es)\" type=\"mismatch\">{}</failure>\n"
                         "    </testcase>\n",
                         o.mismatches.size(), report::XmlText(body));
  }
  return fmt::format(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<testsuites name=\"rubric test\" tests=\"{0}\" failures=\"{1}\">\n"
      "  <testsuite name=\"{2}\" tests=\"{0}\" failures=\"{1}\">\n{3}  </testsuite>\n"
      "</testsuites>\n",
      outcomes.size(), failures, report::XmlAttr(suite_name), cases);
}

}  // namespace ipc::staff
