// ci_runs.h: what a traced CI job did with its test scripts, from
// hand-built tracer events: what is a run of a script, how it ended, and
// each reason a run does not count (the file changed before or while it
// ran, an unsafe environment, another command of the job beside it).
#include <gtest/gtest.h>

#include <csignal>

#include "checks/ci_runs.h"
#include "checks_trace_builder.h"

namespace ipc::testing {
namespace {

using checks::FindScriptRuns;
using checks::RunPolicy;
using checks::ScriptRun;

const std::string kSha = std::string(64, 'a');     // test.sh as committed
const std::string kOther = std::string(64, 'b');   // something else
const std::string kSha2 = std::string(64, 'c');    // other.sh as committed

RunPolicy Policy() {
  RunPolicy p;
  p.committed_sha256 = {kSha, kSha2};
  p.workdir = "/root";  // the job's folder, as the rubric says
  return p;
}

std::vector<ScriptRun> RunsOf(const JobTrace& trace, int watch, const RunPolicy& p = Policy()) {
  const auto runs = FindScriptRuns(trace.events, p);
  const auto it = runs.find(watch);
  return it == runs.end() ? std::vector<ScriptRun>{} : it->second;
}

// ---- What is a run ----------------------------------------------------------

TEST(ShellScriptOperand, IsTheFirstArgumentAfterTheShellsOptions) {
  using checks::ShellScriptOperand;
  using V = std::vector<std::string>;
  EXPECT_EQ(ShellScriptOperand(V{"/bin/bash", "./test.sh"}), 1u);
  EXPECT_EQ(ShellScriptOperand(V{"bash", "-x", "test.sh", "arg"}), 2u);
  EXPECT_EQ(ShellScriptOperand(V{"bash", "-ex", "+u", "test.sh"}), 3u);
  EXPECT_EQ(ShellScriptOperand(V{"sh", "-o", "pipefail", "test.sh"}), 3u);
  EXPECT_EQ(ShellScriptOperand(V{"bash", "-O", "extglob", "test.sh"}), 3u);
  EXPECT_EQ(ShellScriptOperand(V{"bash", "--rcfile", "rc", "--norc", "test.sh"}), 4u);
  EXPECT_EQ(ShellScriptOperand(V{"bash", "--", "test.sh"}), 2u);
  // No script file: a command string, stdin, or nothing.
  EXPECT_EQ(ShellScriptOperand(V{"bash", "-c", "./test.sh"}), std::nullopt);
  EXPECT_EQ(ShellScriptOperand(V{"bash", "-xc", "./test.sh"}), std::nullopt);
  EXPECT_EQ(ShellScriptOperand(V{"bash", "-s", "test.sh"}), std::nullopt);
  EXPECT_EQ(ShellScriptOperand(V{"bash"}), std::nullopt);
  EXPECT_EQ(ShellScriptOperand(V{"bash", "--"}), std::nullopt);
}

TEST(IsShell, ByItsNameOrByTheProgramItRuns) {
  EXPECT_TRUE(checks::IsShell("/bin/bash", ""));
  EXPECT_TRUE(checks::IsShell("sh", "/usr/bin/dash"));
  EXPECT_TRUE(checks::IsShell("./renamed", "/usr/bin/bash"));
  EXPECT_FALSE(checks::IsShell("python3", "/usr/local/bin/python3.11"));
  EXPECT_FALSE(checks::IsShell("cat", "/usr/bin/cat"));
  EXPECT_FALSE(checks::IsShell("bashful", "/usr/bin/bashful"));
}

TEST(FindScriptRuns, AShellWithTheFileAsItsScriptIsARunAndItsExitIsTheVerdict) {
  JobTrace trace;
  trace.Start(11, JobTrace::kDriver, {"make"});
  trace.Exit(11, 0);
  trace.Run(20, JobTrace::kDriver, 0, "./test.sh", kSha, 0);
  trace.Run(21, JobTrace::kDriver, 0, "./test.sh", kSha, 3);  // run twice
  trace.End({kSha, kSha2});
  const auto runs = RunsOf(trace, 0);
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0].pid, 20);
  EXPECT_EQ(runs[0].argv, (std::vector<std::string>{"/bin/bash", "./test.sh"}));
  EXPECT_TRUE(runs[0].ended);
  EXPECT_TRUE(runs[0].Counts());
  EXPECT_TRUE(runs[0].Passed());
  EXPECT_EQ(runs[1].exit_code, 3);
  EXPECT_TRUE(runs[1].Counts());
  EXPECT_FALSE(runs[1].Passed());
  EXPECT_TRUE(RunsOf(trace, 1).empty()) << "other.sh never ran";
}

