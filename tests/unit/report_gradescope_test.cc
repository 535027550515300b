// results.json against Gradescope's specification (autograder_samples
// docs/specs.md): only its field names, only its allowed values, numbers as
// "part.check", and test scores that add up.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>

#include "report/gradescope.h"
#include "report_test_results.h"
#include "util/fs.h"

namespace ipc::report {
namespace {

using nlohmann::json;

const std::set<std::string> kTopKeys = {"score",         "execution_time",     "output",
                                        "output_format", "test_output_format", "test_name_format",
                                        "visibility",    "stdout_visibility",  "extra_data",
                                        "tests",         "leaderboard"};
const std::set<std::string> kTestKeys = {"score",       "max_score",  "status",    "name",
                                         "name_format", "number",     "output",    "output_format",
                                         "tags",        "visibility", "extra_data"};
const std::set<std::string> kFormats = {"text", "simple_format", "html", "md", "ansi"};
const std::set<std::string> kVisibilities = {"hidden", "after_due_date", "after_published",
                                             "visible"};

void ExpectSpecShape(const json& g) {
  ASSERT_TRUE(g.is_object());
  for (const auto& [k, v] : g.items()) EXPECT_TRUE(kTopKeys.count(k)) << "top-level key " << k;
  ASSERT_TRUE(g.contains("score") || g.contains("tests"));
  EXPECT_TRUE(g["score"].is_number());
  EXPECT_TRUE(g["execution_time"].is_number_integer());
  EXPECT_TRUE(kFormats.count(g["output_format"].get<std::string>()));
  EXPECT_TRUE(kFormats.count(g["test_output_format"].get<std::string>()));
  EXPECT_TRUE(kVisibilities.count(g["visibility"].get<std::string>()));
  EXPECT_TRUE(kVisibilities.count(g["stdout_visibility"].get<std::string>()));
  const std::regex number(R"([1-9][0-9]*\.[1-9][0-9]*)");
  std::set<std::string> numbers;
  for (const auto& t : g["tests"]) {
    for (const auto& [k, v] : t.items()) EXPECT_TRUE(kTestKeys.count(k)) << "test key " << k;
    EXPECT_TRUE(t["score"].is_number());
    EXPECT_TRUE(t["max_score"].is_number());
    EXPECT_TRUE(t["name"].is_string());
    const std::string status = t["status"];
    EXPECT_TRUE(status == "passed" || status == "failed") << status;
    EXPECT_TRUE(kVisibilities.count(t["visibility"].get<std::string>()));
    EXPECT_TRUE(kFormats.count(t["output_format"].get<std::string>()));
    const std::string n = t["number"];
    EXPECT_TRUE(std::regex_match(n, number)) << n;
    EXPECT_TRUE(numbers.insert(n).second) << "duplicate number " << n;
    EXPECT_TRUE(t["tags"].is_array());
  }
}

TEST(Gradescope, GradedResultFollowsTheSpecAndScoresAddUp) {
  Result r = testing::Graded("alice", 5, 7.5);
  r.late.late = true;
  r.late.penalty = 2.5;
  r.late.days_late = 0.4;
  r.score = 10;  // 12.5 earned, 2.5 late penalty
  const json g = ToGradescope(r);
  ExpectSpecShape(g);
  EXPECT_EQ(g["score"], 10);
  EXPECT_EQ(g["execution_time"], 3);
  double sum = 0;
  for (const auto& t : g["tests"]) sum += t["score"].get<double>();
  EXPECT_DOUBLE_EQ(sum - r.late.penalty, g["score"].get<double>());
  ASSERT_EQ(g["tests"].size(), r.checks.size());
  const auto& t = g["tests"];
  // number = part index . check index within the part
  EXPECT_EQ(t[0]["number"], "1.1");
  EXPECT_EQ(t[1]["number"], "2.1");
  EXPECT_EQ(t[2]["number"], "2.2");
  EXPECT_EQ(t[3]["number"], "3.1");
  EXPECT_EQ(t[5]["number"], "3.3");
  EXPECT_EQ(t[0]["status"], "passed");
  EXPECT_EQ(t[2]["status"], "failed");
  EXPECT_EQ(t[3]["status"], "failed");  // skipped
  EXPECT_EQ(t[3]["extra_data"]["status"], "skipped");
  EXPECT_EQ(t[4]["status"], "failed");  // error
  EXPECT_EQ(t[2]["visibility"], "after_due_date");
  EXPECT_EQ(t[4]["visibility"], "hidden");
  EXPECT_EQ(t[2]["tags"], json::array({"part1"}));
  // The insight check is there, worth nothing, with its own status.
  EXPECT_EQ(t[5]["max_score"], 0);
  EXPECT_EQ(t[5]["status"], "failed");
  EXPECT_EQ(t[5]["extra_data"]["insight"], true);
  EXPECT_NE(t[2]["output"].get<std::string>().find("fix usr1"), std::string::npos);
  EXPECT_EQ(g["extra_data"]["commit"], r.commit);
  EXPECT_EQ(g["extra_data"]["ref"], "final");
  EXPECT_NE(g["output"].get<std::string>().find("2.5 point(s) removed"), std::string::npos);
}

TEST(Gradescope, UnknownVisibilityIsHiddenNeverShown) {
  Result r = testing::Graded("alice");
  r.checks[0].visibility = "visble";
  EXPECT_EQ(ToGradescope(r)["tests"][0]["visibility"], "hidden");
}

TEST(Gradescope, ErrorResultIsZeroWithOneTestThatExplains) {
  const json g = ToGradescope(testing::Errored("bob", "cannot clone: \xff host unreachable"));
  ExpectSpecShape(g);
  EXPECT_EQ(g["score"], 0);
  ASSERT_EQ(g["tests"].size(), 1u);
  const auto& t = g["tests"][0];
  EXPECT_EQ(t["max_score"], 0);
  EXPECT_EQ(t["status"], "failed");
  EXPECT_NE(t["output"].get<std::string>().find("host unreachable"), std::string::npos);
  EXPECT_NE(t["output"].get<std::string>().find("not a grade"), std::string::npos);
  EXPECT_EQ(g["extra_data"]["status"], "error");
  // Invalid UTF-8 in the cause still gives a writable document.
  EXPECT_NO_THROW(g.dump());
}

TEST(Gradescope, FileIsWrittenNextToResultJson) {
  const std::string dir = MakeTempDir("ipc-gs-test-");
  WriteGradescopeFile(testing::Graded("alice"), dir);
  std::ifstream in(dir + "/alice/results.json");
  const json g = json::parse(in);
  EXPECT_EQ(g["score"], 15);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace ipc::report
