// RunPlan (box_runner.h) on the host with real processes: boxes run one
// after another, each made afresh from its `from` (the submission, an
// extra tree, or what a saved box left) with its files; a student box's
// changes to the workdir and the system folders never reach the next box;
// attempts rerun the whole box until its last step exits 0; daemons and
// System V objects are gone before the next box; the plan's deadline; and
// what the probe reports when it cannot make a box or start at all.
// Every folder the probe would put back in a container (/etc, /tmp, ...)
// is a temporary folder here, and so is the /proc it lists SysV objects
// from (the host's objects are not the test's to remove).
#include <signal.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <unistd.h>

#include "probe/box_runner.h"
#include "probe_test_support.h"
#include "util/tar.h"

namespace ipc::probe {
namespace {

using protocol::Box;
using protocol::Plan;
using protocol::Step;
using protocol::StepResult;

std::string Read(const std::string& path) { return ReadSmallFile(path).value_or("<unreadable>"); }

struct BoxRunnerTest : ::testing::Test {
  void SetUp() override {
    testing::BecomeSubreaper();
    for (const char* sub : {"sys", "sys/etc", "sys/tmp", "sys/run", "outside", "proc",
                            "proc/sysvipc", "cgroup"}) {
      ASSERT_EQ(::mkdir((dir / sub).c_str(), 0755), 0) << sub;
    }
    testing::WriteFile(etc + "/passwd", "root:x:0:0:root:/root:/bin/sh\n");
    testing::WriteFile(dir / "outside/target", "not to be overwritten\n");
    opt.private_dir = dir / "private";
    opt.probe_path = IPC_PROBE_PATH;
    opt.cgroup_root = dir / "cgroup";  // no counter: no OOM claims
    opt.proc_root = dir / "proc";
    plan.nonce = "n0";
    plan.workdir = dir / "work/root";
    plan.system_dirs = {etc, tmp, dir / "sys/run"};
    tar::Writer w;
    w.AddFile("a.txt", "A\n", 0644);
    w.AddDir("sub", 0755);
    w.AddFile("sub/run.sh", "#!/bin/sh\necho ran\n", 0755);
    w.AddSymlink("listener", "../../outside/target");
    w.AddSymlink("out", "../../outside");
    trees.main = w.Finish();
  }
  void TearDown() override {
    for (int id : shm_ids) ::shmctl(id, IPC_RMID, nullptr);
  }
  Box& AddBox(const std::string& id, const std::string& from = protocol::kFromPristine) {
    Box b;
    b.id = id;
    b.from = from;
    plan.boxes.push_back(b);
    return plan.boxes.back();
  }
  // A step of the last box added; `sh -c script` unless argv is given.
  Step& Add(const std::string& id, const std::string& script, bool student = true) {
    Step s;
    s.id = id;
    s.student = student;
    s.process = testing::Spec({"sh", "-c", script});
    plan.boxes.back().steps.push_back(s);
    return plan.boxes.back().steps.back();
  }
  protocol::Report Run() {
    protocol::ValidatePlan(plan);  // every plan here is one the grader may send
    return RunPlan(plan, trees, opt);
  }
  static const StepResult& Get(const protocol::Report& r, const std::string& id) {
    for (const auto& s : r.steps) {
      if (s.id == id) return s;
    }
    ADD_FAILURE() << "no result for " << id;
    static StepResult none;
    return none;
  }
  static std::string Out(const protocol::Report& r, const std::string& id) {
    const auto& p = Get(r, id).process;
    return p.stdout_data + (p.stderr_data.empty() ? "" : "[stderr] " + p.stderr_data) +
           (p.error.empty() ? "" : "[error] " + p.error);
  }
  testing::TempDir dir;
  const std::string etc = dir / "sys/etc";
  const std::string tmp = dir / "sys/tmp";
  ProbeOptions opt;
  Plan plan;
  Trees trees;
  std::vector<int> shm_ids;
};

TEST_F(BoxRunnerTest, UnpacksTheTreeIntoATraversableWorkdirAndRunsThere) {
  AddBox("b");
  Add("run", "sub/run.sh");
  Add("cat", "cat a.txt");
  Add("dir", "echo {dir}");
  Add("relative", "pwd").process.cwd = "sub";
  const auto r = Run();
  EXPECT_EQ(r.probe_error, "");
  EXPECT_EQ(r.nonce, "n0");
  EXPECT_EQ(Out(r, "run"), "ran\n");
  EXPECT_EQ(Out(r, "cat"), "A\n");
  EXPECT_EQ(Out(r, "dir"), plan.workdir + "\n");
  EXPECT_EQ(Out(r, "relative"), plan.workdir + "/sub\n");
  struct stat st {};
  ASSERT_EQ(::stat(plan.workdir.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0755u);
  ASSERT_EQ(::stat(opt.private_dir.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0700u);
}

TEST_F(BoxRunnerTest, BoxesRunInPlanOrderStepByStepAndEveryStepIsReported) {
  const std::string order = dir / "outside/order";
  AddBox("first");
  Add("first/a", "echo first-a >> " + order, /*student=*/false);
  Add("first/b", "echo first-b >> " + order, false);
  AddBox("second");
  Add("second/a", "echo second-a >> " + order);
  AddBox("third");
  Add("third/a", "cat " + order);
  const auto r = Run();
  ASSERT_EQ(r.steps.size(), 4u);
  EXPECT_EQ(r.steps[0].id, "first/a");
  EXPECT_EQ(r.steps[1].id, "first/b");
  EXPECT_EQ(r.steps[2].id, "second/a");
  EXPECT_EQ(r.steps[3].id, "third/a");
  EXPECT_EQ(Out(r, "third/a"), "first-a\nfirst-b\nsecond-a\n");
}

TEST_F(BoxRunnerTest, AStudentBoxsChangesNeverReachTheNextBox) {
  AddBox("student");
  Add("mess",
      "echo changed > a.txt; rm sub/run.sh; echo new > b.txt; chmod 777 .; "
      "echo garfield:x:1000:1000::/home/garfield:/bin/sh >> " + etc + "/passwd; mkdir " + etc +
          "/sudoers.d; touch " + tmp + "/left-behind; ln -s /etc/shadow " + tmp + "/link");
  AddBox("next");
  Add("look", "cat a.txt; ls; ls sub; stat -c %a .; cat " + etc + "/passwd; ls -A " + etc +
                  "; ls -A " + tmp);
  const auto r = Run();
  EXPECT_EQ(r.probe_error, "");
  EXPECT_EQ(Get(r, "mess").process.exit_code, 0) << Out(r, "mess");
  EXPECT_EQ(Out(r, "look"),
            "A\na.txt\nlistener\nout\nsub\nrun.sh\n755\nroot:x:0:0:root:/root:/bin/sh\npasswd\n");
}

TEST_F(BoxRunnerTest, FromABoxStartsFromWhatThatSavedBoxLeft) {
  const std::string passwd = etc + "/passwd";
  // A grader box keeps the workdir and the system folders...
  AddBox("setup").save = true;
  Add("setup", "echo built > built.txt; echo garfield:x:1000:1000::/h:/bin/sh >> " + passwd,
      /*student=*/false);
  AddBox("use-setup", protocol::FromBox("setup"));
  Add("use-setup", "cat built.txt; grep -c garfield " + passwd + "; echo mutated > built.txt");
  // ...a student box only the workdir: its writes elsewhere never reach a
  // later box.
  AddBox("student-save").save = true;
  Add("student-save",
      "echo left > left.txt; echo student:x:1:1::/:/bin/sh >> " + passwd + "; touch " + tmp + "/t");
  AddBox("use-student", protocol::FromBox("student-save"));
  Add("use-student", "cat left.txt; ls; grep -c -e student -e garfield " + passwd + "; ls -A " + tmp);
  // A saved box is a starting point as often as asked, each time afresh.
  AddBox("again", protocol::FromBox("setup"));
  Add("again", "cat built.txt; grep -c garfield " + passwd);
  AddBox("pristine");
  Add("pristine", "ls; grep -c garfield " + passwd);
  const auto r = Run();
  EXPECT_EQ(r.probe_error, "");
  EXPECT_EQ(Out(r, "use-setup"), "built\n1\n");
  EXPECT_EQ(Out(r, "use-student"), "left\na.txt\nleft.txt\nlistener\nout\nsub\n0\n");
  EXPECT_EQ(Out(r, "again"), "built\n1\n");
  EXPECT_EQ(Out(r, "pristine"), "a.txt\nlistener\nout\nsub\n0\n");
}

TEST_F(BoxRunnerTest, FromATreeGetsThatExtraTree) {
  plan.extra_trees = {"part1"};
  tar::Writer p1;
  p1.AddFile("a.txt", "part1\n", 0644);
  trees.extra["part1"] = p1.Finish();
  AddBox("old", protocol::FromTree("part1"));
  Add("old", "cat a.txt; ls");
  AddBox("new");
  Add("new", "cat a.txt");
  const auto r = Run();
  EXPECT_EQ(r.probe_error, "");
  EXPECT_EQ(Out(r, "old"), "part1\na.txt\n");
  EXPECT_EQ(Out(r, "new"), "A\n");
}

TEST_F(BoxRunnerTest, FilesAreWrittenBeforeTheFirstStepAndIfMissingOnlyWhereNothingIs) {
  Box& shim = AddBox("shim");
  shim.files = {{"listener", "#!/bin/sh\necho shim\n", 0755, false},
                {"a.txt", "the grader's\n", 0644, /*if_missing=*/true},
                {"litterbox/treasure.txt", "Treasure found!", 0600, true}};
  Add("listener", "./listener");
  Add("data", "cat a.txt; cat litterbox/treasure.txt; stat -c %a litterbox/treasure.txt");
  AddBox("without");
  Add("without", "readlink listener; ls");
  const auto r = Run();
  EXPECT_EQ(r.probe_error, "");
  EXPECT_EQ(Out(r, "listener"), "shim\n");
  EXPECT_EQ(Out(r, "data"), "A\nTreasure found!600\n");
  EXPECT_EQ(Read(dir / "outside/target"), "not to be overwritten\n");
  EXPECT_EQ(Out(r, "without"), "../../outside/target\na.txt\nlistener\nout\nsub\n");
}

TEST_F(BoxRunnerTest, ABoxThatCannotBeMadeReportsItsStepsNotRunAndTheRestGoesOn) {
  Box& bad = AddBox("bad");
  bad.files = {{"out/target", "overwritten", 0644, false}};  // through the tree's symlink
  bad.save = true;
  Add("bad/1", "echo never");
  Add("bad/2", "echo never");
  AddBox("after-bad", protocol::FromBox("bad"));
  Add("after-bad", "echo never");
  AddBox("fine");
  Add("fine", "echo fine");
  const auto r = Run();
  ASSERT_EQ(r.steps.size(), 4u);
  for (const char* id : {"bad/1", "bad/2"}) {
    const auto& p = Get(r, id).process;
    EXPECT_FALSE(p.started);
    EXPECT_EQ(p.error.rfind("not run: the probe could not prepare the box: writing the overlay "
                            "into '" + plan.workdir + "': ",
                            0),
              0u)
        << p.error;
  }
  EXPECT_EQ(r.probe_error.rfind("box 'bad': writing the overlay into", 0), 0u) << r.probe_error;
  EXPECT_EQ(Get(r, "after-bad").process.error,
            "not run: box 'bad', which it starts from, did not run");
  EXPECT_EQ(Out(r, "fine"), "fine\n");
  EXPECT_EQ(Read(dir / "outside/target"), "not to be overwritten\n");
}

// Counts its runs in a file outside every box; leaves a mark in the
// workdir and in a system folder, and lists what the box started with.
std::string Counted(const std::string& counter, const std::string& tmp) {
  return "ls -A " + tmp + "; n=$(cat " + counter + " 2>/dev/null || echo 0); n=$((n+1)); echo $n > " +
         counter + "; touch " + tmp + "/from-$n leftover-$n; ls leftover-*";
}

// A program that hangs on every case costs its check a few timeouts, not
// the grading's whole time; a case that ends resets the count, and other
// groups are not affected.
TEST_F(BoxRunnerTest, AfterSoManyTimeoutsInARowAGroupsLaterBoxesAreSkippedAsTimedOut) {
  auto hang = [&](const std::string& id, const std::string& group) {
    Box& b = AddBox(id);
    b.group = group;
    b.group_timeouts = 2;
    Add(id, "exec sleep 1000").process.timeout_s = 0.3;
  };
  hang("g/1", "g");
  Box& ok = AddBox("g/2");
  ok.group = "g";
  ok.group_timeouts = 2;
  Add("g/2", "true");
  hang("g/3", "g");
  hang("g/4", "g");
  hang("g/5", "g");
  hang("h/1", "h");
  const auto r = Run();
  EXPECT_TRUE(Get(r, "g/1").process.timed_out);
  EXPECT_EQ(Get(r, "g/2").process.exit_code, 0);
  EXPECT_TRUE(Get(r, "g/3").process.started) << "the count restarted after g/2";
  EXPECT_TRUE(Get(r, "g/4").process.started);
  const auto& skipped = Get(r, "g/5").process;
  EXPECT_FALSE(skipped.started);
  EXPECT_TRUE(skipped.timed_out);
  EXPECT_EQ(skipped.error, "skipped: the 2 boxes of its group before it each timed out");
  EXPECT_TRUE(Get(r, "h/1").process.started) << "another group runs";
}

TEST_F(BoxRunnerTest, AttemptsRerunTheWholeBoxFromAFreshStartUntilItsLastStepExitsZero) {
  const std::string counter = dir / "outside/counter";
  Box& flaky = AddBox("flaky");
  flaky.attempts = 3;
  Add("count", Counted(counter, tmp));
  Add("test", "[ $(cat " + counter + ") -ge 2 ]");
  const auto r = Run();
  EXPECT_EQ(r.probe_error, "");
  EXPECT_EQ(Read(counter), "2\n") << "no third attempt after the second passed";
  const auto& count = Get(r, "count");
  ASSERT_EQ(count.earlier_attempts.size(), 1u);
  EXPECT_EQ(count.earlier_attempts[0].stdout_data, "leftover-1\n");
  // Not leftover-1, nor from-1 in the system folder: a fresh box.
  EXPECT_EQ(count.process.stdout_data, "leftover-2\n");
  const auto& test = Get(r, "test");
  ASSERT_EQ(test.earlier_attempts.size(), 1u);
  EXPECT_EQ(test.earlier_attempts[0].exit_code, 1);
  EXPECT_EQ(test.process.exit_code, 0);
}

TEST_F(BoxRunnerTest, OnlyTheLastStepDecidesWhetherTheBoxRunsAgain) {
  AddBox("b").attempts = 3;
  Add("fails", "exit 1");
  Add("passes", "true");
  const auto r = Run();
  EXPECT_EQ(Get(r, "fails").process.exit_code, 1);
  EXPECT_TRUE(Get(r, "fails").earlier_attempts.empty());
  EXPECT_TRUE(Get(r, "passes").earlier_attempts.empty());
}

TEST_F(BoxRunnerTest, AttemptsStopAtTheLimitAndKeepEveryFailure) {
  AddBox("never").attempts = 3;
  Add("never", "echo try; exit 3");
  AddBox("once");
  Add("once", "false");
  const auto r = Run();
  const auto& n = Get(r, "never");
  ASSERT_EQ(n.earlier_attempts.size(), 2u);
  for (const auto& a : n.earlier_attempts) {
    EXPECT_EQ(a.exit_code, 3);
    EXPECT_EQ(a.stdout_data, "try\n");
  }
  EXPECT_EQ(n.process.exit_code, 3);
  EXPECT_TRUE(Get(r, "once").earlier_attempts.empty());
}

TEST_F(BoxRunnerTest, DaemonsLeftByABoxAreGoneBeforeTheNextBox) {
  const std::string pid_file = dir / "outside/pid";
  AddBox("daemon");
  Add("daemon", "{ " + testing::StartDaemon("1000", ">/dev/null 2>&1") + "; } | tee " + pid_file);
  AddBox("look");
  Add("look", "cat /proc/$(cat " + pid_file + ")/stat >/dev/null 2>&1 && echo alive || echo gone");
  const auto r = Run();
  ASSERT_FALSE(Out(r, "daemon").empty());
  const pid_t daemon = std::stoi(Out(r, "daemon"));
  EXPECT_GT(daemon, 0);
  EXPECT_EQ(Out(r, "look"), "gone\n");
  EXPECT_FALSE(testing::Alive(daemon));
}

TEST_F(BoxRunnerTest, SystemVObjectsAreRemovedBeforeTheNextBox) {
  // The step makes a segment and lists it where the probe looks (on the
  // host only this test's object may be listed).
  const std::string listing = opt.proc_root + "/sysvipc/shm";
  AddBox("make");
  Add("make", "id=$(ipcmk -M 4096 | awk '{print $NF}') && { head -1 /proc/sysvipc/shm; "
              "awk -v id=$id '$2 == id' /proc/sysvipc/shm; } > " + listing + " && echo $id");
  AddBox("look");
  Add("look", "awk -v id=$(cat " + dir / "outside/shmid" +
                  ") '$2 == id' /proc/sysvipc/shm | grep -q . && echo there || echo gone");
  // The id reaches "look" through a file outside the boxes.
  plan.boxes[0].steps[0].process.argv[2] += " | tee " + dir / "outside/shmid";
  const auto r = Run();
  ASSERT_EQ(Get(r, "make").process.exit_code, 0) << Out(r, "make");
  const int id = std::stoi(Out(r, "make"));
  shm_ids.push_back(id);
  EXPECT_EQ(Out(r, "look"), "gone\n");
  struct shmid_ds ds {};
  EXPECT_NE(::shmctl(id, IPC_STAT, &ds), 0);
}

TEST_F(BoxRunnerTest, TheDeadlineCutsTheRunningStepAndWhatFollowsIsNotRun) {
  plan.deadline_s = 2;
  AddBox("slow");
  Add("sleep", "exec sleep 1000").process.timeout_s = 600;
  Add("after-sleep", "echo never");
  AddBox("late");
  Add("late", "echo never");
  const auto r = Run();
  ASSERT_EQ(r.steps.size(), 3u);
  const auto& sleep = Get(r, "sleep").process;
  EXPECT_TRUE(sleep.timed_out);
  EXPECT_EQ(sleep.term_signal, SIGKILL);
  EXPECT_EQ(Get(r, "after-sleep").process.error,
            "not run: the grading time ran out before this step");
  EXPECT_FALSE(Get(r, "late").process.started);
  EXPECT_EQ(Get(r, "late").process.error,
            "not run: the grading time ran out (the plan's deadline of 2 s) before this box");
}

TEST_F(BoxRunnerTest, StatStepsLookAtPathsThemselvesWithoutFollowingLinks) {
  AddBox("b");
  Add("chmod", "chmod 600 a.txt; chown 1:1 sub");
  Step& stat = Add("stat", "");
  stat.kind = Step::Kind::kStat;
  stat.process = {};
  stat.paths = {".", "a.txt", "sub", "listener", "out/target", "missing"};
  const auto r = Run();
  const auto& s = Get(r, "stat");
  EXPECT_TRUE(s.process.started);
  ASSERT_EQ(s.stats.size(), 6u);
  EXPECT_EQ(s.stats[0].type, "dir");
  EXPECT_EQ(s.stats[0].mode, 0755);
  EXPECT_EQ(s.stats[1].path, "a.txt");
  EXPECT_TRUE(s.stats[1].exists);
  EXPECT_EQ(s.stats[1].type, "file");
  EXPECT_EQ(s.stats[1].mode, 0600);
  EXPECT_EQ(s.stats[1].size, 2u);
  EXPECT_EQ(s.stats[1].uid, 0);
  EXPECT_EQ(s.stats[1].user, "root");  // the image's /etc/passwd
  EXPECT_EQ(s.stats[2].uid, 1);
  EXPECT_EQ(s.stats[3].type, "symlink");
  EXPECT_FALSE(s.stats[4].exists) << "below a symlinked folder: not in the tree";
  EXPECT_FALSE(s.stats[5].exists);
  EXPECT_EQ(s.stats[5].type, "");
}

TEST_F(BoxRunnerTest, AWatchedStepIsTracedWithPathsRelativeToTheWorkdir) {
  AddBox("ci");
  Step& job = Add("job", "cd sub && ./run.sh");
  job.watch = {"sub/run.sh"};
  const auto r = Run();
  const auto& s = Get(r, "job");
  EXPECT_EQ(s.process.exit_code, 0);
  EXPECT_EQ(s.process.stdout_data, "ran\n");
  EXPECT_FALSE(s.trace_truncated);
  int hits = 0;
  for (const auto& e : s.trace) {
    if (e.kind != protocol::TraceEvent::Kind::kExec || e.hits.empty()) continue;
    ++hits;
    EXPECT_EQ(e.cwd, plan.workdir + "/sub");
    EXPECT_EQ(e.hits[0].watch, 0);
  }
  EXPECT_EQ(hits, 1);
  ASSERT_FALSE(s.trace.empty());
  EXPECT_EQ(s.trace.back().kind, protocol::TraceEvent::Kind::kEnd);
}

TEST_F(BoxRunnerTest, ThePrivateDirIsMadeAgainBeforeEveryBox) {
  // It may live in a system folder, which is put back without it.
  opt.private_dir = dir / "sys/run/ipc-probe";
  AddBox("remove");
  Add("remove", "rm -rf " + opt.private_dir);
  AddBox("file-mode");
  Add("file-mode", "echo to a file").process.stdout_mode = protocol::StdoutMode::kFile;
  const auto r = Run();
  EXPECT_EQ(Out(r, "file-mode"), "to a file\n");
}

TEST_F(BoxRunnerTest, AnEmptySubmissionIsAnEmptyWorkdir) {
  trees.main.clear();
  AddBox("b");
  Add("ls", "ls -A");
  const auto r = Run();
  EXPECT_EQ(r.probe_error, "");
  EXPECT_EQ(Out(r, "ls"), "");
  EXPECT_EQ(Get(r, "ls").process.exit_code, 0);
}

TEST_F(BoxRunnerTest, ARefusedArchiveIsAProbeErrorAndNothingRuns) {
  trees.main = "this is not a tar archive";
  AddBox("b");
  Add("never", "touch " + dir / "outside/ran");
  const auto r = Run();
  EXPECT_EQ(r.probe_error.rfind("unpacking the submission: ", 0), 0u) << r.probe_error;
  EXPECT_TRUE(r.steps.empty());
  EXPECT_EQ(r.nonce, "n0");
  EXPECT_NE(::access((dir / "outside/ran").c_str(), F_OK), 0);
}

TEST_F(BoxRunnerTest, AMissingExtraTreeIsAProbeError) {
  plan.extra_trees = {"final"};
  AddBox("b");
  Add("never", "true");
  const auto r = Run();
  EXPECT_EQ(r.probe_error, "no tar for extra tree 'final'");
  EXPECT_TRUE(r.steps.empty());
}

TEST_F(BoxRunnerTest, ASystemFolderThatCannotBeReadIsAProbeError) {
  plan.system_dirs.push_back(dir / "sys/missing");
  AddBox("b");
  Add("never", "true");
  const auto r = Run();
  EXPECT_EQ(r.probe_error, "reading the system folder " + dir / "sys/missing" + ": cannot open '" +
                               dir / "sys/missing" + "': No such file or directory");
  EXPECT_TRUE(r.steps.empty());
}

}  // namespace
}  // namespace ipc::probe
