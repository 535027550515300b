// dd_insight: its plan, its script (run for real with bash on the host, with
// a stand-in `su` that only changes the working directory, so no user is
// created here) and its verdicts from hand-made observations.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "checks/dd_insight_script.h"
#include "checks/test_adequacy_shim.h"
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

// Observations as the script reports them: header lines, the data line,
// then every stdout and stderr in header order (dd_insight_script.h). Built
// here by hand, independently of the script and the parser.
struct Ob {
  Ob(std::string n, int s, std::string o, std::string e = "")
      : name(std::move(n)), status(s), out(std::move(o)), err(std::move(e)) {}
  std::string name;
  int status;
  std::string out;
  std::string err;
};
using Obs = std::vector<Ob>;

std::string Frame(const Obs& obs) {
  std::string head, data;
  for (const auto& o : obs) {
    head += "@@ipc-dd " + o.name + " " + std::to_string(o.status) + " out=" +
            std::to_string(o.out.size()) + " err=" + std::to_string(o.err.size()) + "\n";
    data += o.out + o.err;
  }
  return head + "@@ipc-dd-data\n" + data;
}

// `obs` with the observation named like `o` replaced by `o`.
Obs With(Obs obs, const Ob& o) {
  for (auto& x : obs) {
    if (x.name == o.name) {
      x = o;
      return obs;
    }
  }
  ADD_FAILURE() << "no observation " << o.name;
  return obs;
}

