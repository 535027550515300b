// dd_insight: its plan, its script (run for real with bash on the host, with
// a stand-in `su` that only changes the working directory, so no user is
// created here) and its verdicts from hand-made observations.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "checks/dd_insight_script.h"
#include "checks/test_adequacy_shim.h"
#include "protocol/base64.h"
#include "scoring_fixture.h"

namespace ipc::testing {
namespace {

namespace fs = std::filesystem;
using report::CheckStatus;

std::string Rubric(double points, const std::string& extra = "") {
  return R"(
assignment: t
ref: [final]
parts:
  - {id: part1, title: Part 1, points: 1}
  - {id: part2, title: Part 2, points: )" +
         std::to_string(points) + R"(}
checks:
  - id: build
    part: part1
    title: make builds
    type: command
    points: 1
    run: [make]
  - id: dd_insight
    part: part2
    title: "Insight: is the DD protection real?"
    type: dd_insight
    points: )" +
         std::to_string(points) + "\n    user: garfield\n" + extra;
}

// One observation line as the script writes it.
std::string Obs(const std::string& name, int status, const std::string& out,
                const std::string& err = "") {
  return "@@ipc-dd " + name + " " + std::to_string(status) + " out=" + protocol::Base64Encode(out) +
         " err=" + protocol::Base64Encode(err) + "\n";
}

std::string Modes(const std::string& secret_mode) {
  return Obs("mode:0", 0, "drwxr-xr-x root root\n") +
         Obs("mode:1", 0, "drwxrwxr-x garfield users\n") +
         Obs("mode:2", 0, "-rw-r--r-- root root\n") + Obs("mode:3", 0, secret_mode + "\n");
}

constexpr const char* kEnoentSecret =
    "MEOW [Errno 2] No such file or directory: './litterbox/../secret.txt'\n";
constexpr const char* kEnoentTreasure =
    "MEOW [Errno 2] No such file or directory: './litterbox/treasure.txt'\n";

class DdInsightTest : public ::testing::Test, public ScoringFixture {
 protected:
  void Use(double points, const std::string& extra = "") {
    Load(Rubric(points, extra));
    AddFile("litterbox/treasure.txt", "Treasure found!");
    AddFile("secret.txt", "Hey! This is a secret!");
    Exited("build/run", 0);
  }
  // The model solution, as the assignment's image shows it.
  std::string ModelRun() {
    return Obs("setup", 0, "Adding user `garfield' ...\n") + Obs("home", 0, "/home/garfield\n") +
           Modes("-rw-r--r-- root root") + Obs("su-secret", 0, kEnoentSecret) +
           Obs("su-legit", 0, kEnoentTreasure) + Obs("repo-secret", 0, "Hey! This is a secret!\n") +
           Obs("repo-legit", 0, "Treasure found!\n");
  }
  const report::CheckResult& Insight() {
    result_ = Score();
    return Check(result_, "dd_insight");
  }
  report::Result result_;
};

TEST_F(DdInsightTest, PlanIsOneStepAloneAfterEverythingElseWithTheAssignmentsSetUp) {
  Use(0);
  ASSERT_EQ(plan.steps.size(), 2u);
  const auto& s = plan.steps[1];
  EXPECT_EQ(s.id, "dd_insight/run");
  EXPECT_GT(s.group, 2);  // after the build (0) and stdin_cases' set-up and cases (1, 2)
  EXPECT_TRUE(s.at_workdir);
  EXPECT_TRUE(s.fresh_users);
  EXPECT_EQ(s.sandbox, "dd_insight");
  EXPECT_EQ(s.sandbox_from, "");
  ASSERT_EQ(s.process.argv.size(), 3u);
  const std::string& script = s.process.argv[2];
  EXPECT_NE(script.find("adduser 'garfield' --disabled-password --gecos \"\"\nchgrp users "
                        "'./litterbox'\nchown 'garfield' './litterbox'\nchmod g+rwx './litterbox'"),
            std::string::npos)
      << script;
  // The reference cat, both ways.
  EXPECT_NE(script.find("su - 'garfield' -c ''\\''/opt/ipc-grader/ref-cat'\\'''"),
            std::string::npos)
      << script;
  EXPECT_NE(script.find("run repo-secret '../secret.txt' su 'garfield' -c"), std::string::npos)
      << script;
}

TEST_F(DdInsightTest, ModelSolutionIsAnAccidentOfTheWorkingDirectoryAndLeaksFromTheRepository) {
  Use(0);
  Exited("dd_insight/run", 0, ModelRun());
  const auto& c = Insight();
  RecordProperty("message", c.message);  // to read it: --gtest_output=xml
  EXPECT_EQ(c.status, CheckStatus::kPass) << c.message;
  EXPECT_TRUE(c.insight);
  EXPECT_NE(c.message.find("The protection is an accident of the working directory"),
            std::string::npos)
      << c.message;
  EXPECT_NE(c.message.find("`su -` moves garfield to /home/garfield, where "
                           "./litterbox/../secret.txt does not exist (ENOENT)"),
            std::string::npos)
      << c.message;
  EXPECT_NE(c.message.find("From the repository folder (/root), garfield reads the secret: "
                           "secret.txt is -rw-r--r-- root root"),
            std::string::npos)
      << c.message;
  EXPECT_NE(c.message.find("Legitimate reads: treasure.txt works from the repository folder; "
                           "under `su -` it is not found either (ENOENT)"),
            std::string::npos)
      << c.message;
  EXPECT_NE(c.message.find("chmod o-r secret.txt"), std::string::npos) << c.message;
  EXPECT_NE(c.message.find("not scored"), std::string::npos) << c.message;
  EXPECT_EQ(c.student,
            "su -: ../secret.txt ENOENT, treasure.txt ENOENT; repository folder: ../secret.txt "
            "read, treasure.txt read");
}

TEST_F(DdInsightTest, EaccesFromTheRepositoryIsRealProtectionAndEarnsPointsWhenScored) {
  Use(1);
  std::string run = ModelRun();
  const std::string leak = Obs("repo-secret", 0, "Hey! This is a secret!\n");
  run.replace(
      run.find(leak), leak.size(),
      Obs("repo-secret", 0, "MEOW [Errno 13] Permission denied: './litterbox/../secret.txt'\n"));
  Exited("dd_insight/run", 0, run);
  const auto& c = Insight();
  EXPECT_EQ(c.status, CheckStatus::kPass) << c.message;
  EXPECT_EQ(c.score, 1);
  EXPECT_NE(c.message.find("The protection is real"), std::string::npos) << c.message;
  EXPECT_EQ(c.message.find("chmod o-r"), std::string::npos) << "no advice when it is real";
}

TEST_F(DdInsightTest, WhenScoredALeakFails) {
  Use(1);
  Exited("dd_insight/run", 0, ModelRun());
  const auto& c = Insight();
  EXPECT_EQ(c.status, CheckStatus::kFail);
  EXPECT_EQ(c.score, 0);
  EXPECT_EQ(c.message.find("not scored"), std::string::npos) << c.message;
}

TEST_F(DdInsightTest, SetUpThatCannotRunBecauseTheFolderIsMissingFailsSayingSo) {
  Use(0);
  snapshot = {};
  AddFile("secret.txt");
  Exited("dd_insight/run", 0,
         Obs("setup", 1, "", "chgrp: cannot access './litterbox': No such file or directory\n"));
  const auto& c = Insight();
  EXPECT_EQ(c.status, CheckStatus::kFail);
  EXPECT_NE(c.message.find("The assignment's DD set-up (chgrp ./litterbox) cannot run: there is no "
                           "litterbox/ folder"),
            std::string::npos)
      << c.message;
  EXPECT_NE(c.message.find("chgrp: cannot access"), std::string::npos) << c.message;
}

TEST_F(DdInsightTest, HarnessFailuresAreErrors) {
  Use(0);
  Exited("dd_insight/run", 0, "");
  EXPECT_EQ(Insight().status, CheckStatus::kError);
  Exited("dd_insight/run", 0, "@@ipc-dd setup zero out= err=\n");
  EXPECT_NE(Insight().message.find("malformed observation line"), std::string::npos);
  // su itself failing is the image's problem, not the student's.
  std::string run = ModelRun();
  const std::string ok = Obs("su-legit", 0, kEnoentTreasure);
  run.replace(run.find(ok), ok.size(), Obs("su-legit", 1, "", "su: Authentication failure\n"));
  Exited("dd_insight/run", 0, run);
  const auto& c = Insight();
  EXPECT_EQ(c.status, CheckStatus::kError);
  EXPECT_NE(c.message.find("as garfield (su-legit) failed with exit 1: su: Authentication failure"),
            std::string::npos)
      << c.message;
}

TEST(DdScript, DisplayPathNormalises) {
  EXPECT_EQ(checks::DisplayPath("litterbox/../secret.txt"), "secret.txt");
  EXPECT_EQ(checks::DisplayPath("./litterbox/./a//b"), "litterbox/a/b");
  EXPECT_EQ(checks::DisplayPath("litterbox/../../x"), "../x");
  EXPECT_EQ(checks::DisplayPath("a/.."), ".");
}

// The script for real: bash on the host, in a copy of the model solution's
// layout, with stand-ins for su (only `su -` changes the working directory,
// to a fake home) and getent, and the assignment's own cat.py as the cat.
TEST(DdScript, RunsAndReportsEveryObservationBothWays) {
  const fs::path dir = fs::temp_directory_path() / ("ipc-dd-script-" + std::to_string(getpid()));
  fs::create_directories(dir / "repo" / "litterbox");
  fs::create_directories(dir / "home");
  fs::create_directories(dir / "bin");
  std::ofstream(dir / "repo" / "secret.txt") << "Hey! This is a secret!";
  std::ofstream(dir / "repo" / "litterbox" / "treasure.txt") << "Treasure found!";
  std::ofstream(dir / "bin" / "su") << "#!/bin/sh\n"
                                    << "if [ \"$1\" = - ]; then cd '" << (dir / "home").string()
                                    << "'; shift; fi\nshift; shift\nexec sh -c \"$1\"\n";
  std::ofstream(dir / "bin" / "getent")
      << "#!/bin/sh\necho \"$2:x:1000:1000::/home/$2:/bin/bash\"\n";
  fs::permissions(dir / "bin" / "su", fs::perms::owner_all);
  fs::permissions(dir / "bin" / "getent", fs::perms::owner_all);

  checks::DdScriptParams p;
  p.setup = "test -d ./litterbox\necho set up";
  const char* src = std::getenv("IPC_SOURCE_DIR");
  p.reference = {"/usr/bin/python3",
                 std::string(src ? src : IPC_DEFAULT_SOURCE_DIR) + "/reference/seed/cat.py"};
  const std::string script = dir / "script.sh";
  std::ofstream(script) << checks::DdScript(p);
  const std::string cmd = "cd '" + (dir / "repo").string() + "' && PATH='" +
                          (dir / "bin").string() + ":/usr/bin:/bin' bash " + script +
                          " 2>/dev/null";
  std::string out;
  FILE* f = popen(cmd.c_str(), "r");
  char buf[4096];
  std::size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  const int status = pclose(f);
  fs::remove_all(dir);
  EXPECT_EQ(status, 0) << out;

  std::string err;
  const auto obs = checks::ParseDdObservations(out, &err);
  ASSERT_TRUE(obs.has_value()) << err;
  ASSERT_EQ(obs->count("setup"), 1u) << out;
  EXPECT_EQ(obs->at("setup").status, 0);
  EXPECT_EQ(obs->at("setup").out, "set up\n");
  EXPECT_EQ(obs->at("home").out, "/home/garfield\n");
  EXPECT_EQ(obs->at("mode:3").status, 0);  // litterbox/../secret.txt exists
  EXPECT_EQ(obs->at("mode:3").out.substr(0, 1), "-");
  EXPECT_EQ(obs->at("su-secret").out, kEnoentSecret);
  EXPECT_EQ(obs->at("su-legit").out, kEnoentTreasure);
  EXPECT_EQ(obs->at("repo-secret").out, "Hey! This is a secret!\n");
  EXPECT_EQ(obs->at("repo-legit").out, "Treasure found!\n");
}

TEST(DdScript, SetUpFailureStopsBeforeTheRuns) {
  checks::DdScriptParams p;
  p.setup = "false\necho never";
  p.reference = {"/bin/true"};
  const fs::path script = fs::temp_directory_path() / ("ipc-dd-fail-" + std::to_string(getpid()));
  std::ofstream(script) << checks::DdScript(p);
  FILE* f = popen(("bash " + script.string() + " 2>/dev/null").c_str(), "r");
  std::string out;
  char buf[4096];
  std::size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  pclose(f);
  fs::remove(script);
  std::string err;
  const auto obs = checks::ParseDdObservations(out, &err);
  ASSERT_TRUE(obs.has_value()) << err;
  EXPECT_EQ(obs->size(), 1u) << out;
  EXPECT_EQ(obs->at("setup").status, 1);
  EXPECT_EQ(obs->at("setup").out, "");
}

}  // namespace
}  // namespace ipc::testing
