// RunPlan on the host: unpacking, group order, concurrency within a group,
// sandbox copies, results in plan order, the sweep after each group, and
// probe_error when the submission cannot be unpacked.
#include <signal.h>
#include <sys/stat.h>

#include "probe/plan_runner.h"
#include "probe_test_support.h"
#include "util/tar.h"

namespace ipc::probe {
namespace {

using protocol::Plan;
using protocol::Step;
using testing::Alive;

struct PlanTest : ::testing::Test {
  void SetUp() override {
    testing::BecomeSubreaper();
    opt.private_dir = dir / "private";
    opt.sandbox_root = dir / "sandboxes";
    plan.nonce = "n0";
    plan.workdir = dir / "work/root";
    tar::Writer w;
    w.AddFile("a.txt", "A\n", 0644);
    w.AddDir("sub", 0755);
    w.AddFile("sub/run.sh", "#!/bin/sh\necho ran\n", 0755);
    archive = w.Finish();
  }
  Step& Add(const std::string& id, int group, std::vector<std::string> argv) {
    Step s;
    s.id = id;
    s.group = group;
    s.process = testing::Spec(std::move(argv));
    plan.steps.push_back(s);
    return plan.steps.back();
  }
  const protocol::StepResult& Result(const protocol::Report& r, const std::string& id) {
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
  std::string archive;
};

TEST_F(PlanTest, UnpacksIntoATraversableWorkdirAndRunsThere) {
  Add("run", 0, {"sub/run.sh"});
  Add("cat", 0, {"cat", "a.txt"});
  auto r = RunPlan(plan, archive, opt);
  EXPECT_EQ(r.probe_error, "");
  EXPECT_EQ(r.nonce, "n0");
  EXPECT_EQ(Result(r, "run").process.stdout_data, "ran\n");
  EXPECT_EQ(Result(r, "cat").process.stdout_data, "A\n");
  struct stat st {};
  ASSERT_EQ(::stat(plan.workdir.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0755u);
  ASSERT_EQ(::stat(opt.private_dir.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0700u);
}

TEST_F(PlanTest, GroupsRunInAscendingOrderAndResultsKeepPlanOrder) {
  Add("late", 7, {"sh", "-c", "test -e mark && echo saw-mark"});
  Add("early", -1, {"touch", "mark"});
  Add("middle", 3, {"true"});
  auto r = RunPlan(plan, archive, opt);
  ASSERT_EQ(r.steps.size(), 3u);
  EXPECT_EQ(r.steps[0].id, "late");
  EXPECT_EQ(r.steps[1].id, "early");
  EXPECT_EQ(r.steps[2].id, "middle");
  EXPECT_EQ(r.steps[0].process.stdout_data, "saw-mark\n");
}

TEST_F(PlanTest, StepsOfOneGroupRunConcurrently) {
  // Each waits for the other's fifo: this can only finish if both run at
  // once (sequentially the first would block until its timeout).
  Add("mk", 0, {"mkfifo", "ab", "ba"});
  Add("a", 1, {"sh", "-c", "echo hi > ab; cat ba"}).process.timeout_s = 20;
  Add("b", 1, {"sh", "-c", "cat ab; echo yo > ba"}).process.timeout_s = 20;
  auto r = RunPlan(plan, archive, opt);
  EXPECT_EQ(Result(r, "a").process.stdout_data, "yo\n");
  EXPECT_EQ(Result(r, "b").process.stdout_data, "hi\n");
}

TEST_F(PlanTest, SandboxIsCopiedOnceAndLaterGroupsKeepUsingIt) {
  Add("prepare", 0, {"sh", "-c", "echo B > b.txt"});
  Add("mutate", 1, {"sh", "-c", "pwd; echo changed > a.txt; cat a.txt b.txt"}).sandbox = "s";
  Add("shared", 1, {"cat", "a.txt"}).sandbox = "s";  // same group, same copy
  Add("check", 2, {"cat", "a.txt"});
  Add("relative", 2, {"pwd"}).sandbox = "s";
  plan.steps.back().process.cwd = "sub";
  Add("later", 2, {"cat", "a.txt"}).sandbox = "s";  // a later group: the same copy
  Add("dir", 2, {"echo", "{dir}"}).sandbox = "s";
  auto r = RunPlan(plan, archive, opt);
  EXPECT_EQ(r.probe_error, "");
  EXPECT_EQ(Result(r, "mutate").process.stdout_data, opt.sandbox_root + "/s\nchanged\nB\n");
  EXPECT_EQ(Result(r, "check").process.stdout_data, "A\n");  // workdir untouched
  EXPECT_EQ(Result(r, "relative").process.stdout_data, opt.sandbox_root + "/s/sub\n");
  // Regression: group 2 used to get a fresh copy, losing a check's set-up
  // made in group 1.
  EXPECT_EQ(Result(r, "later").process.stdout_data, "changed\n");
  EXPECT_EQ(Result(r, "dir").process.stdout_data, opt.sandbox_root + "/s\n");
}

TEST_F(PlanTest, DaemonsLeftByAGroupAreGoneBeforeTheNextGroup) {
  Add("daemon", 0,
      {"sh", "-c", "{ " + testing::StartDaemon("1000", ">/dev/null 2>&1") + "; } | tee pid"});
  Add("look", 1, {"sh", "-c", "cat /proc/$(cat pid)/stat 2>/dev/null || echo gone"});
  auto r = RunPlan(plan, archive, opt);
  const pid_t daemon = std::stoi(Result(r, "daemon").process.stdout_data);
  EXPECT_EQ(Result(r, "look").process.stdout_data, "gone\n");
  EXPECT_FALSE(Alive(daemon));
}

TEST_F(PlanTest, ARefusedArchiveIsAProbeErrorAndNothingRuns) {
  Add("never", 0, {"touch", "/should-not-exist-ipc"});
  auto r = RunPlan(plan, "this is not a tar archive", opt);
  EXPECT_NE(r.probe_error.find("extracting the submission into '" + plan.workdir + "'"),
            std::string::npos)
      << r.probe_error;
  EXPECT_TRUE(r.steps.empty());
  EXPECT_EQ(r.nonce, "n0");
}

TEST_F(PlanTest, ASandboxThatCannotBeMadeFailsOnlyItsSteps) {
  testing::WriteFile(dir / "sandboxes", "a file where the sandbox root should be");
  Add("boxed", 0, {"true"}).sandbox = "s";
  Add("free", 0, {"true"});
  auto r = RunPlan(plan, archive, opt);
  EXPECT_FALSE(Result(r, "boxed").process.started);
  EXPECT_NE(Result(r, "boxed").process.error.find("sandbox 's': "), std::string::npos);
  EXPECT_EQ(Result(r, "free").process.exit_code, 0);
}

}  // namespace
}  // namespace ipc::probe
