// The probe's tracer (`probe --trace --watch P -- cmd`, tracer.h), run as
// the built static probe through RunStep as a step with `watch`, on the
// host with real processes (the tests run as root, so ptrace works): it
// records every fork, exec and exit of the command's tree, with exit
// statuses; it notes the execs that run a watched file, with the file's
// SHA-256 and stamp then and at exit; it ends the way the command ended
// and leaves nothing of it running.
#include <signal.h>
#include <sys/stat.h>

#include <algorithm>
#include <map>

#include "probe/sha256.h"
#include "probe/tracer.h"
#include "probe_test_support.h"
#include "protocol/trace_log.h"

namespace ipc::probe {
namespace {

using protocol::TraceEvent;
using Kind = TraceEvent::Kind;

constexpr const char* kRunSh = "#!/bin/sh\necho \"run $*\"\n[ \"$1\" = fail ] && exit 3\nexit 0\n";

struct TracerTest : ::testing::Test {
  void SetUp() override {
    testing::BecomeSubreaper();
    ::mkdir((dir / "tests").c_str(), 0755);
    testing::WriteFile(dir / "tests/run.sh", kRunSh);
    ::chmod((dir / "tests/run.sh").c_str(), 0755);
    testing::WriteFile(dir / "tests/other.sh", "exit 0\n");
  }
  protocol::StepResult Trace(const std::string& script,
                             std::vector<std::string> watch = {"tests/run.sh", "tests/other.sh"}) {
    protocol::Step step;
    step.id = "ci/job";
    step.process = testing::Spec({"sh", "-c", script});
    step.watch = std::move(watch);
    auto r = RunStep(step, testing::Env(dir.path(), dir.path()));
    EXPECT_TRUE(r.process.started) << r.process.error;
    EXPECT_FALSE(r.trace_truncated) << r.process.stdout_data;
    return r;
  }
  static std::vector<TraceEvent> Of(const protocol::StepResult& r, Kind kind) {
    std::vector<TraceEvent> out;
    for (const auto& e : r.trace) {
      if (e.kind == kind) out.push_back(e);
    }
    return out;
  }
  // The execs that ran a watched file.
  static std::vector<TraceEvent> Hits(const protocol::StepResult& r) {
    std::vector<TraceEvent> out;
    for (const auto& e : Of(r, Kind::kExec)) {
      if (!e.hits.empty()) out.push_back(e);
    }
    return out;
  }
  static const TraceEvent* ExitOf(const protocol::StepResult& r, int pid) {
    for (const auto& e : r.trace) {
      if (e.kind == Kind::kExit && e.pid == pid) return &e;
    }
    return nullptr;
  }
  testing::TempDir dir;
};

TEST_F(TracerTest, RecordsEachRunOfAWatchedScriptWithItsExitStatusAndSha256) {
  const auto r = Trace("./tests/run.sh; sh tests/run.sh fail; cd tests && sh ./other.sh; true");
  EXPECT_EQ(r.process.exit_code, 0);
  EXPECT_EQ(r.process.stdout_data, "run \nrun fail\n");
  EXPECT_EQ(r.process.stderr_data, "") << "the tracer's log is not the command's stderr";
  const auto hits = Hits(r);
  ASSERT_EQ(hits.size(), 3u);
  // The kernel runs a #! script as "/bin/sh ./tests/run.sh": argv[1] names it.
  EXPECT_EQ(hits[0].argv, (std::vector<std::string>{"/bin/sh", "./tests/run.sh"}));
  ASSERT_EQ(hits[0].hits.size(), 1u);
  EXPECT_EQ(hits[0].hits[0].watch, 0);
  EXPECT_EQ(hits[0].hits[0].arg, 1);
  EXPECT_EQ(hits[0].hits[0].sha256, Sha256Hex(kRunSh));
  EXPECT_FALSE(hits[0].hits[0].stamp.empty());
  EXPECT_EQ(hits[0].cwd, dir.path());
  EXPECT_EQ(hits[1].argv, (std::vector<std::string>{"sh", "tests/run.sh", "fail"}));
  EXPECT_EQ(hits[1].hits[0].watch, 0);
  // Relative to the process's own working directory, as the shell opens it.
  EXPECT_EQ(hits[2].argv, (std::vector<std::string>{"sh", "./other.sh"}));
  EXPECT_EQ(hits[2].hits[0].watch, 1);
  EXPECT_EQ(hits[2].cwd, dir / "tests");
  EXPECT_EQ(hits[2].hits[0].sha256, Sha256Hex("exit 0\n"));

  const TraceEvent* first = ExitOf(r, hits[0].pid);
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first->exit_code, 0);
  const TraceEvent* failed = ExitOf(r, hits[1].pid);
  ASSERT_NE(failed, nullptr);
  EXPECT_EQ(failed->exit_code, 3);
  EXPECT_FALSE(failed->term_signal);
  EXPECT_EQ(failed->sha256_at_exit, (std::vector<std::string>{Sha256Hex(kRunSh)}));
  EXPECT_EQ(failed->stamps_at_exit, (std::vector<std::string>{hits[1].hits[0].stamp}));
  // The environment only of execs that ran a watched file.
  EXPECT_NE(std::find(hits[0].env.begin(), hits[0].env.end(), std::string("PATH=") + kFixedPath),
            hits[0].env.end());
  for (const auto& e : Of(r, Kind::kExec)) {
    if (e.hits.empty()) {
      EXPECT_TRUE(e.env.empty());
    }
  }