TEST(FindScriptRuns, ReadingOrNamingTheFileIsNotARun) {
  JobTrace trace;
  auto& cat = trace.Start(20, JobTrace::kDriver, {"cat", "test.sh"});
  cat.hits.push_back({0, 1, kSha, JobTrace::Stamp(0)});
  trace.Exit(20, 0);
  auto& echo = trace.Start(21, JobTrace::kDriver, {"/bin/echo", "./test.sh"});
  echo.hits.push_back({0, 1, kSha, JobTrace::Stamp(0)});
  trace.Exit(21, 0);
  // bash -c './test.sh' runs no script file itself (its child would).
  auto& c = trace.Start(22, JobTrace::kDriver, {"bash", "-c", "./test.sh"}, "/usr/bin/bash");
  c.hits.push_back({0, 2, kSha, JobTrace::Stamp(0)});
  trace.Exit(22, 0);
  // The file as an argument of the script, not as the script.
  auto& arg = trace.Start(23, JobTrace::kDriver, {"bash", "other.sh", "test.sh"}, "/usr/bin/bash");
  arg.hits.push_back({0, 2, kSha, JobTrace::Stamp(0)});
  trace.Exit(23, 0);
  trace.End({kSha, kSha2});
  EXPECT_TRUE(RunsOf(trace, 0).empty());
}

TEST(FindScriptRuns, ARunStartedByAHelperScriptOrMakeStillCounts) {
  JobTrace trace;
  trace.Start(11, JobTrace::kDriver, {"make", "test"});
  trace.Start(12, 11, {"/bin/sh", "-c", "bash -x test.sh"}, "/usr/bin/dash");
  trace.StartRun(13, 12, 0, "test.sh", kSha, {"bash", "-x", "test.sh"});
  trace.EndRun(13, 0, kSha, JobTrace::Stamp(0));
  trace.Exit(12, 0);
  trace.Exit(11, 0);
  trace.End({kSha, kSha2});
  const auto runs = RunsOf(trace, 0);
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_TRUE(runs[0].Passed()) << (runs[0].problems.empty() ? "" : runs[0].problems[0]);
}

TEST(FindScriptRuns, ARunWithoutAnExitDidNotEnd) {
  JobTrace trace;
  trace.StartRun(20, JobTrace::kDriver, 0, "./test.sh", kSha);
  const auto runs = RunsOf(trace, 0);  // the trace was cut short
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_FALSE(runs[0].ended);
  EXPECT_FALSE(runs[0].Passed());
  EXPECT_TRUE(runs[0].Counts());
}

TEST(FindScriptRuns, ASignalEndsARunAsFailed) {
  JobTrace trace;
  trace.StartRun(20, JobTrace::kDriver, 0, "./test.sh", kSha);
  trace.EndRun(20, std::nullopt, kSha, JobTrace::Stamp(0), SIGKILL);
  const auto runs = RunsOf(trace, 0);
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_TRUE(runs[0].ended);
  EXPECT_EQ(runs[0].term_signal, SIGKILL);
  EXPECT_FALSE(runs[0].Passed());
}

// A test script may end by exec'ing the program that gives its verdict
// (`exec diff expected actual`): the process's exit is the script's, and
// nothing changed the file.
TEST(FindScriptRuns, AScriptThatExecsItsLastCommandEndsWithThatCommandsExit) {
  JobTrace trace;
  trace.StartRun(20, JobTrace::kDriver, 0, "./test.sh", kSha);
  trace.Exec(20, JobTrace::kDriver, {"diff", "expected.txt", "actual.txt"});
  // The tracer keeps the script's hits across an exec without hits, so the
  // exit still says what the script's file held (probe/tracer.cc).
  trace.EndRun(20, 0, kSha, trace.Stamp(0));
  trace.End({kSha, kSha2});
  const auto runs = RunsOf(trace, 0);
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_TRUE(runs[0].ended);
  EXPECT_EQ(runs[0].exit_code, 0);
  EXPECT_TRUE(runs[0].Counts()) << "problems: " << (runs[0].problems.empty() ? "" : runs[0].problems[0]);
  EXPECT_TRUE(runs[0].Passed());
}

// ---- Why a run does not count ---------------------------------------------------

