// test_adequacy and dd_insight end to end: `grader grade` on real git
// repositories, in a real container on the real engine, with the real probe
// and the rubric's own checks, programs and mutants (rubrics/ipc-project.yaml,
// only those checks). The model solution's four test scripts are proper
// tests; a script that always passes is not, and the message names the
// mutant it missed; one that always fails cannot tell right from wrong; a
// missing one is named; the DD insight on the model solution is the
// assignment's trap.
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "e2e_support.h"
#include "rubric_subset.h"

namespace ipc::e2e {
namespace {

namespace fs = std::filesystem;

class AdequacyE2E : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    root_ =
        new fs::path(fs::temp_directory_path() / ("ipc-adequacy-e2e-" + std::to_string(getpid())));
    fs::create_directories(*root_);
    const auto missing = WriteRubricSubset(
        SourceDir() + "/rubrics/ipc-project.yaml",
        {"adequacy_listener", "adequacy_cat", "adequacy_exploit", "adequacy_dd", "dd_insight"},
        *root_ / "rubric.yaml");
    ASSERT_TRUE(missing.empty()) << "not in rubrics/ipc-project.yaml: " << missing.front();
    std::string out;
    ASSERT_EQ(Sh(SourceDir() + "/reference/make-solution-repo.sh " + Dir("solution"), &out), 0)
        << out;
    // Scripts that test nothing: two always pass (print PASSED, exit 0),
    // one always fails, one is gone.
    const std::string pass = "printf '#!/bin/bash\\necho PASSED\\nexit 0\\n' > ";
    ASSERT_EQ(Sh(VariantCmd(Dir("solution"), Dir("fake"),
                            pass + "test_listener.sh && " + pass + "test_full_dd.sh && " +
                                "printf '#!/bin/bash\\necho NOPE\\nexit 3\\n' > test_cat.sh && "
                                "git rm -q test_cat_exploit.sh"),
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
  const std::pair<const char*, const char*> expect[] = {
      {"adequacy_listener", "no-usr1-handler: failed"},
      {"adequacy_cat", "always-meow: failed"},
      {"adequacy_exploit", "refuses-traversal: failed"},
      {"adequacy_dd", "always-leaks: failed"},
  };
  for (const auto& [id, caught] : expect) {
    const auto c = Check(r, id);
    EXPECT_EQ(c.value("status", ""), "pass")
        << id << ": " << Text(c, "message") << " | " << Text(c, "student") << "\n"
        << Text(c, "output");
    EXPECT_GT(c.value("max_score", 0.0), 0) << id;
    EXPECT_EQ(c.value("score", -1.0), c.value("max_score", -2.0)) << id;
    // It ran: passed on the stand-in, failed on the mutant.
    EXPECT_NE(Text(c, "student").find(": passed (exit 0)"), std::string::npos)
        << id << ": " << Text(c, "student");
    EXPECT_NE(Text(c, "student").find(caught), std::string::npos)
        << id << ": " << Text(c, "student");
  }
  const auto dd = Check(r, "dd_insight");
  const std::string msg = Text(dd, "message");
  EXPECT_EQ(dd.value("status", ""), "pass") << msg;
  // `su -`: not found, from the home folder; from the repository: read.
  EXPECT_NE(Text(dd, "student").find("su -: ../secret.txt ENOENT, treasure.txt ENOENT"),
            std::string::npos)
      << Text(dd, "student");
  EXPECT_NE(Text(dd, "student").find("repository folder: ../secret.txt read, treasure.txt read"),
            std::string::npos)
      << Text(dd, "student");
  EXPECT_NE(msg.find("accident of the working directory"), std::string::npos) << msg;
  EXPECT_NE(msg.find("`su -` moves garfield to /home/garfield"), std::string::npos) << msg;
  EXPECT_NE(msg.find("(readable by everyone)"), std::string::npos) << msg;
  EXPECT_NE(msg.find("No such file or directory"), std::string::npos) << msg;
}

TEST_F(AdequacyE2E, ScriptsThatTestNothingFailNamingWhatTheyMissed) {
  const auto r = Grade("fake");
  // Always passes: not a test; the mutant it missed is named with its hint.
  const std::pair<const char*, const char*> fooled[] = {
      {"adequacy_listener",
       "test_listener.sh passed against a listener.c that has no SIGUSR1 handler (SIGUSR1 kills "
       "it) (mutant no-usr1-handler): it is not a proper test case; check that output.log holds "
       "'SIGUSR1 received!'"},
      {"adequacy_dd",
       "test_full_dd.sh passed against a cat.py that always prints a secret, whatever the input "
       "and the user (mutant always-leaks)"},
  };
  for (const auto& [id, words] : fooled) {
    const auto c = Check(r, id);
    EXPECT_EQ(c.value("status", ""), "fail") << id << ": " << Text(c, "message");
    EXPECT_EQ(c.value("score", -1.0), 0) << id;
    EXPECT_NE(Text(c, "message").find("caught 0 of 1 faulty versions"), std::string::npos)
        << id << ": " << Text(c, "message");
    EXPECT_NE(Text(c, "message").find(words), std::string::npos)
        << id << ": " << Text(c, "message");
    EXPECT_NE(Text(c, "output").find("PASSED"), std::string::npos)
        << id << ": " << Text(c, "output");
  }
  // Always fails: it fails on the correct cat.py too, after every rerun.
  const auto cat = Check(r, "adequacy_cat");
  EXPECT_EQ(cat.value("status", ""), "fail") << Text(cat, "message");
  EXPECT_EQ(cat.value("score", -1.0), 0);
  EXPECT_NE(Text(cat, "message")
                .find("test_cat.sh fails even on a correct cat.py (exit 3, in all 3 runs): it "
                      "cannot tell right from wrong"),
            std::string::npos)
      << Text(cat, "message");
  EXPECT_NE(Text(cat, "output").find("NOPE"), std::string::npos) << Text(cat, "output");
  // Gone: named, nothing run.
  const auto exploit = Check(r, "adequacy_exploit");
  EXPECT_EQ(exploit.value("status", ""), "fail") << Text(exploit, "message");
  EXPECT_EQ(exploit.value("score", -1.0), 0);
  EXPECT_NE(Text(exploit, "message").find("test_cat_exploit.sh not found in the repository"),
            std::string::npos)
      << Text(exploit, "message");
}

}  // namespace
}  // namespace ipc::e2e