  // Last: the end, with each watched file as the job left it.
  ASSERT_FALSE(r.trace.empty());
  const TraceEvent& end = r.trace.back();
  EXPECT_EQ(end.kind, Kind::kEnd);
  EXPECT_EQ(end.sha256_at_exit,
            (std::vector<std::string>{Sha256Hex(kRunSh), Sha256Hex("exit 0\n")}));
  EXPECT_EQ(Of(r, Kind::kEnd).size(), 1u);
}

TEST_F(TracerTest, FollowsForksIntoEveryProcessOfTheTree) {
  const auto r = Trace("( (sh tests/run.sh nested) & wait ) ; echo done");
  EXPECT_EQ(r.process.exit_code, 0);
  const auto hits = Hits(r);
  ASSERT_EQ(hits.size(), 1u);
  // Its parent chain leads back to the command's first process through
  // fork events the tracer saw.
  std::map<int, int> parent;
  for (const auto& e : Of(r, Kind::kFork)) parent[e.pid] = e.ppid;
  const int root = r.trace.back().pid;  // kEnd: the command's first process
  int pid = hits[0].pid;
  int depth = 0;
  while (pid != root && parent.count(pid) && depth < 10) {
    pid = parent[pid];
    ++depth;
  }
  EXPECT_EQ(pid, root);
  EXPECT_GE(depth, 2) << "a subshell and its background child";
  // Every process that started also ended.
  for (const auto& e : Of(r, Kind::kFork)) {
    EXPECT_NE(ExitOf(r, e.pid), nullptr) << e.pid;
  }
  EXPECT_NE(ExitOf(r, root), nullptr);
}

TEST_F(TracerTest, AFileRewrittenWhileItRanShowsAtItsExit) {
  testing::WriteFile(dir / "tests/run.sh",
                     "#!/bin/sh\nprintf 'exit 0\\n' > tests/run.sh\nexit 1\n");
  const std::string before = Sha256Hex("#!/bin/sh\nprintf 'exit 0\\n' > tests/run.sh\nexit 1\n");
  const auto r = Trace("./tests/run.sh; true");
  const auto hits = Hits(r);
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].hits[0].sha256, before);
  const TraceEvent* exit = ExitOf(r, hits[0].pid);
  ASSERT_NE(exit, nullptr);
  EXPECT_EQ(exit->exit_code, 1);
  ASSERT_EQ(exit->sha256_at_exit.size(), 1u);
  EXPECT_EQ(exit->sha256_at_exit[0], Sha256Hex("exit 0\n"));
  ASSERT_EQ(exit->stamps_at_exit.size(), 1u);
  EXPECT_NE(exit->stamps_at_exit[0], hits[0].hits[0].stamp) << "a write moves ctime";
  EXPECT_EQ(r.trace.back().sha256_at_exit[0], Sha256Hex("exit 0\n"));
}

// `exec cmp ...` as a test's last line: the run ends with that command's
// exit, and the script's file is still looked at then.
TEST_F(TracerTest, AScriptThatExecsItsLastCommandKeepsItsHitsToItsExit) {
  const std::string text = "#!/bin/sh\nexec /bin/sh -c 'exit 4'\n";
  testing::WriteFile(dir / "tests/run.sh", text);
  const auto r = Trace("./tests/run.sh; true");
  const auto hits = Hits(r);
  ASSERT_EQ(hits.size(), 1u);
  const TraceEvent* exit = ExitOf(r, hits[0].pid);
  ASSERT_NE(exit, nullptr);
  EXPECT_EQ(exit->exit_code, 4);
  ASSERT_EQ(exit->sha256_at_exit.size(), 1u);
  EXPECT_EQ(exit->sha256_at_exit[0], Sha256Hex(text));
  ASSERT_EQ(exit->stamps_at_exit.size(), 1u);
  EXPECT_EQ(exit->stamps_at_exit[0], hits[0].hits[0].stamp);
}