// Rewritten before it ran (`echo 'exit 0' > test.sh`), then left alone
// while it ran: the same content and stamp at its exec and at its exit.
TEST(FindScriptRuns, AFileChangedBeforeTheRunDoesNotCount) {
  JobTrace trace;
  const std::string rewritten = "2049:100:1700000050.000000000";
  trace.StartRun(20, JobTrace::kDriver, 0, "./test.sh", kOther).hits[0].stamp = rewritten;
  trace.EndRun(20, 0, kOther, rewritten);
  const auto runs = RunsOf(trace, 0);
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_FALSE(runs[0].Counts());
  EXPECT_FALSE(runs[0].Passed());
  EXPECT_EQ(runs[0].problems, (std::vector<std::string>{"the file was changed before it ran"}));
}

TEST(FindScriptRuns, AFileTheRepositoryLacksCannotRunAsCommitted) {
  JobTrace trace;
  trace.Run(20, JobTrace::kDriver, 0, "./test.sh", kOther, 0);  // the job wrote it
  RunPolicy p = Policy();
  p.committed_sha256[0] = "";
  const auto runs = RunsOf(trace, 0, p);
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_FALSE(runs[0].Counts());
  ASSERT_FALSE(runs[0].problems.empty());
  EXPECT_EQ(runs[0].problems[0], "the file is not in the repository as committed");
}

TEST(FindScriptRuns, AFileChangedWhileItRanDoesNotCountEvenWhenPutBack) {
  JobTrace changed;
  changed.StartRun(20, JobTrace::kDriver, 0, "./test.sh", kSha);
  changed.EndRun(20, 0, kOther, "2049:100:1700000099.000000000");
  auto runs = RunsOf(changed, 0);
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].problems, (std::vector<std::string>{"the file was changed while it ran"}));
  // The same content at the end, but rewritten meanwhile: its ctime moved.
  JobTrace put_back;
  put_back.StartRun(20, JobTrace::kDriver, 0, "./test.sh", kSha);
  put_back.EndRun(20, 0, kSha, "2049:100:1700000099.000000000");
  runs = RunsOf(put_back, 0);
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].problems, (std::vector<std::string>{"the file was changed while it ran"}));
}

TEST(FindScriptRuns, AnUnsafeEnvironmentVoidsTheRun) {
  JobTrace trace;
  auto& e = trace.StartRun(20, JobTrace::kDriver, 0, "./test.sh", kSha);
  e.env = {"PATH=/root/bin:/usr/bin:/bin", "BASH_ENV=/tmp/pass.sh", "HOME=/root",
           "BASH_FUNC_diff%%=() {  return 0\n}"};
  trace.EndRun(20, 0, kSha, JobTrace::Stamp(0));
  const auto runs = RunsOf(trace, 0);
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_FALSE(runs[0].Counts());
  EXPECT_EQ(runs[0].problems,
            (std::vector<std::string>{
                "PATH (with /root/bin, which the job can write) was set in its environment",
                "BASH_ENV was set in its environment",
                "BASH_FUNC_diff%% was set in its environment"}));
}

TEST(UnsafeVariables, NamesWhatChangesAShellTheLinkerOrPythonAndWritablePathFolders) {
  const RunPolicy p = Policy();
  using V = std::vector<std::string>;
  EXPECT_EQ(checks::UnsafeVariables(V{"PATH=/usr/local/bin:/usr/bin:/bin", "HOME=/root",
                                      "CI=true", "LANG=C.UTF-8"},
                                    p),
            V{});
  EXPECT_EQ(checks::UnsafeVariables(V{"LD_PRELOAD=/root/x.so", "PYTHONPATH=/root", "ENV=/x",
                                      "SHELLOPTS=xtrace", "PS4=$(x)"},
                                    p),
            (V{"LD_PRELOAD", "PYTHONPATH", "ENV", "SHELLOPTS", "PS4"}));
  // PATH: relative and empty entries (the working directory), the
  // workdir, and the folders every box gets writable.
  EXPECT_EQ(checks::UnsafeVariables(V{"PATH=bin:/usr/bin:"}, p),
            V{"PATH (with bin, '', which the job can write)"});
  EXPECT_EQ(checks::UnsafeVariables(V{"PATH=/tmp/x:/dev/shm:/home/garfield/bin:/usr/bin"}, p),
            V{"PATH (with /tmp/x, /dev/shm, /home/garfield/bin, which the job can write)"});
  EXPECT_EQ(checks::UnsafeVariables(V{"PATH=/rootkit/bin:/opt/bin"}, p), V{})
      << "/rootkit is not inside /root";
  EXPECT_TRUE(checks::IsUnsafeName("LD_LIBRARY_PATH", p));
  EXPECT_TRUE(checks::IsUnsafeName("BASH_FUNC_f%%", p));
  EXPECT_FALSE(checks::IsUnsafeName("BASH_ENVY", p));
  EXPECT_FALSE(checks::IsUnsafeName("MYPYTHONPATH", p));
  EXPECT_FALSE(checks::IsUnsafeName("PATH", p)) << "PATH is judged by its folders";
}

