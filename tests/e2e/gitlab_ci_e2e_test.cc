// The gitlab_ci check end to end: `grader grade` on real git repositories
// (the model solution and altered copies of it), with the two CI checks of
// rubrics/ipc-project.yaml only, on the real engine, probe and tracer. A
// test script counts only when the traced job ran it, as committed and
// alone, to exit 0: a commented-out, failing, swallowed, rewritten or
// tampered-with run fails the check, each named with its reason.
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "e2e_support.h"
#include "rubric_subset.h"

namespace ipc::e2e {
namespace {

namespace fs = std::filesystem;

// The model solution's CI job, with each test script run in a way whose
// verdict cannot count, and a cat.py that prints nothing, so test_cat.sh
// and test_cat_exploit.sh fail as committed.
constexpr const char* kDishonestCi = R"(image:
  name: python:latest # don't change this
ipc-project:
  stage: test
  script:
    - make
    - chmod +x test_*
    - ./test_cat.sh || true
    - BASH_ENV=/dev/null ./test_cat_exploit.sh || true
    - printf '#!/bin/bash\necho PASSED\n' > test_full_dd.sh
    - ./test_full_dd.sh
    - sleep 5 &
    - ./test_listener.sh
)";

class GitlabCiE2E : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    root_ = new fs::path(fs::temp_directory_path() / ("ipc-gitlab-ci-e2e-" + std::to_string(getpid())));
    fs::create_directories(*root_);
    const auto missing = WriteRubricSubset(SourceDir() + "/rubrics/ipc-project.yaml",
                                           {"ci_part1", "ci_final"}, *root_ / "rubric.yaml");
    ASSERT_TRUE(missing.empty()) << "not in rubrics/ipc-project.yaml: " << missing.front();
    std::string out;
    ASSERT_EQ(Sh(SourceDir() + "/reference/make-solution-repo.sh " + Dir("solution"), &out), 0) << out;
    // test_full_dd.sh's CI line commented out again, as the seed file has it.
    ASSERT_EQ(Sh(VariantCmd(Dir("solution"), Dir("commented"),
                            "sed -i 's|^    - ./test_full_dd.sh|    # - ./test_full_dd.sh|' "
                            ".gitlab-ci.yml"),
                 &out),
              0)
        << out;
    // A cat.py that prints nothing: test_cat.sh fails, on every attempt.
    ASSERT_EQ(Sh(VariantCmd(Dir("solution"), Dir("broken"), "echo 'pass' > cat.py"), &out), 0)
        << out;
    std::ofstream(*root_ / "dishonest.yml") << kDishonestCi;
    ASSERT_EQ(Sh(VariantCmd(Dir("solution"), Dir("dishonest"),
                            "echo 'pass' > cat.py && cp " + Dir("dishonest.yml") +
                                " .gitlab-ci.yml"),
                 &out),
              0)
        << out;
  }
  static void TearDownTestSuite() {
    fs::remove_all(*root_);
    delete root_;
  }
  static std::string Dir(const std::string& name) { return (*root_ / name).string(); }

  void SetUp() override { IPC_REQUIRE_ENGINE(); }
  void TearDown() override { EXPECT_EQ(GraderContainers(), "") << "containers left behind"; }

  // Grades `repo` and returns its result.json.
  nlohmann::json Grade(const std::string& repo) {
    std::string out;
    const std::string cmd = BinDir() + "/grader grade file://" + Dir(repo) + " --out " +
                            Dir("out-" + repo) + " --cache " + Dir("cache") + " --rubric " +
                            Dir("rubric.yaml");
    EXPECT_EQ(Sh(cmd, &out), 0) << out;
    std::ifstream in(*root_ / ("out-" + repo) / repo / "result.json");
    if (!in) {
      ADD_FAILURE() << "no result.json for " << repo << ": " << out;
      return nlohmann::json::object();
    }
    return nlohmann::json::parse(in);
  }
  static nlohmann::json Check(const nlohmann::json& r, const std::string& id) {
    for (const auto& c : r.value("checks", nlohmann::json::array())) {
      if (c["id"] == id) return c;
    }
    ADD_FAILURE() << "no check " << id;
    return nlohmann::json::object();
  }
  static std::string Text(const nlohmann::json& c, const std::string& key) {
    return c.contains(key) && c[key].is_string() ? c[key].get<std::string>() : "";
  }

  static fs::path* root_;
};

fs::path* GitlabCiE2E::root_ = nullptr;

