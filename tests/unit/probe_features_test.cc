// RunPlan's step features on the host with real processes: sandboxes made
// from the pristine submission or an extra tree, overlays, retries,
// fresh_users, at_workdir, the order of steps that run alone, and the
// grader's tools restored before each group. Every path the probe would
// use in a container (/etc, /home, /opt/ipc-grader) points into a temp
// folder here.
#include <sys/stat.h>
#include <unistd.h>

#include "probe/plan_runner.h"
#include "probe_test_support.h"
#include "util/tar.h"

namespace ipc::probe {
namespace {

using protocol::FileOverlay;
using protocol::Plan;
using protocol::Step;

std::string ReadAll(const std::string& path) {
  return ReadSmallFile(path).value_or("<unreadable>");
}

struct FeaturesTest : ::testing::Test {
  void SetUp() override {
    testing::BecomeSubreaper();
    opt.private_dir = dir / "private";
    opt.sandbox_root = dir / "sandboxes";
    opt.tools_dir = dir / "tools";
    opt.etc_dir = dir / "etc";
    opt.home_dir = dir / "home";
    for (const char* sub : {"tools", "etc", "home", "outside"}) {
      ::mkdir((dir / sub).c_str(), 0755);
    }
    plan.nonce = "n0";
    plan.workdir = dir / "work/root";
    tar::Writer w;
    w.AddFile("a.txt", "A\n", 0644);
    w.AddSymlink("listener", "../../outside/target");
    trees.main = w.Finish();
    tar::Writer p1;
    p1.AddFile("a.txt", "part1\n", 0644);
    trees.extra["part1"] = p1.Finish();
    testing::WriteFile(dir / "outside/target", "not to be overwritten\n");
  }
  Step& Add(const std::string& id, int group, std::vector<std::string> argv) {
    Step s;
    s.id = id;
    s.group = group;
    s.process = testing::Spec(std::move(argv));
    plan.steps.push_back(s);
    return plan.steps.back();
  }
  protocol::Report Run() {
    protocol::ValidatePlan(plan);  // every plan here is one the grader may send
    return RunPlan(plan, trees, opt);
  }
  static const protocol::StepResult& Get(const protocol::Report& r, const std::string& id) {
    for (const auto& s : r.steps) {
      if (s.id == id) return s;
    }
    ADD_FAILURE() << "no result for " << id;
    static protocol::StepResult none;
    return none;
  }
  testing::TempDir dir;
  ProbeOptions opt;
  Plan plan;
  Trees trees;
};

TEST_F(FeaturesTest, PristineSandboxIgnoresAnEarlierGroupsMutationOfTheWorkdir) {
  Add("mutate", 0, {"sh", "-c", "echo changed > a.txt; echo new > b.txt"});
  Step& pristine = Add("pristine", 1, {"sh", "-c", "cat a.txt; ls"});
  pristine.sandbox = "p";
  pristine.sandbox_from = "pristine";
  Add("copy", 1, {"cat", "a.txt"}).sandbox = "c";  // "" = the workdir as it is now
  const auto r = Run();
  EXPECT_EQ(r.probe_error, "");
  EXPECT_EQ(Get(r, "pristine").process.stdout_data, "A\na.txt\nlistener\n");
  EXPECT_EQ(Get(r, "copy").process.stdout_data, "changed\n");
}

TEST_F(FeaturesTest, TreeSandboxGetsTheExtraTree) {
  plan.extra_trees = {"part1"};
  Step& s = Add("old", 0, {"sh", "-c", "cat a.txt; pwd"});
  s.sandbox = "old";
  s.sandbox_from = "tree:part1";
  const auto r = Run();
  EXPECT_EQ(r.probe_error, "");
  EXPECT_EQ(Get(r, "old").process.stdout_data, "part1\n" + opt.sandbox_root + "/old\n");
}

TEST_F(FeaturesTest, OverlayReplacesASymlinkWithoutFollowingIt) {
  Step& s = Add("shim", 0, {"./listener"});
  s.sandbox = "m";
  s.sandbox_from = "pristine";
  s.overlay = {{"listener", "#!/bin/sh\necho shim\n", 0755}, {"new/dir/f", "x", 0600}};
  const auto r = Run();
  EXPECT_EQ(Get(r, "shim").process.stdout_data, "shim\n") << Get(r, "shim").process.error;
  EXPECT_EQ(ReadAll(dir / "outside/target"), "not to be overwritten\n");
  struct stat st {};
  ASSERT_EQ(::lstat((opt.sandbox_root + "/m/listener").c_str(), &st), 0);
  EXPECT_TRUE(S_ISREG(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0755u);
  ASSERT_EQ(::lstat((opt.sandbox_root + "/m/new/dir/f").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(FeaturesTest, OverlayRefusesToWriteThroughASymlinkedDirectory) {
  Add("plant", 0, {"ln", "-s", dir / "outside", "out"});
  Step& s = Add("shim", 1, {"true"});
  s.sandbox = "m";  // copied from the workdir, planted link included
  s.overlay = {{"out/target", "overwritten", 0644}};
  const auto r = Run();
  const auto& shim = Get(r, "shim").process;
  EXPECT_FALSE(shim.started);
  EXPECT_NE(shim.error.find("refusing to write through it"), std::string::npos) << shim.error;
  EXPECT_EQ(ReadAll(dir / "outside/target"), "not to be overwritten\n");
}

// Fails on its first run, passes on the second; the counter lives outside
// the sandbox, so it survives the fresh copy, unlike `leftover-N`.
constexpr const char* kFlaky =
    "n=$(cat {counter} 2>/dev/null || echo 0); n=$((n+1)); echo $n > {counter}; "
    "touch leftover-$n; ls leftover-*; [ $n -ge 2 ]";

std::string Flaky(const std::string& counter) {
  std::string s = kFlaky;
  for (std::size_t at; (at = s.find("{counter}")) != std::string::npos;) s.replace(at, 9, counter);
  return s;
}

TEST_F(FeaturesTest, AttemptsRetryInAFreshSandboxUntilExitZero) {
  for (const char* from : {"", "pristine"}) {
    SCOPED_TRACE(std::string("sandbox_from '") + from + "'");
    plan.steps.clear();
    ::unlink((dir / "outside/counter").c_str());
    Add("prepare", 0, {"touch", "made-by-group-0"});
    Step& s = Add("flaky", 1, {"sh", "-c", Flaky(dir / "outside/counter")});
    s.sandbox = "f";
    s.sandbox_from = from;
    s.attempts = 3;
    const auto r = Run();
    EXPECT_EQ(r.probe_error, "");
    const auto& f = Get(r, "flaky");
    ASSERT_EQ(f.failed_attempts.size(), 1u);
    EXPECT_EQ(f.failed_attempts[0].exit_code, 1);
    EXPECT_EQ(f.failed_attempts[0].stdout_data, "leftover-1\n");
    EXPECT_EQ(f.process.exit_code, 0);
    EXPECT_EQ(f.process.stdout_data, "leftover-2\n");  // not leftover-1: a fresh copy
    // The retry's copy is of the same state as the first: the workdir after
    // group 0 (""), or the submission as committed (pristine).
    const bool has_mark =
        ::access((opt.sandbox_root + "/f/made-by-group-0").c_str(), F_OK) == 0;
    EXPECT_EQ(has_mark, std::string(from).empty());
  }
}

TEST_F(FeaturesTest, AttemptsStopAtTheLimitAndKeepEveryFailure) {
  Step& s = Add("never", 0, {"sh", "-c", "echo try; exit 3"});
  s.sandbox = "n";
  s.attempts = 3;
  Add("once", 0, {"false"});  // attempts 1: no failed_attempts
  const auto r = Run();
  const auto& n = Get(r, "never");
  ASSERT_EQ(n.failed_attempts.size(), 2u);
  for (const auto& a : n.failed_attempts) EXPECT_EQ(a.exit_code, 3);
  EXPECT_EQ(n.process.exit_code, 3);
  EXPECT_EQ(n.process.stdout_data, "try\n");
  EXPECT_TRUE(Get(r, "once").failed_attempts.empty());
}

TEST_F(FeaturesTest, FreshUsersRestoresTheDatabaseAndRemovesNewHomes) {
  testing::WriteFile(dir / "etc/passwd", "root:x:0:0:root:/root:/bin/bash\n");
  testing::WriteFile(dir / "etc/group", "root:x:0:\n");
  testing::WriteFile(dir / "etc/shadow", "root:*:19000:0:99999:7:::\n");
  ::chmod((dir / "etc/shadow").c_str(), 0640);
  // No gshadow at the start: a step that creates one sees it removed.
  ::mkdir((dir / "home/kept").c_str(), 0755);
  const std::string etc = dir / "etc", home = dir / "home";
  // What `adduser garfield` does to these files, in the shell; it fails
  // (like adduser) when garfield exists already.
  const std::string add = "! grep -q garfield " + etc + "/passwd && echo garfield:x:1000:1000::" +
                          home + "/garfield:/bin/sh >> " + etc + "/passwd && echo g > " + etc +
                          "/gshadow && touch " + etc + "/passwd.lock && mkdir " + home +
                          "/garfield && echo added";
  Add("first", 0, {"sh", "-c", add}).fresh_users = true;
  Add("second", 1, {"sh", "-c", add}).fresh_users = true;
  Add("plain", 2, {"sh", "-c", add});  // no fresh_users: garfield is still there
  const auto r = Run();
  EXPECT_EQ(r.probe_error, "");
  EXPECT_EQ(Get(r, "first").process.stdout_data, "added\n");
  EXPECT_EQ(Get(r, "second").process.stdout_data, "added\n") << Get(r, "second").process.error;
  EXPECT_EQ(Get(r, "plain").process.exit_code, 1);
  EXPECT_TRUE(::access((dir / "home/kept").c_str(), F_OK) == 0);
  struct stat st {};
  ASSERT_EQ(::stat((dir / "etc/shadow").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0640u);  // restored with its mode
}

TEST_F(FeaturesTest, AtWorkdirPutsTheSandboxAtTheWorkdirAndBack) {
  Add("mark", 0, {"touch", "only-in-workdir"});
  Step& s = Add("at", 1,
                {"sh", "-c", "pwd; echo {dir}; ls; echo made-here > made; " +
                                 testing::StartDaemon("1000", ">/dev/null 2>&1")});
  s.sandbox = "w";
  s.sandbox_from = "pristine";
  s.at_workdir = true;
  Add("after", 2, {"ls"});
  Step& later = Add("sandbox-after", 2, {"cat", "made"});
  later.sandbox = "w";
  later.sandbox_from = "pristine";  // made once, in group 1: not made again
  const auto r = Run();
  EXPECT_EQ(r.probe_error, "");
  const std::string out = Get(r, "at").process.stdout_data;
  const std::string expect_head = plan.workdir + "\n" + plan.workdir + "\na.txt\nlistener\n";
  ASSERT_EQ(out.substr(0, expect_head.size()), expect_head) << out;
  const pid_t daemon = std::stoi(out.substr(expect_head.size()));
  EXPECT_FALSE(testing::Alive(daemon));  // swept before the workdir came back
  EXPECT_EQ(Get(r, "after").process.stdout_data, "a.txt\nlistener\nonly-in-workdir\n");
  EXPECT_EQ(Get(r, "sandbox-after").process.stdout_data, "made-here\n");
  EXPECT_NE(::access((plan.workdir + ".ipc-aside").c_str(), F_OK), 0);
}

TEST_F(FeaturesTest, StepsThatRunAloneGoFirstOneByOne) {
  // Plan order puts the ordinary step first; it still runs after both
  // alone steps, and the second alone step after the first.
  const std::string order = dir / "outside/order";
  Add("together", 0, {"sh", "-c", "cat " + order});
  Add("alone-1", 0, {"sh", "-c", "echo one >> " + order}).fresh_users = true;
  Step& two = Add("alone-2", 0, {"sh", "-c", "cat " + order + "; echo two >> " + order});
  two.sandbox = "a2";
  two.at_workdir = true;
  testing::WriteFile(dir / "etc/passwd", "root:x:0:0::/root:/bin/sh\n");
  const auto r = Run();
  EXPECT_EQ(r.probe_error, "");
  EXPECT_EQ(Get(r, "alone-2").process.stdout_data, "one\n");
  EXPECT_EQ(Get(r, "together").process.stdout_data, "one\ntwo\n");
}

TEST_F(FeaturesTest, ToolsOverwrittenByAStepAreRestoredBeforeTheNextGroup) {
  const std::string tool =
      testing::CompileC(dir, "tools/ref-echo", "#include <stdio.h>\nint main(){puts(\"real\");}\n");
  ::unlink((dir / "tools/ref-echo.c").c_str());
  Add("overwrite", 0,
      {"sh", "-c", "printf '#!/bin/sh\\necho fake\\n' > " + tool + "; " + tool});
  Add("by-path", 1, {"sh", "-c", tool});  // a script running it by path
  Add("direct", 1, {tool});
  const auto r = Run();
  EXPECT_EQ(r.probe_error, "");
  EXPECT_EQ(Get(r, "overwrite").process.stdout_data, "fake\n");
  EXPECT_EQ(Get(r, "by-path").process.stdout_data, "real\n");
  EXPECT_EQ(Get(r, "direct").process.stdout_data, "real\n");
}

TEST_F(FeaturesTest, AMissingExtraTreeIsAProbeError) {
  plan.extra_trees = {"part1", "final"};
  Add("never", 0, {"true"});
  const auto r = RunPlan(plan, trees, opt);
  EXPECT_EQ(r.probe_error, "no tar for extra tree 'final'");
  EXPECT_TRUE(r.steps.empty());
}

}  // namespace
}  // namespace ipc::probe
