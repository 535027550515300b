// The fixture class end to end, through the command course staff run:
// fixtures/make-class.sh builds every fixture as a real git repository, and
// `grader rubric test RUBRIC --roster ... --expected fixtures/<set>` grades
// them all (real engine, real probe) and compares each result with the
// status a TA wrote by hand in fixtures/<set>/<name>/expected.yaml, from the
// assignment text alone (fixtures/README.md). What it compares (every
// rubric check needs a status, a status for a check the rubric lacks,
// `facts:`, `score`, `ref`, a fixture without expected.yaml or without a
// result) is grader/staff/rubric_test.cc's, unit-tested kind by kind in
// tests/unit/staff_test.cc; here it must find zero mismatches, on every
// fixture the set has. The class is graded with the assignment's rubric;
// each variant under fixtures/variants/ with its own rubric, at full
// strength.
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <vector>

#include "e2e_support.h"

namespace ipc::e2e {
namespace {

namespace fs = std::filesystem;

std::optional<nlohmann::json> LoadResult(const fs::path& file) {
  std::ifstream in(file);
  if (!in) return std::nullopt;
  try {
    return nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

std::string Slurp(const fs::path& file) {
  std::ifstream in(file);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The command's mismatch lines, then the tail of its output.
std::string Explain(const std::string& log, std::size_t max_tail = 4000) {
  std::string mismatches;
  std::istringstream lines(log);
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with("MISMATCH ")) mismatches += "\n  " + line;
  }
  const std::string tail =
      log.size() <= max_tail ? log : "...\n" + log.substr(log.size() - max_tail);
  return "mismatches:" + mismatches + "\noutput (tail):\n" + tail;
}

class FixtureClass : public ::testing::Test {
 protected:
  void SetUp() override {
    IPC_REQUIRE_ENGINE();
    root_ = fs::temp_directory_path() /
            ("ipc-fixture-class-" + std::to_string(getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_);
  }
  void TearDown() override {
    if (!root_.empty()) fs::remove_all(root_);
    EXPECT_EQ(GraderContainers(), "") << "containers left behind";
  }

  // Builds fixtures/<set> with make-class.sh (once per test) and runs
  // `grader rubric test` on it with `rubric_path` into `out`. Expects zero
  // mismatches over every fixture of the set (each one a JUnit case), and
  // returns each fixture's result.json.
  std::map<std::string, nlohmann::json> RubricTest(const std::string& set, const std::string& flag,
                                                   const std::string& rubric_path,
                                                   const fs::path& out) {
    std::map<std::string, nlohmann::json> results;
    const fs::path fixtures = fs::path(SourceDir()) / "fixtures" / set;
    const fs::path repos = root_ / "repos";
    if (!fs::exists(repos / "roster.csv")) {
      std::string log;
      const int made =
          Sh(SourceDir() + "/fixtures/make-class.sh " + flag + " " + repos.string(), &log);
      if (made != 0) {
        ADD_FAILURE() << "make-class.sh failed (exit " << made << "):\n" << log;
        return results;
      }
    }
    std::vector<std::string> names;
    for (const auto& d : fs::directory_iterator(fixtures)) {
      if (fs::exists(d.path() / "recipe")) names.push_back(d.path().filename().string());
    }
    std::sort(names.begin(), names.end());

    // -j8 on two cores: a grading mostly waits (the students' own tests
    // sleep).
    std::string log;
    const int rc =
        Sh(BinDir() + "/grader rubric test " + rubric_path + " --roster " +
               (repos / "roster.csv").string() + " --expected " + fixtures.string() + " --out " +
               out.string() + " --cache " + (root_ / "cache").string() + " -j8",
           &log);
    EXPECT_EQ(rc, 0) << Explain(log);
    const std::string passed = "grader: rubric test passed: " + std::to_string(names.size()) +
                               " submission(s), 0 with mismatches (0 mismatch(es))";
    EXPECT_NE(log.find(passed), std::string::npos) << "want: " << passed << "\n" << Explain(log);
    EXPECT_NE(log.find("rubric coverage (which submissions make each check fail):"),
              std::string::npos)
        << Explain(log);
    const std::string junit = Slurp(out / "junit.xml");
    EXPECT_NE(junit.find("tests=\"" + std::to_string(names.size()) + "\" failures=\"0\""),
              std::string::npos)
        << junit.substr(0, 2000);
    for (const auto& name : names) {
      EXPECT_NE(junit.find("name=\"" + name + "\"/>"), std::string::npos) << name;
      if (auto r = LoadResult(out / name / "result.json")) {
        results[name] = *r;
      } else {
        ADD_FAILURE() << name << ": no readable " << (out / name / "result.json").string();
      }
    }
    return results;
  }

  fs::path root_;
};

TEST_F(FixtureClass, EveryCheckOfEveryFixtureHasItsHandWrittenStatus) {
  auto results = RubricTest("class", "", SourceDir() + "/rubrics/ipc-project.yaml", root_ / "out");
  ASSERT_TRUE(results.count("perfect")) << "no result for the model solution";
  EXPECT_EQ(results["perfect"].value("score", -1.0), 25);
  EXPECT_EQ(results["perfect"].value("max_score", -1.0), 25);

  // Tested again after an edit that changes no observation (issue 18):
  // still no mismatch, every box is reused, no container starts, and every
  // result equals the full grading's but for timing and provenance.
  const fs::path copy = root_ / "rubric";
  fs::create_directories(copy);
  fs::copy_file(fs::path(SourceDir()) / "rubrics/ipc-project.txt", copy / "ipc-project.txt");
  {
    std::ifstream in(fs::path(SourceDir()) / "rubrics/ipc-project.yaml");
    std::ofstream out(copy / "ipc-project.yaml");
    out << in.rdbuf() << "\n# edited: a comment changes the rubric's hash, not what is observed\n";
  }
  const auto again = RubricTest("class", "", (copy / "ipc-project.yaml").string(), root_ / "out2");
  EXPECT_EQ(again.size(), results.size());
  for (const auto& [name, first] : results) {
    const auto it = again.find(name);
    ASSERT_NE(it, again.end()) << name;
    EXPECT_EQ(it->second["timing"].value("boxes.run", -1.0), 0) << name << " started a container";
    nlohmann::json a = first, b = it->second;
    for (auto* r : {&a, &b}) {
      r->erase("timing");
      r->erase("provenance");
    }
    EXPECT_EQ(a, b) << name << ": a reused grading differs from the full one";
  }
}

// The variants are graded at full strength from their YAML alone (CI,
// adequacy and reference checks included): the C++ knows no assignment.
TEST_F(FixtureClass, SigusrTwoVariantGradesItsOwnFixturesAtFullStrength) {
  auto results = RubricTest("variants/usr2", "--variant usr2",
                            SourceDir() + "/rubrics/ipc-variant-sigusr2.yaml", root_ / "out");
  ASSERT_TRUE(results.count("usr2-correct")) << "no result for the correct variant";
  EXPECT_EQ(results["usr2-correct"].value("score", -1.0), 25);
}

TEST_F(FixtureClass, RenamedVariantGradesItsOwnFixturesAtFullStrength) {
  auto results = RubricTest("variants/dog", "--variant dog",
                            SourceDir() + "/rubrics/ipc-variant-dog.yaml", root_ / "out");
  ASSERT_TRUE(results.count("dog-correct")) << "no result for the correct variant";
  EXPECT_EQ(results["dog-correct"].value("score", -1.0), 25);
}

}  // namespace
}  // namespace ipc::e2e
