// Reuse of observations on the real engine (issue 18): the model solution
// graded once, then regraded after rubric edits of each kind; a regrade
// must equal a full grading but for timing and provenance, start no
// container when only scoring changed, re-observe exactly the edited
// check's boxes, and never trust a damaged entry.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "e2e_support.h"

namespace ipc::e2e {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string ReadText(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void WriteText(const fs::path& p, const std::string& text) { std::ofstream(p) << text; }

// What must not differ between a reused and a fresh grading.
json Comparable(json r) {
  r.erase("timing");
  r.erase("provenance");
  return r;
}

// Two fresh observations of one box differ in what a job printed (pids,
// times), never in verdicts.
void ExpectSameVerdicts(const json& a, const json& b) {
  ASSERT_EQ(a["checks"].size(), b["checks"].size());
  for (std::size_t i = 0; i < a["checks"].size(); ++i) {
    EXPECT_EQ(a["checks"][i]["id"], b["checks"][i]["id"]);
    EXPECT_EQ(a["checks"][i]["status"], b["checks"][i]["status"]) << a["checks"][i]["id"];
    EXPECT_EQ(a["checks"][i]["score"], b["checks"][i]["score"]) << a["checks"][i]["id"];
  }
}

class ObservationsE2e : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    root_ = fs::temp_directory_path() / ("ipc-observations-e2e-" + std::to_string(getpid()));
    fs::remove_all(root_);
    fs::create_directories(root_ / "rubric");
    std::string out;
    ASSERT_EQ(Sh(SourceDir() + "/reference/make-solution-repo.sh " + (root_ / "solution").string(),
                 &out), 0) << out;
    rubric_text_ = ReadText(fs::path(SourceDir()) / "rubrics/ipc-project.yaml");
    fs::copy_file(fs::path(SourceDir()) / "rubrics/ipc-project.txt",
                  root_ / "rubric/ipc-project.txt");
  }
  static void TearDownTestSuite() { fs::remove_all(root_); }
  void TearDown() override { EXPECT_EQ(GraderContainers(), "") << "containers left behind"; }

  // Grades the solution with `rubric` into out/<name>; returns result.json.
  static json Grade(const std::string& rubric, const std::string& name,
                    const std::string& flags = "") {
    const fs::path file = root_ / "rubric" / (name + ".yaml");
    WriteText(file, rubric);
    std::string log;
    const int rc = Sh(BinDir() + "/grader grade file://" + (root_ / "solution").string() +
                          " --student s --out " + (root_ / "out" / name).string() + " --cache " +
                          (root_ / "cache").string() + " --rubric " + file.string() + " " + flags,
                      &log);
    EXPECT_EQ(rc, 0) << log;
    return json::parse(ReadText(root_ / "out" / name / "s/result.json"));
  }
  static double Ran(const json& r) { return r["timing"].value("boxes.run", -1.0); }
  static double Reused(const json& r) { return r["timing"].value("boxes.reused", -1.0); }

  static inline fs::path root_;
  static inline std::string rubric_text_;
};

TEST_F(ObservationsE2e, RegradesReuseWhatDidNotChangeAndEqualAFullGrading) {
  IPC_REQUIRE_ENGINE();
  const json full = Grade(rubric_text_, "full");
  ASSERT_EQ(full.value("score", -1.0), 25);
  const double boxes = Ran(full);
  ASSERT_GT(boxes, 10);
  EXPECT_EQ(Reused(full), 0);

  // A scoring-only edit (a title): no container, the same verdicts.
  std::string retitled = rubric_text_;
  const std::string title = "title: cat.py behaves like the assignment's on 28 crafted inputs";
  ASSERT_NE(retitled.find(title), std::string::npos);
  retitled.replace(retitled.find(title), title.size(), title + " (retitled)");
  const json scored = Grade(retitled, "retitled");
  EXPECT_EQ(Ran(scored), 0) << "a scoring-only edit must start no container";
  EXPECT_EQ(Reused(scored), boxes);
  json a = Comparable(full), b = Comparable(scored);
  for (auto* r : {&a, &b}) {
    for (auto& c : (*r)["checks"]) c.erase("title");  // the edit itself
  }
  EXPECT_EQ(a, b);
  EXPECT_TRUE(scored["provenance"]["reused"].contains("cat_matrix"));

  // One more case in one container check: only that check's boxes (and
  // what they start from) run again; every other check is reused.
  std::string one_more = rubric_text_;
  const std::string anchor = "      - {name: treasure, stdin: \"treasure.txt\", expect: content}\n";
  ASSERT_NE(one_more.find(anchor), std::string::npos);
  one_more.insert(one_more.find(anchor) + anchor.size(),
                  "      - {name: treasure-tab, stdin: \"\\ttreasure.txt\", expect: content}\n");
  const json edited = Grade(one_more, "one-more-case");
  EXPECT_GT(Ran(edited), 0);
  EXPECT_LT(Ran(edited), boxes / 2) << "only the edited check's boxes run again";
  const auto& reused = edited["provenance"]["reused"];
  EXPECT_FALSE(reused.contains("cat_matrix"));
  for (const char* other : {"build", "sigusr1", "sigint", "ci_part1", "ci_final", "dd_matrix",
                            "adequacy_cat"}) {
    EXPECT_TRUE(reused.contains(other)) << other << " was observed again";
  }
  EXPECT_EQ(edited.value("score", -1.0), 25);

  // --force observes everything again.
  const json forced = Grade(rubric_text_, "forced", "--force");
  EXPECT_EQ(Ran(forced), boxes);
  EXPECT_EQ(Reused(forced), 0);
  ExpectSameVerdicts(forced, full);
}

TEST_F(ObservationsE2e, ADamagedEntryIsReportedAndObservedAgainNeverTrusted) {
  IPC_REQUIRE_ENGINE();
  const json first = Grade(rubric_text_, "first");
  ASSERT_EQ(first.value("score", -1.0), 25);
  // Two kept observations: one truncated, one forged.
  std::vector<fs::path> files;
  for (const auto& e : fs::recursive_directory_iterator(root_ / "cache/observations")) {
    if (e.is_regular_file()) files.push_back(e.path());
  }
  ASSERT_GE(files.size(), 2u);
  std::sort(files.begin(), files.end());
  WriteText(files[0], ReadText(files[0]).substr(0, 40));
  WriteText(files[1], "{\"schema\": \"ipc-grader-observation/1\", \"key\": \"forged\"}");
  const json again = Grade(rubric_text_, "again");
  const auto& problems = again["provenance"]["observation_problems"];
  EXPECT_EQ(problems.size(), 2u) << problems.dump();
  EXPECT_GE(Ran(again), 2);
  ExpectSameVerdicts(again, first);
}

}  // namespace
}  // namespace ipc::e2e