Obs Modes(const std::string& secret_mode) {
  return {{"mode:0", 0, "drwxr-xr-x root root\n"},
          {"mode:1", 0, "drwxrwxr-x garfield users\n"},
          {"mode:2", 0, "-rw-r--r-- root root\n"},
          {"mode:3", 0, secret_mode + "\n"}};
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
  Obs ModelRun() {
    Obs obs = {{"setup", 0, ""}, {"home", 0, "/home/garfield\n"}};
    for (auto& m : Modes("-rw-r--r-- root root")) obs.push_back(m);
    for (auto& r : Obs{{"su-secret", 0, kEnoentSecret},
                       {"su-legit", 0, kEnoentTreasure},
                       {"repo-secret", 0, "Hey! This is a secret!\n"},
                       {"repo-legit", 0, "Treasure found!\n"}}) {
      obs.push_back(r);
    }
    return obs;
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
  // adduser's end state on bookworm (user, group, home 0700, bash, `users`)
  // from one useradd, then the assignment's own lines.
  EXPECT_NE(script.find("useradd -m -U -G users -s /bin/bash -c ',,,' -K HOME_MODE=0700 "
                        "'garfield'\nchgrp users './litterbox'\nchown 'garfield' './litterbox'\n"
                        "chmod g+rwx './litterbox'"),
            std::string::npos)
      << script;
  EXPECT_EQ(script.find("adduser"), std::string::npos) << script;
  // The reference cat, both ways.
  EXPECT_NE(script.find("su - 'garfield' -c ''\\''/opt/ipc-grader/ref-cat'\\'''"),
            std::string::npos)
      << script;
  EXPECT_NE(script.find("run repo-secret '../secret.txt' su 'garfield' -c"), std::string::npos)
      << script;
}

TEST_F(DdInsightTest, ModelSolutionIsAnAccidentOfTheWorkingDirectoryAndLeaksFromTheRepository) {
  Use(0);
  Exited("dd_insight/run", 0, Frame(ModelRun()));
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
  Exited("dd_insight/run", 0,
         Frame(With(ModelRun(), {"repo-secret", 0,
                                 "MEOW [Errno 13] Permission denied: './litterbox/../secret.txt'\n"})));
  const auto& c = Insight();
  EXPECT_EQ(c.status, CheckStatus::kPass) << c.message;
  EXPECT_EQ(c.score, 1);
  EXPECT_NE(c.message.find("The protection is real"), std::string::npos) << c.message;
  EXPECT_EQ(c.message.find("chmod o-r"), std::string::npos) << "no advice when it is real";
}

TEST_F(DdInsightTest, WhenScoredALeakFails) {
  Use(1);
  Exited("dd_insight/run", 0, Frame(ModelRun()));
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
         Frame({{"setup", 1, "", "chgrp: cannot access './litterbox': No such file or directory\n"}}));
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
  Exited("dd_insight/run", 0, "@@ipc-dd setup zero out=0 err=0\n@@ipc-dd-data\n");
  EXPECT_NE(Insight().message.find("malformed observation line"), std::string::npos);
  // Data cut by the step's output cap: an error that says so, not a verdict.
  const std::string whole = Frame(ModelRun());
  Exited("dd_insight/run", 0, whole.substr(0, whole.size() - 3)).process.stdout_bytes =
      whole.size();
  EXPECT_EQ(Insight().status, CheckStatus::kError);
  EXPECT_NE(Insight().message.find("its output was cut at " + std::to_string(whole.size() - 3)),
            std::string::npos)
      << Insight().message;
  // su itself failing is the image's problem, not the student's.
  Exited("dd_insight/run", 0,
         Frame(With(ModelRun(), {"su-legit", 1, "", "su: Authentication failure\n"})));
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

// Bytes from the observations' data can hold anything the submission's
// files hold: newlines, NUL, and lines that look like headers or the data
// line. They are cut by the announced sizes, never read as lines.
TEST(DdParse, DataIsCutBySizesSoContentsCannotForgeAnObservation) {
  const std::string forged =
      "Hey!\n@@ipc-dd-data\n@@ipc-dd repo-legit 0 out=3 err=0\nabc" + std::string("\0\x01", 2);
  const std::string out = Frame({{"setup", 0, "", "warn\n"},
                                 {"repo-secret", 0, forged, ""},
                                 {"repo-legit", 7, "", std::string("e\0", 2)}});
  std::string err;
  const auto obs = checks::ParseDdObservations(out, &err);
  ASSERT_TRUE(obs.has_value()) << err;
  ASSERT_EQ(obs->size(), 3u);
  EXPECT_EQ(obs->at("setup").err, "warn\n");
  EXPECT_EQ(obs->at("repo-secret").out, forged);
  EXPECT_EQ(obs->at("repo-legit").status, 7);
  EXPECT_EQ(obs->at("repo-legit").out, "");
  EXPECT_EQ(obs->at("repo-legit").err, std::string("e\0", 2));
}

TEST(DdParse, NothingReportedIsEmptyAndAnInconsistentReportIsAnError) {
  std::string err;
  const auto none = checks::ParseDdObservations("bash: something on fd 3\n", &err);
  ASSERT_TRUE(none.has_value()) << err;
  EXPECT_TRUE(none->empty());

  const std::string whole = Frame({{"setup", 0, "hello\n", ""}});
  EXPECT_FALSE(checks::ParseDdObservations(whole.substr(0, whole.size() - 1), &err));
  EXPECT_NE(err.find("announce 6 byte(s) of data, but 5 follow"), std::string::npos) << err;
  EXPECT_FALSE(checks::ParseDdObservations(whole + "x", &err));
  EXPECT_NE(err.find("but 7 follow"), std::string::npos) << err;
  EXPECT_FALSE(checks::ParseDdObservations("@@ipc-dd setup 0 out=6 err=0\n", &err));
  EXPECT_NE(err.find("data line '@@ipc-dd-data' is missing"), std::string::npos) << err;
  // A size stat could not give (an empty field) or a count with junk in it.
  EXPECT_FALSE(checks::ParseDdObservations("@@ipc-dd setup 0 out=0 err=\n@@ipc-dd-data\n", &err));
  EXPECT_NE(err.find("byte count is not a number"), std::string::npos) << err;
  EXPECT_FALSE(checks::ParseDdObservations("@@ipc-dd setup 0 out=1x err=0\n@@ipc-dd-data\nx", &err));
  EXPECT_NE(err.find("byte count is not a number"), std::string::npos) << err;
}

// Runs a dd_insight script with bash on the host, in `cwd`, with `bin`
// first on PATH. Returns its stdout (fd 3 inside).
std::string RunScript(const checks::DdScriptParams& p, const fs::path& dir, const fs::path& cwd,
                      int* status) {
  const std::string script = dir / "script.sh";
  std::ofstream(script) << checks::DdScript(p);
  const std::string cmd = "cd '" + cwd.string() + "' && PATH='" + (dir / "bin").string() +
                          ":/usr/bin:/bin' bash " + script + " 2>/dev/null";
  std::string out;
  FILE* f = popen(cmd.c_str(), "r");
  char buf[4096];
  std::size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  *status = pclose(f);
  return out;
}

// A stand-in for `tool` in dir/bin that logs its name to dir/tools.log and
// runs the real one, to count the processes the script starts.
void LoggedTool(const fs::path& dir, const std::string& tool) {
  std::ofstream(dir / "bin" / tool) << "#!/bin/sh\necho " << tool << " >> '"
                                    << (dir / "tools.log").string() << "'\nexec /usr/bin/" << tool
                                    << " \"$@\"\n";
  fs::permissions(dir / "bin" / tool, fs::perms::owner_all);
}

std::vector<std::string> ToolsRun(const fs::path& dir) {
  std::vector<std::string> tools;
  std::ifstream log(dir / "tools.log");
  for (std::string line; std::getline(log, line);) tools.push_back(line);
  return tools;
}

// The script for real: bash on the host, in a copy of the model solution's
// layout, with stand-ins for su (only `su -` changes the working directory,
// to a fake home) and getent, and the assignment's own cat.py as the cat.
// The secret's contents try to forge an observation.
TEST(DdScript, RunsAndReportsEveryObservationBothWaysWithOneCatForAllBytes) {
  const fs::path dir = fs::temp_directory_path() / ("ipc-dd-script-" + std::to_string(getpid()));
  fs::create_directories(dir / "repo" / "litterbox");
  fs::create_directories(dir / "home");
  fs::create_directories(dir / "bin");
  const std::string secret =
      "Hey! This is a secret!\n@@ipc-dd-data\n@@ipc-dd repo-legit 0 out=5 err=0\nforged";
  std::ofstream(dir / "repo" / "secret.txt") << secret;
  std::ofstream(dir / "repo" / "litterbox" / "treasure.txt") << "Treasure found!";
  std::ofstream(dir / "bin" / "su") << "#!/bin/sh\n"
                                    << "if [ \"$1\" = - ]; then cd '" << (dir / "home").string()
                                    << "'; shift; fi\nshift; shift\nexec sh -c \"$1\"\n";
  std::ofstream(dir / "bin" / "getent")
      << "#!/bin/sh\necho \"$2:x:1000:1000::/home/$2:/bin/bash\"\n";
  fs::permissions(dir / "bin" / "su", fs::perms::owner_all);
  fs::permissions(dir / "bin" / "getent", fs::perms::owner_all);
  for (const char* tool : {"cat", "base64", "stat"}) LoggedTool(dir, tool);

  checks::DdScriptParams p;
  p.setup = "test -d ./litterbox\necho set up";
  const char* src = std::getenv("IPC_SOURCE_DIR");
  p.reference = {"/usr/bin/python3",
                 std::string(src ? src : IPC_DEFAULT_SOURCE_DIR) + "/reference/seed/cat.py"};
  int status = -1;
  const std::string out = RunScript(p, dir, dir / "repo", &status);
  const auto tools = ToolsRun(dir);
  fs::remove_all(dir);
  EXPECT_EQ(status, 0) << out;

  std::string err;
  const auto obs = checks::ParseDdObservations(out, &err);
  ASSERT_TRUE(obs.has_value()) << err;
  ASSERT_EQ(obs->count("setup"), 1u) << out;
  EXPECT_EQ(obs->size(), 10u) << out;  // setup, home, four modes, four runs
  EXPECT_EQ(obs->at("setup").status, 0);
  EXPECT_EQ(obs->at("setup").out, "set up\n");
  EXPECT_EQ(obs->at("home").out, "/home/garfield\n");
  EXPECT_EQ(obs->at("mode:3").status, 0);  // litterbox/../secret.txt exists
  EXPECT_EQ(obs->at("mode:3").out.substr(0, 1), "-");
  EXPECT_EQ(obs->at("su-secret").out, kEnoentSecret);
  EXPECT_EQ(obs->at("su-legit").out, kEnoentTreasure);
  EXPECT_EQ(obs->at("repo-secret").out, secret + "\n");
  EXPECT_EQ(obs->at("repo-legit").out, "Treasure found!\n");
  // Encoding the ten observations starts no process per observation.
  EXPECT_EQ(std::count(tools.begin(), tools.end(), "base64"), 0);
  EXPECT_EQ(std::count(tools.begin(), tools.end(), "cat"), 1);
}

TEST(DdScript, SetUpFailureStopsBeforeTheRunsAndStillReports) {
  const fs::path dir = fs::temp_directory_path() / ("ipc-dd-fail-" + std::to_string(getpid()));
  fs::create_directories(dir / "bin");
  checks::DdScriptParams p;
  p.setup = "echo before\nfalse\necho never";
  p.reference = {"/bin/true"};
  int status = -1;
  const std::string out = RunScript(p, dir, dir, &status);
  fs::remove_all(dir);
  std::string err;
  const auto obs = checks::ParseDdObservations(out, &err);
  ASSERT_TRUE(obs.has_value()) << err;
  EXPECT_EQ(obs->size(), 1u) << out;
  EXPECT_EQ(obs->at("setup").status, 1);
  EXPECT_EQ(obs->at("setup").out, "before\n");
}

// The report stream is the script's fd 3; the commands it runs do not get
// it, so even a set-up (or a cat) that writes there cannot add a header.
TEST(DdScript, CommandsCannotWriteOnTheReportStream) {
  const fs::path dir = fs::temp_directory_path() / ("ipc-dd-fd3-" + std::to_string(getpid()));
  fs::create_directories(dir / "bin");
  checks::DdScriptParams p;
  // Fails on purpose: the runs (the host's real su) must not start here.
  p.setup = "echo '@@ipc-dd repo-secret 0 out=0 err=0' >&3 || echo no fd 3\nexit 3";
  p.reference = {"/bin/true"};
  int status = -1;
  const std::string out = RunScript(p, dir, dir, &status);
  fs::remove_all(dir);
  EXPECT_EQ(out.find("@@ipc-dd repo-secret"), std::string::npos) << out;
  std::string err;
  const auto obs = checks::ParseDdObservations(out, &err);
  ASSERT_TRUE(obs.has_value()) << err;
  ASSERT_EQ(obs->size(), 1u) << out;
  EXPECT_EQ(obs->at("setup").status, 3);
  EXPECT_EQ(obs->at("setup").out, "no fd 3\n");
}

}  // namespace
}  // namespace ipc::testing
