// The fixture class end to end: fixtures/make-class.sh builds every fixture
// as a real git repository, the real grader grades them all (real engine,
// real probe), and each check's status in OUT/<name>/result.json is compared
// with the status a TA wrote by hand in fixtures/<set>/<name>/expected.yaml,
// from the assignment text alone (fixtures/README.md):
//  - every check of the rubric needs a hand-written status (a new check
//    must get one for every fixture), and a status for a check the rubric
//    lacks is a mismatch too (a renamed check must not drop comparisons);
//  - `facts:` are substrings the check's words (message and the student's
//    observations) must contain: the verdict must be right for the reason
//    the TA wrote;
//  - `score` and `ref` (the graded tag) are compared when given.
// Every mismatch of every fixture is collected and reported before failing.
// The class is graded with the assignment's rubric; each variant under
// fixtures/variants/ with its own rubric, at full strength.
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <vector>

#include "e2e_support.h"
#include "rubric/rubric.h"

namespace ipc::e2e {
namespace {

namespace fs = std::filesystem;

constexpr double kScoreTolerance = 0.01;  // expected.yaml writes 4 decimals

struct ExpectedCheck {
  std::string status;               // pass | fail | skipped | error
  std::string why;                  // one line, for non-pass statuses
  std::vector<std::string> facts;   // substrings of the check's words
};

struct Expected {
  std::optional<std::string> ref;
  std::optional<double> score;
  std::map<std::string, ExpectedCheck> checks;
};

// Reads expected.yaml; authoring errors go to `problems` (they are
// mismatches too: a typo must not silently drop a comparison).
Expected LoadExpected(const fs::path& file, std::vector<std::string>* problems) {
  Expected e;
  YAML::Node root;
  try {
    root = YAML::LoadFile(file.string());
  } catch (const YAML::Exception& ex) {
    problems->push_back(file.string() + ": " + ex.what());
    return e;
  }
  if (root["ref"]) e.ref = root["ref"].as<std::string>();
  if (root["score"]) e.score = root["score"].as<double>();
  try {
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
        problems->push_back(file.string() + ": check '" + id + "': status must be pass, fail, " +
                            "skipped or error, got '" + c.status + "'");
      }
      e.checks[id] = c;
    }
  } catch (const YAML::Exception& ex) {
    problems->push_back(file.string() + ": " + ex.what());
  }
  if (e.checks.empty()) problems->push_back(file.string() + ": no 'checks'");
  return e;
}

