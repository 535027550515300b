// The gitlab_ci check end to end: `grader grade` on real git repositories
// (the model solution and broken copies of it), with a rubric holding only
// the two CI checks of the full rubric, on the real engine and probe.
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "e2e_support.h"

namespace ipc::e2e {
namespace {

namespace fs = std::filesystem;

// ci_part1 and ci_final as docs/rubric-draft-full.yaml has them.
constexpr const char* kRubric = R"(assignment: ipc-project
title: gitlab_ci end to end
image: python:latest
image_fallbacks: [ipc-grader/python:bookworm]
workdir: /root
ref: [final]
limits: {memory_mb: 1024, pids: 256, cpus: 1.0, wall_s: 240}
parts:
  - {id: part1, title: Part 1, points: 2.5}
  - {id: part2, title: Part 2, points: 2.5}
checks:
  - id: ci_part1
    part: part1
    title: At tag part1, the CI job passes with test_listener.sh enabled
    type: gitlab_ci
    points: 2.5
    ref: part1
    job: ipc-project
    image: python:latest
    scripts: [test_listener.sh]
    reruns: 2
  - id: ci_final
    part: part2
    title: At the graded ref, the CI job runs all four tests and passes
    type: gitlab_ci
    points: 2.5
    job: ipc-project
    image: python:latest
    scripts: [test_cat.sh, test_cat_exploit.sh, test_listener.sh, test_full_dd.sh]
    reruns: 2
)";

class GitlabCiE2E : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    root_ = new fs::path(fs::temp_directory_path() / ("ipc-gitlab-ci-e2e-" + std::to_string(getpid())));
    fs::create_directories(*root_);
    std::ofstream(*root_ / "rubric.yaml") << kRubric;
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
  }
  static void TearDownTestSuite() {
    fs::remove_all(*root_);
    delete root_;
  }
  static std::string Dir(const std::string& name) { return (*root_ / name).string(); }

  void SetUp() override { IPC_REQUIRE_ENGINE(); }
  // Other suites and engineers share the engine and grade with the default
  // job label: count only the containers labelled with our students.
  void TearDown() override {
    for (const char* repo : {"solution", "commented", "broken"}) {
      std::string ids;
      Sh("docker ps -aq --filter label=io.ipc-grader.student=" + Student(repo), &ids);
      EXPECT_EQ(ids, "") << "containers left behind for " << Student(repo);
    }
  }
  static std::string Student(const std::string& repo) {
    return "gitlab-ci-e2e-" + repo + "-" + std::to_string(getpid());
  }

  // Grades `repo` and returns its result.json.
  nlohmann::json Grade(const std::string& repo) {
    std::string out;
    const std::string cmd = BinDir() + "/grader grade file://" + Dir(repo) + " --student " +
                            Student(repo) + " --out " + Dir("out-" + repo) + " --cache " +
                            Dir("cache") + " --rubric " + Dir("rubric.yaml");
    EXPECT_EQ(Sh(cmd, &out), 0) << out;
    std::ifstream in(*root_ / ("out-" + repo) / Student(repo) / "result.json");
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
    EXPECT_EQ(c.value("score", -1.0), 2.5) << id;
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
  EXPECT_NE(msg.find("test_full_dd.sh is commented out in .gitlab-ci.yml (line 11: "
                     "`# - ./test_full_dd.sh`): uncomment it so CI runs it"),
            std::string::npos)
      << msg;
  // The job itself ran and passed without that test.
  EXPECT_NE(msg.find("passed, but it does not run every test script"), std::string::npos) << msg;
  EXPECT_EQ(Check(r, "ci_part1").value("status", ""), "pass") << Text(Check(r, "ci_part1"), "message");
}

TEST_F(GitlabCiE2E, AFailingTestFailsTheJobNamingTheCommandOnEveryAttempt) {
  const auto r = Grade("broken");
  const auto fin = Check(r, "ci_final");
  EXPECT_EQ(fin.value("status", ""), "fail");
  const std::string msg = Text(fin, "message");
  EXPECT_NE(msg.find("failed at `./test_cat.sh` (exit 1), on all 3 attempts"), std::string::npos)
      << msg << "\n" << Text(fin, "output");
  // test_cat.sh's own report of what it got is in the log tail.
  EXPECT_NE(Text(fin, "output").find("FAILED!"), std::string::npos) << Text(fin, "output");
  // part1 is graded on its own tag, which the breakage did not touch.
  EXPECT_EQ(Check(r, "ci_part1").value("status", ""), "pass");
}

}  // namespace
}  // namespace ipc::e2e
