// test_adequacy and dd_insight end to end: `grader grade` on real git
// repositories, in a real container on the real engine, with the real probe
// and reference tools. The model solution's four test scripts are proper
// tests; scripts that always pass are not, and the message names the mutant
// they missed; the DD insight on the model solution is the assignment's trap.
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "e2e_support.h"

namespace ipc::e2e {
namespace {

namespace fs = std::filesystem;

// The adequacy checks and the insight of docs/rubric-draft-full.yaml, with
// the build they run after.
constexpr const char* kRubric = R"(
assignment: ipc-project
title: adequacy e2e
image: python:latest
image_fallbacks: [ipc-grader/python:bookworm]
workdir: /root
ref: [final]
limits: {memory_mb: 1024, pids: 256, cpus: 1.0, wall_s: 240}
parts:
  - {id: part1, title: Part 1, points: 3}
  - {id: part2, title: Part 2, points: 3}
checks:
  - id: build
    part: part1
    title: make builds the listener
    type: command
    points: 1
    run: [make]
    produces: [listener]
  - id: adequacy_listener
    part: part1
    title: test_listener.sh is a proper test
    type: test_adequacy
    points: 2
    script: test_listener.sh
    replace: listener
    reference: [ref-listener]
    mutants:
      - {name: no-usr1-handler, run: [ref-listener, --mutant=no-usr1]}
  - id: dd_insight
    part: part2
    title: "Insight: is the DD protection real?"
    type: dd_insight
    points: 0
    user: garfield
  - id: adequacy_cat
    part: part2
    title: test_cat.sh is a proper test
    type: test_adequacy
    points: 1
    script: test_cat.sh
    replace: cat.py
    reference: [ref-cat]
    mutants:
      - {name: always-meow, run: [ref-cat, --mutant=always-meow]}
  - id: adequacy_exploit
    part: part2
    title: test_cat_exploit.sh is a proper test
    type: test_adequacy
    points: 1
    script: test_cat_exploit.sh
    replace: cat.py
    reference: [ref-cat]
    mutants:
      - {name: refuses-traversal, run: [ref-cat, --mutant=refuse-traversal]}
  - id: adequacy_dd
    part: part2
    title: test_full_dd.sh is a proper test
    type: test_adequacy
    points: 1
    script: test_full_dd.sh
    replace: cat.py
    reference: [ref-cat]
    mutants:
      - {name: always-leaks, run: [ref-cat, --mutant=always-leak]}
)";

class AdequacyE2E : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    root_ =
        new fs::path(fs::temp_directory_path() / ("ipc-adequacy-e2e-" + std::to_string(getpid())));
    fs::create_directories(*root_);
    std::ofstream(*root_ / "rubric.yaml") << kRubric;
    std::string out;
    ASSERT_EQ(Sh(SourceDir() + "/reference/make-solution-repo.sh " + Dir("solution"), &out), 0)
        << out;
    // Fake tests: print PASSED and exit 0 without testing anything.
    std::string fake = "true";
    for (const char* s :
         {"test_cat.sh", "test_cat_exploit.sh", "test_listener.sh", "test_full_dd.sh"}) {
      fake += std::string(" && printf '#!/bin/bash\\necho PASSED\\nexit 0\\n' > ") + s;
    }
    ASSERT_EQ(Sh(VariantCmd(Dir("solution"), Dir("fake"), fake), &out), 0) << out;
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
      ADD_FAILURE() << "no result.json: " << out;
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
  static std::string Text(const nlohmann::json& c, const char* key) {
    return c.contains(key) && c[key].is_string() ? c[key].get<std::string>() : "";
  }

  static fs::path* root_;
};

fs::path* AdequacyE2E::root_ = nullptr;

TEST_F(AdequacyE2E, ModelSolutionsTestsAreProperAndItsDdProtectionIsAnAccident) {
  const auto r = Grade("solution");
  for (const char* id : {"adequacy_listener", "adequacy_cat", "adequacy_exploit", "adequacy_dd"}) {
    const auto c = Check(r, id);
    EXPECT_EQ(c.value("status", ""), "pass")
        << id << ": " << Text(c, "message") << " | " << Text(c, "student") << "\n"
        << Text(c, "output");
    EXPECT_EQ(c.value("score", -1.0), c.value("max_score", -2.0)) << id;
  }
  const auto dd = Check(r, "dd_insight");
  const std::string msg = Text(dd, "message");
  EXPECT_EQ(dd.value("status", ""), "pass") << msg;
  // `su -`: not found, from the home folder; from the repository: read.
  EXPECT_NE(Text(dd, "student").find("su -: ../secret.txt ENOENT"), std::string::npos)
      << Text(dd, "student");
  EXPECT_NE(Text(dd, "student").find("repository folder: ../secret.txt read"), std::string::npos)
      << Text(dd, "student");
  EXPECT_NE(msg.find("accident of the working directory"), std::string::npos) << msg;
  EXPECT_NE(msg.find("(readable by everyone)"), std::string::npos) << msg;
  EXPECT_NE(msg.find("[Errno 2] No such file or directory: './litterbox/../secret.txt'"),
            std::string::npos)
      << msg;
}

TEST_F(AdequacyE2E, TestsThatAlwaysPassFailNamingTheMutantTheyMissed) {
  const auto r = Grade("fake");
  const std::pair<const char*, const char*> expect[] = {
      {"adequacy_listener",
       "test_listener.sh passed against a listener that has no SIGUSR1 "
       "handler (SIGUSR1 kills it) (mutant no-usr1-handler)"},
      {"adequacy_cat",
       "test_cat.sh passed against a cat.py that never prints the file (it always "
       "says MEOW) (mutant always-meow): it is not a proper test case"},
      {"adequacy_exploit", "(mutant refuses-traversal)"},
      {"adequacy_dd", "(mutant always-leaks)"},
  };
  for (const auto& [id, words] : expect) {
    const auto c = Check(r, id);
    EXPECT_EQ(c.value("status", ""), "fail") << id << ": " << Text(c, "message");
    EXPECT_EQ(c.value("score", -1.0), 0) << id;
    EXPECT_NE(Text(c, "message").find(words), std::string::npos)
        << id << ": " << Text(c, "message");
    EXPECT_NE(Text(c, "output").find("PASSED"), std::string::npos)
        << id << ": " << Text(c, "output");
  }
}

}  // namespace
}  // namespace ipc::e2e