// The job's last word: each watched file as it is when the job is over,
// whether or not anything ran it (bash runs a script without #! in a
// forked copy of itself, with no exec to see).
TEST_F(TracerTest, TheEndEventHoldsEveryWatchedFileAsTheJobLeftIt) {
  const auto r = Trace("printf 'exit 0' > tests/other.sh; true");
  ASSERT_FALSE(r.trace.empty());
  const TraceEvent& end = r.trace.back();
  EXPECT_EQ(end.kind, Kind::kEnd);
  ASSERT_EQ(end.sha256_at_exit.size(), 2u);
  EXPECT_EQ(end.sha256_at_exit[0], Sha256Hex(kRunSh));
  EXPECT_EQ(end.sha256_at_exit[1], Sha256Hex("exit 0"));
}

TEST_F(TracerTest, AnotherNameForTheSameFileIsAHit) {
  ASSERT_EQ(::symlink("tests/run.sh", (dir / "alias.sh").c_str()), 0);
  // From a script, so that no argv but the two runs' names the file.
  testing::WriteFile(dir / "job.sh", "sh alias.sh\nsh tests/../tests/run.sh\n");
  const auto r = Trace("sh job.sh");
  const auto hits = Hits(r);
  ASSERT_EQ(hits.size(), 2u);
  EXPECT_EQ(hits[0].argv, (std::vector<std::string>{"sh", "alias.sh"}));
  EXPECT_EQ(hits[1].argv, (std::vector<std::string>{"sh", "tests/../tests/run.sh"}));
  for (const auto& h : hits) {
    ASSERT_EQ(h.hits.size(), 1u);
    EXPECT_EQ(h.hits[0].watch, 0);
    EXPECT_EQ(h.hits[0].sha256, Sha256Hex(kRunSh));
  }
}

TEST_F(TracerTest, AnArgumentThroughAFolderThatDoesNotExistNamesNoFile) {
  // "nothing/../tests/run.sh" cannot be opened (the kernel needs
  // "nothing" to exist before it goes back up), so no program given it
  // runs the script; nor does a shell given a command line that merely
  // contains it.
  const auto r = Trace("/bin/echo nothing/../tests/run.sh >/dev/null; "
                       "sh -c 'echo x; : nothing/../tests/run.sh'");
  for (const auto& h : Hits(r)) {
    std::string argv;
    for (const auto& a : h.argv) argv += "[" + a + "]";
    ADD_FAILURE() << "a hit on " << argv << " (sha256 '" << h.hits[0].sha256 << "')";
  }
}

TEST_F(TracerTest, AHitIsAnArgumentNamingAWatchedFileAndOtherExecsHaveNone) {
  // The tracer only records; whether `cat tests/run.sh` counts as running
  // the script is the grader's judgement, from argv.
  const auto r = Trace("cat tests/run.sh >/dev/null; ls tests >/dev/null", {"tests/run.sh"});
  const auto hits = Hits(r);
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].argv, (std::vector<std::string>{"cat", "tests/run.sh"}));
  bool saw_ls = false;
  for (const auto& e : Of(r, Kind::kExec)) {
    if (!e.argv.empty() && e.argv[0] == "ls") {
      saw_ls = true;
      EXPECT_TRUE(e.hits.empty());
      EXPECT_TRUE(e.env.empty());
    }
  }
  EXPECT_TRUE(saw_ls);
}

TEST_F(TracerTest, TheStepEndsAsTheCommandEnded) {
  auto r = Trace("exit 7");
  EXPECT_EQ(r.process.exit_code, 7);
  r = Trace("kill -USR2 $$");
  EXPECT_EQ(r.process.term_signal, SIGUSR2);
  EXPECT_FALSE(r.process.exit_code);
  const TraceEvent* exit = ExitOf(r, r.trace.back().pid);
  ASSERT_NE(exit, nullptr);
  EXPECT_EQ(exit->term_signal, SIGUSR2);
}