TEST_F(GitlabCiE2E, TheModelSolutionsJobPassesAtFinalAndAtPart1) {
  const auto r = Grade("solution");
  EXPECT_EQ(r.value("ref", ""), "final");
  for (const char* id : {"ci_part1", "ci_final"}) {
    const auto c = Check(r, id);
    // A pass after a rerun (test_listener.sh races under load) is still a
    // pass, marked flaky; the score is the same.
    EXPECT_EQ(c.value("status", ""), "pass") << id << ": " << Text(c, "message") << "\n"
                                             << Text(c, "output");
    EXPECT_GT(c.value("max_score", 0.0), 0) << id;
    EXPECT_EQ(c.value("score", -1.0), c.value("max_score", -2.0)) << id;
  }
  // What the tracer saw run (a flaky pass says how it went instead).
  const std::pair<const char*, const char*> ran_by[] = {
      {"ci_part1", "test_listener.sh"},
      {"ci_final", "test_cat.sh, test_cat_exploit.sh, test_listener.sh, test_full_dd.sh"}};
  for (const auto& [id, ran] : ran_by) {
    const auto c = Check(r, id);
    if (c.value("flaky", false)) continue;
    EXPECT_NE(Text(c, "message").find(std::string(" passed and ran ") + ran + "."),
              std::string::npos)
        << id << ": " << Text(c, "message");
  }
  // The log shows the job's commands echoed as a runner does, and the
  // four tests' own PASSED lines.
  const std::string log = Text(Check(r, "ci_final"), "output");
  EXPECT_NE(log.find("$ ./test_full_dd.sh\n"), std::string::npos) << log;
  EXPECT_NE(log.find("PASSED"), std::string::npos) << log;
}

TEST_F(GitlabCiE2E, ACommentedOutTestFailsTheFinalCheckNamingIt) {
  const auto r = Grade("commented");
  const auto fin = Check(r, "ci_final");
  EXPECT_EQ(fin.value("status", ""), "fail");
  EXPECT_EQ(fin.value("score", -1.0), 0);
  const std::string msg = Text(fin, "message");
  // The job itself ran and passed without that test.
  EXPECT_NE(msg.find("The CI job 'ipc-project' passed, but not every test script ran and "
                     "passed in it:\ntest_full_dd.sh was not run: it is commented out in "
                     ".gitlab-ci.yml (line 11: `# - ./test_full_dd.sh`); uncomment it so CI "
                     "runs it."),
            std::string::npos)
      << msg;
  // The three it ran are not named.
  EXPECT_EQ(msg.find("test_cat.sh"), std::string::npos) << msg;
  EXPECT_EQ(Check(r, "ci_part1").value("status", ""), "pass") << Text(Check(r, "ci_part1"), "message");
}

TEST_F(GitlabCiE2E, AFailingTestFailsTheJobNamingTheCommandOnEveryAttempt) {
  const auto r = Grade("broken");
  const auto fin = Check(r, "ci_final");
  EXPECT_EQ(fin.value("status", ""), "fail");
  EXPECT_EQ(fin.value("score", -1.0), 0);
  const std::string msg = Text(fin, "message");
  EXPECT_NE(msg.find("failed at `./test_cat.sh` (exit 1), on all 3 attempts"), std::string::npos)
      << msg << "\n" << Text(fin, "output");
  EXPECT_NE(msg.find("\ntest_cat.sh failed (exit 1)."), std::string::npos) << msg;
  // The scripts after it were not reached; their lines are in the job, so
  // the advice is not to add them.
  for (const char* later : {"test_cat_exploit.sh", "test_listener.sh", "test_full_dd.sh"}) {
    EXPECT_EQ(msg.find(std::string("add `- ./") + later + "` to its script"), std::string::npos)
        << later << " is in the job's script already:\n" << msg;
  }
  // test_cat.sh's own report of what it got is in the log tail.
  EXPECT_NE(Text(fin, "output").find("FAILED!"), std::string::npos) << Text(fin, "output");
  // part1 is graded on its own tag, which the breakage did not touch.
  EXPECT_EQ(Check(r, "ci_part1").value("status", ""), "pass");
}

TEST_F(GitlabCiE2E, RunsThatDoNotCountFailTheCheckThoughTheJobPasses) {
  const auto r = Grade("dishonest");
  const auto fin = Check(r, "ci_final");
  EXPECT_EQ(fin.value("status", ""), "fail");
  EXPECT_EQ(fin.value("score", -1.0), 0);
  const std::string msg = Text(fin, "message");
  EXPECT_NE(msg.find("The CI job 'ipc-project' passed, but not every test script ran and "
                     "passed in it:"),
            std::string::npos)
      << msg;
  for (const char* why : {
           // Failed as committed; `|| true` hid it.
           "\ntest_cat.sh failed (exit 1) but the job still passed: the job swallowed the "
           "failure",
           // Run with a variable that makes bash source a file first.
           "\ntest_cat_exploit.sh did not run as committed and alone, so its verdict does not "
           "count: BASH_ENV was set in its environment",
           // What ran was the job's rewrite.
           "\ntest_full_dd.sh did not run as committed and alone, so its verdict does not "
           "count: the file was changed before it ran",
           // Something the job started ran beside it.
           "\ntest_listener.sh did not run as committed and alone, so its verdict does not "
           "count: other commands the job started ran beside it (sleep (pid ",
       }) {
    EXPECT_NE(msg.find(why), std::string::npos) << "lacks: " << why << "\nin:\n" << msg;
  }
  EXPECT_NE(Text(fin, "student").find("job 'ipc-project' passed; 4 of 4 test scripts did not "
                                      "pass in it"),
            std::string::npos)
      << Text(fin, "student");
  EXPECT_EQ(Check(r, "ci_part1").value("status", ""), "pass");
}

}  // namespace
}  // namespace ipc::e2e
