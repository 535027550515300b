// The process wrapper against real local processes: capped output, no
// deadlock, deadlines, stdin, and what the child inherits.
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include <gtest/gtest.h>

#include "container/process.h"

namespace ipc::container {
namespace {

using namespace std::chrono_literals;

ProcessResult Sh(const std::string& script, ProcessOptions o = {}) {
  o.argv = {"sh", "-c", script};
  return RunProcess(o);
}

std::string RandomBytes(std::size_t n) {
  std::mt19937 gen(42);
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(gen() & 0xff);
  return s;
}

TEST(RunProcess, ExitCodeAndBothStreamsSeparately) {
  const ProcessResult r = Sh("echo out; echo err >&2; exit 7");
  ASSERT_TRUE(r.spawned) << r.spawn_error;
  EXPECT_EQ(r.exit_code, 7);
  EXPECT_FALSE(r.term_signal);
  EXPECT_FALSE(r.deadline_hit);
  EXPECT_EQ(r.stdout_data, "out\n");
  EXPECT_EQ(r.stderr_data, "err\n");
  EXPECT_EQ(r.stdout_bytes, 4u);
  EXPECT_EQ(r.stderr_bytes, 4u);
}

TEST(RunProcess, FloodOfFiftyMegabytesIsCappedAndCounted) {
  ProcessOptions o;
  o.output_cap = 1u << 20;
  const ProcessResult r = Sh("head -c 50000000 /dev/zero; head -c 3000000 /dev/zero >&2", o);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.stdout_data.size(), 1u << 20);
  EXPECT_EQ(r.stdout_bytes, 50000000u);
  EXPECT_EQ(r.stderr_data.size(), 1u << 20);
  EXPECT_EQ(r.stderr_bytes, 3000000u);
  EXPECT_EQ(r.stdout_data.find_first_not_of('\0'), std::string::npos);
}

// Regression: a child that floods its output while we still have stdin to
// write must not deadlock (the child blocks on a full stdout pipe, we on a
// full stdin pipe), and its exit with stdin unread must not raise SIGPIPE
// in the grader.
TEST(RunProcess, FloodingChildThatNeverReadsStdinDoesNotDeadlock) {
  ProcessOptions o;
  o.stdin_data = std::string(20u << 20, 'x');
  o.output_cap = 1024;
  const ProcessResult r = Sh("head -c 30000000 /dev/zero", o);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_FALSE(r.deadline_hit);
  EXPECT_EQ(r.stdout_bytes, 30000000u);
}

TEST(RunProcess, StdinIsDeliveredThenClosed) {
  ProcessOptions o;
  o.argv = {"cat"};
  o.stdin_data = RandomBytes(3u << 20);
  o.output_cap = 4u << 20;
  const ProcessResult r = RunProcess(o);
  EXPECT_EQ(r.exit_code, 0);  // cat exits only after EOF
  EXPECT_EQ(r.stdout_data, o.stdin_data);
}

TEST(RunProcess, EmptyStdinIsImmediateEof) {
  ProcessOptions o;
  o.argv = {"wc", "-c"};
  const ProcessResult r = RunProcess(o);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.stdout_data, "0\n");
}

TEST(RunProcess, ChildExitingBeforeReadingStdinIsNotAnError) {
  ProcessOptions o;
  o.argv = {"true"};
  o.stdin_data = std::string(8u << 20, 'x');
  const ProcessResult r = RunProcess(o);
  EXPECT_EQ(r.exit_code, 0);
}

TEST(RunProcess, DeadlineKillsSleep) {
  ProcessOptions o;
  o.argv = {"sleep", "1000"};
  o.deadline = 200ms;
  const ProcessResult r = RunProcess(o);
  EXPECT_TRUE(r.deadline_hit);
  EXPECT_EQ(r.term_signal, SIGKILL);
  EXPECT_FALSE(r.exit_code);
}

TEST(RunProcess, DeadlineKillsTheWholeGroupSoThePipesClose) {
  // The background sleep holds stdout too; only a group kill closes it.
  ProcessOptions o;
  o.deadline = 200ms;
  const ProcessResult r = Sh("sleep 1000 & echo started; exec sleep 1000", o);
  EXPECT_TRUE(r.deadline_hit);
  EXPECT_EQ(r.stdout_data, "started\n");
}

TEST(RunProcess, DeadlineStillAppliesAfterTheChildClosedItsOutputs) {
  ProcessOptions o;
  o.deadline = 200ms;
  const ProcessResult r = Sh("exec >&- 2>&-; exec sleep 1000", o);
  EXPECT_TRUE(r.deadline_hit);
  EXPECT_EQ(r.term_signal, SIGKILL);
}

TEST(RunProcess, BackgroundStragglerDoesNotHoldUpAFinishedChild) {
  ProcessOptions o;
  o.deadline = 30s;  // far above the ~50 ms this takes; hitting it is the failure
  const ProcessResult r = Sh("sleep 1000 & echo done", o);
  EXPECT_FALSE(r.deadline_hit);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.stdout_data, "done\n");
}

// Pids of processes whose argv is exactly `argv` (scan of /proc).
std::vector<pid_t> PidsWithArgv(const std::vector<std::string>& argv) {
  std::string wanted;
  for (const std::string& a : argv) wanted += a + '\0';
  std::vector<pid_t> pids;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string name = entry.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in(entry.path() / "cmdline", std::ios::binary);
    char buf[4096];
    in.read(buf, sizeof buf);
    const std::string cmdline(buf, static_cast<std::size_t>(in.gcount()));
    if (cmdline == wanted) pids.push_back(static_cast<pid_t>(std::stol(name)));
  }
  return pids;
}