std::optional<nlohmann::json> LoadResult(const fs::path& file) {
  std::ifstream in(file);
  if (!in) return std::nullopt;
  try {
    return nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

const nlohmann::json* FindCheck(const nlohmann::json& result, const std::string& id) {
  for (const auto& c : result["checks"]) {
    if (c.value("id", "") == id) return &c;
  }
  return nullptr;
}

std::string Tail(const std::string& text, std::size_t max = 4000) {
  return text.size() <= max ? text : "...\n" + text.substr(text.size() - max);
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

  // Builds fixtures/<set> with make-class.sh, grades it with `rubric`, and
  // returns every mismatch. `results` receives each fixture's result.json.
  std::vector<std::string> GradeAndCompare(const std::string& set, const std::string& flag,
                                           const std::string& rubric_rel,
                                           std::map<std::string, nlohmann::json>* results) {
    std::vector<std::string> bad;
    const fs::path fixtures = fs::path(SourceDir()) / "fixtures" / set;
    const fs::path repos = root_ / "repos";
    const fs::path out = root_ / "out";
    const std::string rubric_path =
        rubric_rel.front() == '/' ? rubric_rel : SourceDir() + "/" + rubric_rel;

    std::string log;
    const int made = Sh(SourceDir() + "/fixtures/make-class.sh " + flag + " " + repos.string(), &log);
    if (made != 0) {
      ADD_FAILURE() << "make-class.sh failed (exit " << made << "):\n" << log;
      return bad;
    }

    std::vector<std::string> rubric_ids;
    try {
      for (const auto& c : rubric::LoadRubric(rubric_path).checks) rubric_ids.push_back(c.id);
    } catch (const std::exception& ex) {
      ADD_FAILURE() << ex.what();
      return bad;
    }

    std::vector<std::string> names;
    for (const auto& d : fs::directory_iterator(fixtures)) {
      if (fs::exists(d.path() / "recipe")) names.push_back(d.path().filename().string());
    }
    std::sort(names.begin(), names.end());

    const std::string common = " --out " + out.string() + " --cache " + (root_ / "cache").string() +
                               " --rubric " + rubric_path;
    // -j8 on two cores: a grading mostly waits (the students' own tests
    // sleep). Non-zero when any student errored: the comparison says which.
    std::string grade_log;
    const int rc = Sh(BinDir() + "/grader batch --roster " + (repos / "roster.csv").string() +
                          " -j8" + common, &grade_log);
    grade_log = "grader batch exited " + std::to_string(rc) + ":\n" + grade_log;

    for (const auto& name : names) {
      const fs::path exp_file = fixtures / name / "expected.yaml";
      if (!fs::exists(exp_file)) {
        bad.push_back(name + ": no expected.yaml (every fixture needs hand-written statuses)");
        continue;
      }
      const Expected exp = LoadExpected(exp_file, &bad);
      const auto result = LoadResult(out / name / "result.json");
      if (!result) {
        bad.push_back(name + ": no readable " + (out / name / "result.json").string());
        continue;
      }
      (*results)[name] = *result;
      if (result->value("status", "") != "graded") {
        bad.push_back(name + ": result status '" + result->value("status", "") +
                      "': " + result->value("error", ""));
        continue;
      }
      if (exp.ref && result->value("ref", "") != *exp.ref) {
        bad.push_back(name + ": graded ref: expected " + *exp.ref + ", got " +
                      result->value("ref", ""));
      }
      for (const auto& id : rubric_ids) {
        const ExpectedCheck* want = nullptr;
        if (auto it = exp.checks.find(id); it != exp.checks.end()) want = &it->second;
        if (want == nullptr) {
          bad.push_back(name + "/" + id + ": expected.yaml has no status for this rubric check");
          continue;
        }
        const nlohmann::json* got = FindCheck(*result, id);
        if (got == nullptr) {
          bad.push_back(name + "/" + id + ": not in result.json");
          continue;
        }
        const std::string status = got->value("status", "");
        const std::string words = got->value("message", "") + " | student: " +
                                  got->value("student", "");
        if (status != want->status) {
          bad.push_back(name + "/" + id + ": expected " + want->status +
                        (want->why.empty() ? "" : " (" + want->why + ")") + ", got " + status +
                        ": " + words);
        }
        for (const auto& fact : want->facts) {
          if (words.find(fact) == std::string::npos) {
            bad.push_back(name + "/" + id + ": the words do not say '" + fact + "': " + words);
          }
        }
      }
      const std::set<std::string> graded(rubric_ids.begin(), rubric_ids.end());
      for (const auto& [id, c] : exp.checks) {
        if (!graded.count(id)) bad.push_back(name + "/" + id + ": expected.yaml names a check the rubric lacks");
      }
      if (exp.score) {
        const double got = result->value("score", -1.0);
        if (std::fabs(got - *exp.score) > kScoreTolerance) {
          bad.push_back(name + ": score: expected " + std::to_string(*exp.score) + ", got " +
                        std::to_string(got));
        }
      }
    }
    if (!bad.empty()) bad.push_back("grader output (tail):\n" + Tail(grade_log));
    return bad;
  }

  static std::string Join(const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v) s += "\n  " + x;
    return s;
  }

  fs::path root_;
};

TEST_F(FixtureClass, EveryCheckOfEveryFixtureHasItsHandWrittenStatus) {
  std::map<std::string, nlohmann::json> results;
  const auto bad = GradeAndCompare("class", "", "rubrics/ipc-project.yaml", &results);
  EXPECT_TRUE(bad.empty()) << bad.size() - 1 << " mismatch(es):" << Join(bad);
  ASSERT_TRUE(results.count("perfect")) << "no result for the model solution";
  EXPECT_EQ(results["perfect"].value("score", -1.0), 25);
  EXPECT_EQ(results["perfect"].value("max_score", -1.0), 25);

  // Regraded after an edit that changes no observation (issue 18): every
  // box is reused, no container starts, and every result equals the full
  // grading's but for timing and provenance.
  const fs::path copy = root_ / "rubric";
  fs::create_directories(copy);
  fs::copy_file(fs::path(SourceDir()) / "rubrics/ipc-project.txt", copy / "ipc-project.txt");
  {
    std::ifstream in(fs::path(SourceDir()) / "rubrics/ipc-project.yaml");
    std::ofstream out(copy / "ipc-project.yaml");
    out << in.rdbuf() << "\n# edited: a comment changes the rubric's hash, not what is observed\n";
  }
  std::string log;
  const int rc = Sh(BinDir() + "/grader batch -j8 --roster " + (root_ / "repos/roster.csv").string() +
                        " --out " + (root_ / "out2").string() + " --cache " +
                        (root_ / "cache").string() + " --rubric " + (copy / "ipc-project.yaml").string(),
                    &log);
  EXPECT_EQ(rc, 0) << Tail(log);
  for (const auto& [name, first] : results) {
    const auto again = LoadResult(root_ / "out2" / name / "result.json");
    ASSERT_TRUE(again) << name;
    EXPECT_EQ((*again)["timing"].value("boxes.run", -1.0), 0) << name << " started a container";
    nlohmann::json a = first, b = *again;
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
  std::map<std::string, nlohmann::json> results;
  const auto bad = GradeAndCompare("variants/usr2", "--variant usr2",
                                   "rubrics/ipc-variant-sigusr2.yaml", &results);
  EXPECT_TRUE(bad.empty()) << bad.size() - 1 << " mismatch(es):" << Join(bad);
  ASSERT_TRUE(results.count("usr2-correct")) << "no result for the correct variant";
  EXPECT_EQ(results["usr2-correct"].value("score", -1.0), 25);
}

TEST_F(FixtureClass, RenamedVariantGradesItsOwnFixturesAtFullStrength) {
  std::map<std::string, nlohmann::json> results;
  const auto bad = GradeAndCompare("variants/dog", "--variant dog",
                                   "rubrics/ipc-variant-dog.yaml", &results);
  EXPECT_TRUE(bad.empty()) << bad.size() - 1 << " mismatch(es):" << Join(bad);
  ASSERT_TRUE(results.count("dog-correct")) << "no result for the correct variant";
  EXPECT_EQ(results["dog-correct"].value("score", -1.0), 25);
}

}  // namespace
}  // namespace ipc::e2e