TEST_F(TracerTest, WhatTheCommandLeftRunningIsKilledBeforeTheStepEnds) {
  // A daemon in its own session: out of reach of the step's process group,
  // not of the tracer.
  const auto r = Trace(testing::StartDaemon("1000", ">/dev/null 2>&1"));
  EXPECT_EQ(r.process.exit_code, 0);
  ASSERT_FALSE(r.process.stdout_data.empty());
  const pid_t daemon = std::stoi(r.process.stdout_data);
  EXPECT_FALSE(ReadProcStatus(daemon).has_value()) << "gone, and reaped by the tracer";
  const TraceEvent* exit = ExitOf(r, daemon);
  ASSERT_NE(exit, nullptr);
  EXPECT_EQ(exit->term_signal, SIGKILL);
}

TEST_F(TracerTest, LongArgumentListsAreCapped) {
  const auto r = Trace("exec /bin/true " + std::string(5000, 'x') + " $(seq 100)");
  const auto execs = Of(r, Kind::kExec);
  ASSERT_FALSE(execs.empty());
  const TraceEvent& t = execs.back();
  EXPECT_EQ(t.argv.size(), protocol::kTraceMaxArgs);
  EXPECT_EQ(t.argv[0], "/bin/true");
  EXPECT_EQ(t.argv[1], std::string(protocol::kTraceMaxArgBytes, 'x'));
}

TEST_F(TracerTest, AProgramThatCannotStartIsExit127) {
  const auto r = Trace("exec ./no-such-program");
  EXPECT_EQ(r.process.exit_code, 127);
  EXPECT_EQ(r.trace.back().kind, Kind::kEnd);
}

TEST(TracerArgs, TheProbeIsStartedWithEveryWatchedPathBeforeTheCommand) {
  EXPECT_EQ(TracerArgv("/opt/ipc-grader/probe", {"/root/a.sh", "/root/b c.sh"},
                       {"bash", "-c", "--watch"}),
            (std::vector<std::string>{"/opt/ipc-grader/probe", "--trace", "--watch", "/root/a.sh",
                                      "--watch", "/root/b c.sh", "--", "bash", "-c", "--watch"}));
}

TEST(TracerArgs, TheBinaryRefusesAMissingCommandOrAnUnknownOption) {
  testing::TempDir dir;
  auto run = [&](std::vector<std::string> argv) {
    argv.insert(argv.begin(), IPC_PROBE_PATH);
    protocol::Step step;
    step.id = "t";
    step.process = testing::Spec(std::move(argv));
    StepEnv env = testing::Env(dir.path(), dir.path());
    env.spawn.probe_tracer = true;  // started by hand, as RunStep starts it for `watch`
    return RunStep(step, env).process;
  };
  auto p = run({"--trace", "--watch", "/x"});
  EXPECT_EQ(p.exit_code, 2);
  EXPECT_EQ(p.stderr_data, "ipc-grader tracer: no command after --\n");
  p = run({"--trace", "--verbose", "--", "true"});
  EXPECT_EQ(p.exit_code, 2);
  EXPECT_EQ(p.stderr_data, "ipc-grader tracer: unknown argument '--verbose'\n");
  // Run by hand: the command's output on stdout, one event per line on
  // stderr, the command's own stderr merged into stdout.
  p = run({"--trace", "--", "sh", "-c", "echo out; echo err >&2; exit 4"});
  EXPECT_EQ(p.exit_code, 4);
  EXPECT_EQ(p.stdout_data, "out\nerr\n");
  std::vector<TraceEvent> events;
  EXPECT_TRUE(ParseTraceLog(p.stderr_data, &events)) << p.stderr_data;
  ASSERT_GE(events.size(), 3u);
  EXPECT_EQ(events.front().kind, Kind::kExec);
  EXPECT_EQ(events.back().kind, Kind::kEnd);
  EXPECT_TRUE(events.back().sha256_at_exit.empty()) << "nothing watched";
}

TEST(TraceLogParse, ALogCutShortOrNotALogSaysSo) {
  TraceEvent e;
  e.kind = Kind::kExit;
  e.pid = 5;
  e.exit_code = 0;
  const std::string line = protocol::TraceLine(e);
  std::vector<TraceEvent> events;
  EXPECT_TRUE(ParseTraceLog(line + line, &events));
  EXPECT_EQ(events.size(), 2u);
  events.clear();
  EXPECT_FALSE(ParseTraceLog(line + line.substr(0, 10), &events)) << "the last line was cut";
  EXPECT_EQ(events.size(), 1u) << "what came before is kept";
  events.clear();
  EXPECT_FALSE(ParseTraceLog("ipc-grader tracer: cannot trace the command\n", &events));
  EXPECT_TRUE(ParseTraceLog("", &events));
}

}  // namespace
}  // namespace ipc::probe