TEST(RunProcess, EscapedGrandchildHoldingThePipesDoesNotOutliveTheDeadline) {
  // setsid leaves the group, so the group kill cannot reach it and it holds
  // stdout open after the child exited. A unique duration marks it. The
  // script waits until the background process leads its own session (field
  // 6 of /proc/PID/stat), so it has escaped before the shell exits.
  const std::string marker = "1000." + std::to_string(::getpid());
  ProcessOptions o;
  o.deadline = 300ms;
  const ProcessResult r = Sh("setsid sleep " + marker +
                                 " & while [ \"$(cut -d' ' -f6 /proc/$!/stat)\" != $! ]; do :; "
                                 "done; echo started",
                             o);
  for (pid_t pid : PidsWithArgv({"sleep", marker})) ::kill(pid, SIGKILL);
  EXPECT_EQ(r.exit_code, 0);  // the child itself finished normally
  EXPECT_FALSE(r.deadline_hit);
  EXPECT_EQ(r.stdout_data, "started\n");
}

TEST(RunProcess, MissingProgramIsASpawnFailureNotACrash) {
  ProcessOptions o;
  o.argv = {"ipc-grader-no-such-program"};
  const ProcessResult r = RunProcess(o);
  EXPECT_FALSE(r.spawned);
  EXPECT_NE(r.spawn_error.find("ipc-grader-no-such-program"), std::string::npos) << r.spawn_error;

  o.argv = {"/nonexistent/dir/prog"};
  const ProcessResult abs = RunProcess(o);
  EXPECT_FALSE(abs.spawned);
  EXPECT_NE(abs.spawn_error.find("/nonexistent/dir/prog"), std::string::npos) << abs.spawn_error;
}

TEST(RunProcess, EnvironmentIsInheritedWithOverrides) {
  ::setenv("IPC_PROCESS_TEST_INHERITED", "kept", 1);
  ProcessOptions o;
  o.env = {{"IPC_PROCESS_TEST_ADDED", "added"}};
  const ProcessResult r = Sh("echo $IPC_PROCESS_TEST_INHERITED $IPC_PROCESS_TEST_ADDED", o);
  EXPECT_EQ(r.stdout_data, "kept added\n");
  ::unsetenv("IPC_PROCESS_TEST_INHERITED");
}

TEST(RunProcess, ChildRunsInItsOwnProcessGroup) {
  // Field 5 of /proc/PID/stat is the process group ("sh" has no spaces).
  const ProcessResult r = Sh("echo $$; cut -d' ' -f5 /proc/$$/stat");
  std::istringstream in(r.stdout_data);
  long pid = 0, pgrp = -1;
  in >> pid >> pgrp;
  EXPECT_GT(pid, 0);
  EXPECT_EQ(pid, pgrp);
  EXPECT_NE(pgrp, static_cast<long>(::getpgrp()));
}

TEST(RunProcess, ChildInheritsNoStrayDescriptors) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);  // deliberately without O_CLOEXEC
  const std::string script = "for fd in " + std::to_string(fds[0]) + " " +
                             std::to_string(fds[1]) +
                             "; do test -e /proc/$$/fd/$fd && echo leaked $fd; done; echo checked";
  const ProcessResult r = Sh(script);
  ::close(fds[0]);
  ::close(fds[1]);
  EXPECT_EQ(r.stdout_data, "checked\n");
}

TEST(RunProcess, ChildGetsDefaultSignalsAndAnEmptyMask) {
  // Ignored dispositions and the mask survive exec; the wrapper resets them.
  struct sigaction ignore {}, old_int {};
  ignore.sa_handler = SIG_IGN;
  ::sigaction(SIGINT, &ignore, &old_int);
  sigset_t block, old_mask;
  sigemptyset(&block);
  sigaddset(&block, SIGUSR1);
  ::pthread_sigmask(SIG_BLOCK, &block, &old_mask);

  // grep reads its own status (a shell would clear its mask at start-up).
  ProcessOptions o;
  o.argv = {"grep", "-E", "^Sig(Blk|Ign)", "/proc/self/status"};
  const ProcessResult r = RunProcess(o);

  ::pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
  ::sigaction(SIGINT, &old_int, nullptr);
  EXPECT_EQ(r.stdout_data, "SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n");
}

TEST(RunProcess, GraderSurvivesAndKeepsItsSignalMask) {
  sigset_t before, after;
  ::pthread_sigmask(SIG_SETMASK, nullptr, &before);
  ProcessOptions o;
  o.argv = {"true"};
  o.stdin_data = std::string(1u << 20, 'x');
  for (int i = 0; i < 5; ++i) EXPECT_EQ(RunProcess(o).exit_code, 0);
  ::pthread_sigmask(SIG_SETMASK, nullptr, &after);
  EXPECT_EQ(sigismember(&after, SIGPIPE), sigismember(&before, SIGPIPE));
  sigset_t pending;
  ::sigpending(&pending);
  EXPECT_FALSE(sigismember(&pending, SIGPIPE));
}

TEST(FindOnPath, FindsShAndNotNonsense) {
  EXPECT_EQ(FindOnPath("sh").front(), '/');
  EXPECT_EQ(FindOnPath("ipc-grader-no-such-program"), "");
}

}  // namespace
}  // namespace ipc::container