// Another command of the job running beside a test could change the files
// it reads while it runs; what the tests themselves start (and leave
// running) is the tests' own business.
TEST(FindScriptRuns, ACommandOfTheJobRunningBesideTheTestVoidsIt) {
  JobTrace trace;
  trace.Start(11, JobTrace::kDriver, {"make"});
  trace.Exit(11, 0);  // over before the test: fine
  trace.Start(30, JobTrace::kDriver, {"sleep", "100"});  // `sleep 100 &`
  trace.Run(20, JobTrace::kDriver, 0, "./test.sh", kSha, 0);
  trace.Exit(30, std::nullopt, SIGKILL);
  trace.End({kSha, kSha2});
  const auto runs = RunsOf(trace, 0);
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_FALSE(runs[0].Counts());
  EXPECT_EQ(runs[0].problems,
            (std::vector<std::string>{
                "other commands the job started ran beside it (sleep (pid 30))"}));
}

TEST(FindScriptRuns, WhatATestLeftRunningDoesNotVoidTheNextTest) {
  JobTrace trace;
  // test.sh starts a listener in the background and leaves it running.
  trace.StartRun(20, JobTrace::kDriver, 0, "./test.sh", kSha);
  trace.Start(40, 20, {"./listener"});
  trace.EndRun(20, 0, kSha, JobTrace::Stamp(0));
  // other.sh runs while that listener is still alive, and has children of
  // its own (its ancestors, the driver, wait for it).
  trace.StartRun(21, JobTrace::kDriver, 1, "./other.sh", kSha2);
  trace.Start(41, 21, {"python", "cat.py"});
  trace.Exit(41, 0);
  trace.EndRun(21, 0, kSha2, JobTrace::Stamp(1));
  trace.Exit(40, std::nullopt, SIGKILL);
  trace.End({kSha, kSha2});
  const auto first = RunsOf(trace, 0);
  const auto second = RunsOf(trace, 1);
  ASSERT_EQ(first.size(), 1u);
  ASSERT_EQ(second.size(), 1u);
  EXPECT_TRUE(first[0].Passed()) << (first[0].problems.empty() ? "" : first[0].problems[0]);
  EXPECT_TRUE(second[0].Passed()) << (second[0].problems.empty() ? "" : second[0].problems[0]);
}

TEST(FindScriptRuns, BesideNamesAtMostThreeCommands) {
  JobTrace trace;
  for (int pid = 30; pid < 35; ++pid) trace.Start(pid, JobTrace::kDriver, {"sleep", "100"});
  trace.Run(20, JobTrace::kDriver, 0, "./test.sh", kSha, 0);
  const auto runs = RunsOf(trace, 0);
  ASSERT_EQ(runs.size(), 1u);
  ASSERT_EQ(runs[0].problems.size(), 1u);
  EXPECT_EQ(runs[0].problems[0],
            "other commands the job started ran beside it (sleep (pid 30), sleep (pid 31), "
            "sleep (pid 32), ...)");
}

// ---- Files the job changed ------------------------------------------------------

TEST(ChangedByJob, NamesTheWatchedFilesThatNoLongerHoldTheCommittedText) {
  JobTrace trace;
  trace.End({kSha, kOther});
  EXPECT_EQ(checks::ChangedByJob(trace.events, Policy()), std::vector<int>{1});
  // Not in the repository: nothing to compare with.
  RunPolicy p = Policy();
  p.committed_sha256[1] = "";
  EXPECT_TRUE(checks::ChangedByJob(trace.events, p).empty());
  // No end event (the trace was cut): nothing is known.
  trace.events.pop_back();
  EXPECT_TRUE(checks::ChangedByJob(trace.events, Policy()).empty());
}

}  // namespace
}  // namespace ipc::testing
