// Spawning one process the way the probe does, on the host, with real
// processes: stdout modes and what they do to buffering, stdin delivery,
// output caps, the child's environment, descriptors, signal state, process
// group, user switching, start failures and the wall-time limit.
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <set>
#include <sstream>

#include "probe/spawn.h"
#include "probe/users.h"
#include "probe_test_support.h"

namespace ipc::probe {
namespace {

using protocol::StdoutMode;
using testing::Alive;
using testing::Spec;

struct SpawnTest : ::testing::Test {
  void SetUp() override { testing::BecomeSubreaper(); }
  protocol::StepResult Run(const protocol::ProcessSpec& spec) {
    return testing::Run(spec, dir.path(), dir.path());
  }
  // SIGKILL is delivered asynchronously: the killed process (reparented to
  // us, the subreaper) is gone once the reaper has collected every child.
  static void ExpectGone(pid_t pid) {
    ASSERT_TRUE(Reaper::Get().WaitNoChildren(Clock::now() + std::chrono::seconds(30)));
    EXPECT_FALSE(ReadProcStatus(pid).has_value()) << pid;
  }
  testing::TempDir dir;
};

// Prints a line, then dies without flushing stdio: the line is only seen
// where stdout is line-buffered (a terminal).
constexpr const char* kDiesUnflushed = R"(
#include <signal.h>
#include <stdio.h>
#include <unistd.h>
int main(void) { printf("before\n"); kill(getpid(), SIGKILL); return 0; }
)";

TEST_F(SpawnTest, PipeModeSeparatesStdoutAndStderr) {
  auto r = Run(Spec({"sh", "-c", "printf out; printf err >&2; exit 3"}));
  ASSERT_TRUE(r.process.started) << r.process.error;
  EXPECT_EQ(r.process.stdout_data, "out");
  EXPECT_EQ(r.process.stderr_data, "err");
  EXPECT_EQ(r.process.exit_code, 3);
  EXPECT_FALSE(r.process.term_signal);
  EXPECT_FALSE(r.process.timed_out);
  EXPECT_GT(r.process.pid, 0);
}

TEST_F(SpawnTest, ChildrenAreTheOomKillersFirstChoiceNeverTheProbe) {
  auto r = Run(Spec({"sh", "-c", "cat /proc/self/oom_score_adj; cat /proc/$$/oom_score_adj"}));
  ASSERT_EQ(r.process.exit_code, 0) << r.process.stderr_data;
  std::istringstream lines(r.process.stdout_data);
  std::string child, parent;
  std::getline(lines, child);
  std::getline(lines, parent);
  EXPECT_EQ(child, "1000") << "inherited by what the step starts";
  EXPECT_EQ(parent, "1000") << "the step's own process";
  std::ifstream self("/proc/self/oom_score_adj");
  int mine = 0;
  self >> mine;
  EXPECT_LT(mine, 1000) << "the probe's own score is left alone";
}

TEST_F(SpawnTest, FileModeReadsTheFileAfterExitAndLeavesNothingBehind) {
  const std::string priv = dir / "private";
  ASSERT_EQ(::mkdir(priv.c_str(), 0700), 0);
  auto r = testing::Run(
      Spec({"sh", "-c", "[ -f /proc/self/fd/1 ] && echo regular; echo e >&2"}, StdoutMode::kFile),
      dir.path(), priv);
  EXPECT_EQ(r.process.stdout_data, "regular\n");
  EXPECT_EQ(r.process.stdout_bytes, 8u);
  EXPECT_EQ(r.process.stderr_data, "e\n");
  EXPECT_TRUE(std::filesystem::is_empty(priv));
}

TEST_F(SpawnTest, PtyModeIsATerminalWithoutCrLfTranslationAndTakesStderr) {
  auto r = Run(Spec({"sh", "-c", "[ -t 1 ] && [ -t 2 ] && echo tty; printf 'a\\nb\\n'; echo e >&2"},
                    StdoutMode::kPty));
  EXPECT_EQ(r.process.stdout_data, "tty\na\nb\ne\n");
  EXPECT_EQ(r.process.stderr_data, "");
  EXPECT_EQ(r.process.exit_code, 0);
}

TEST_F(SpawnTest, StdoutIsNotATerminalInPipeAndFileModes) {
  for (auto mode : {StdoutMode::kPipe, StdoutMode::kFile}) {
    auto r = Run(Spec({"sh", "-c", "[ -t 1 ] && echo tty || echo notty"}, mode));
    EXPECT_EQ(r.process.stdout_data, "notty\n") << protocol::StdoutModeName(mode);
  }
}

TEST_F(SpawnTest, BufferingFollowsTheStdoutMode) {
  const std::string bin = testing::CompileC(dir, "dies", kDiesUnflushed);
  // Fully buffered into a pipe or a file: the line dies with the process.
  for (auto mode : {StdoutMode::kPipe, StdoutMode::kFile}) {
    auto r = Run(Spec({bin}, mode));
    EXPECT_EQ(r.process.term_signal, SIGKILL);
    EXPECT_EQ(r.process.stdout_data, "") << protocol::StdoutModeName(mode);
  }
  // Line buffered on a terminal: written before the kill.
  auto r = Run(Spec({bin}, StdoutMode::kPty));
  EXPECT_EQ(r.process.term_signal, SIGKILL);
  EXPECT_EQ(r.process.stdout_data, "before\n");
}

TEST_F(SpawnTest, DeliversBinaryStdinThenEof) {
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes += static_cast<char>(i);
  auto spec = Spec({"cat"});
  spec.stdin_data = bytes;
  auto r = Run(spec);
  EXPECT_EQ(r.process.stdout_data, bytes);
  EXPECT_EQ(r.process.exit_code, 0);
}

TEST_F(SpawnTest, EmptyStdinIsAnImmediateEof) {
  auto r = Run(Spec({"wc", "-c"}));
  EXPECT_EQ(r.process.stdout_data, "0\n");
}

TEST_F(SpawnTest, LargeStdinAndLargeOutputFlowTogetherAndTheCapCountsTheRest) {
  // cat echoes 3 MiB: far more than a pipe holds either way, so this only
  // finishes if stdin is fed while stdout is drained.
  auto spec = Spec({"cat"});
  spec.stdin_data = std::string(3 << 20, 'x');
  spec.output_cap = 1000;
  auto r = Run(spec);
  EXPECT_EQ(r.process.exit_code, 0);
  EXPECT_EQ(r.process.stdout_data, std::string(1000, 'x'));
  EXPECT_EQ(r.process.stdout_bytes, 3u << 20);
}

TEST_F(SpawnTest, AChildThatNeverReadsStdinDoesNotBlockTheProbe) {
  auto spec = Spec({"true"});
  spec.stdin_data = std::string(4 << 20, 'x');
  auto r = Run(spec);
  EXPECT_EQ(r.process.exit_code, 0);
  EXPECT_FALSE(r.process.timed_out);
}

TEST_F(SpawnTest, OutputCapAppliesPerStreamAndInFileMode) {
  for (auto mode : {StdoutMode::kPipe, StdoutMode::kFile, StdoutMode::kPty}) {
    auto spec = Spec({"sh", "-c", "head -c 200000 /dev/zero; head -c 5000 /dev/zero >&2"}, mode);
    spec.output_cap = 100;
    auto r = Run(spec);
    SCOPED_TRACE(protocol::StdoutModeName(mode));
    EXPECT_EQ(r.process.stdout_data, std::string(100, '\0'));
    if (mode == StdoutMode::kPty) {
      EXPECT_EQ(r.process.stdout_bytes, 205000u);  // stderr shares the terminal
    } else {
      EXPECT_EQ(r.process.stdout_bytes, 200000u);
      EXPECT_EQ(r.process.stderr_data, std::string(100, '\0'));
      EXPECT_EQ(r.process.stderr_bytes, 5000u);
    }
  }
}

TEST_F(SpawnTest, EnvironmentIsTheFixedMinimumPlusSpecEnv) {
  auto spec = Spec({"env"});
  spec.env = {{"FOO", "bar"}, {"LANG", "C"}};
  auto r = Run(spec);
  std::set<std::string> lines;
  std::istringstream in(r.process.stdout_data);
  for (std::string l; std::getline(in, l);) lines.insert(l);
  EXPECT_EQ(lines, (std::set<std::string>{"FOO=bar", "HOME=/root", "LANG=C",
                                          std::string("PATH=") + kFixedPath}));
}

TEST_F(SpawnTest, ChildHasOnlyStdioDescriptorsEvenIfTheProbeLeaksOne) {
  const std::string bin = testing::CompileC(dir, "fds", R"(
#include <fcntl.h>
#include <stdio.h>
int main(void) {
  for (int fd = 0; fd < 4096; ++fd) if (fcntl(fd, F_GETFD) != -1) printf("%d ", fd);
  return 0;
})");
  // A descriptor without close-on-exec, as if inherited from our parent.
  const int leaked = ::open("/dev/null", O_RDONLY);
  ASSERT_GE(leaked, 3);
  auto r = Run(Spec({bin}));
  ::close(leaked);
  EXPECT_EQ(r.process.stdout_data, "0 1 2 ");
}

TEST_F(SpawnTest, SignalMaskAndIgnoredDispositionsAreReset) {
  // What the probe itself does (ignore SIGPIPE), plus a blocked signal in
  // the spawning thread.
  struct sigaction old_pipe {
  }, ign{};
  ign.sa_handler = SIG_IGN;
  ::sigaction(SIGPIPE, &ign, &old_pipe);
  sigset_t block, old_mask;
  ::sigemptyset(&block);
  ::sigaddset(&block, SIGUSR2);
  ::pthread_sigmask(SIG_BLOCK, &block, &old_mask);
  auto r = Run(Spec({"grep", "-E", "^Sig(Blk|Ign)", "/proc/self/status"}));
  ::pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
  ::sigaction(SIGPIPE, &old_pipe, nullptr);
  EXPECT_EQ(r.process.stdout_data, "SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n");
}

TEST_F(SpawnTest, ChildLeadsItsOwnProcessGroup) {
  // Field 5 of /proc/self/stat is the process group.
  auto r = Run(Spec({"sh", "-c", "exec awk '{print $5}' /proc/self/stat"}));
  EXPECT_EQ(r.process.stdout_data, std::to_string(r.process.pid) + "\n");
}

TEST_F(SpawnTest, RelativeCwdResolvesAgainstTheStepDirectory) {
  ASSERT_EQ(::mkdir((dir / "sub").c_str(), 0755), 0);
  auto spec = Spec({"pwd"});
  spec.cwd = "sub";
  EXPECT_EQ(Run(spec).process.stdout_data, dir / "sub" + "\n");
  spec.cwd = "";
  EXPECT_EQ(Run(spec).process.stdout_data, dir.path() + "\n");
  spec.cwd = "/";
  EXPECT_EQ(Run(spec).process.stdout_data, "/\n");
}

TEST_F(SpawnTest, RunsAsAnotherUserWithThatUsersIdsAndHome) {
  std::string why;
  auto nobody = LookupUser("nobody", &why);
  if (!nobody) {
    const char* ci = std::getenv("CI");
    if (ci && std::string(ci) == "true") FAIL() << why << ", and CI=true";
    GTEST_SKIP() << why;
  }
  auto spec = Spec({"sh", "-c", "id -u; id -g; echo $HOME"});
  spec.user = "nobody";
  auto r = testing::Run(spec, "/", dir.path());
  EXPECT_EQ(r.process.stdout_data, std::to_string(nobody->uid) + "\n" +
                                       std::to_string(nobody->gid) + "\n" + nobody->home + "\n");
}

TEST_F(SpawnTest, StartFailuresAreReportedNotThrown) {
  auto r = Run(Spec({"no-such-program-ipc"}));
  EXPECT_FALSE(r.process.started);
  EXPECT_NE(r.process.error.find("'no-such-program-ipc' not found in PATH"), std::string::npos)
      << r.process.error;

  auto spec = Spec({"true"});
  spec.cwd = "missing-dir";
  r = Run(spec);
  EXPECT_FALSE(r.process.started);
  EXPECT_EQ(r.process.error, "cannot enter the working directory '" + dir / "missing-dir" +
                                 "': No such file or directory");

  testing::WriteFile(dir / "script", "#!/bin/sh\n");  // not executable
  r = Run(Spec({"./script"}));
  EXPECT_FALSE(r.process.started);
  EXPECT_EQ(r.process.error, "cannot execute './script': Permission denied");

  spec = Spec({"true"});
  spec.user = "no-such-user-ipc";
  r = Run(spec);
  EXPECT_FALSE(r.process.started);
  EXPECT_EQ(r.process.error, "no user 'no-such-user-ipc' in /etc/passwd");
}

// Forks a child (in a new session with "setsid"), prints its pid once the
// child exists (and has left the group), then waits in pause(). Run as a
// signal step with a no-op signal (SIGCONT), the wall limit starts only
// once it is paused: no race between the timeout and the set-up.
constexpr const char* kForker = R"(
#include <stdio.h>
#include <string.h>
#include <unistd.h>
int main(int argc, char** argv) {
  int p[2];
  if (pipe(p) != 0) return 1;
  pid_t child = fork();
  if (child == 0) {
    if (argc > 1 && strcmp(argv[1], "setsid") == 0) setsid();
    (void)!write(p[1], "x", 1);
    for (;;) pause();
  }
  char c;
  if (read(p[0], &c, 1) != 1) return 1;
  printf("%d\n", (int)child);
  fflush(stdout);
  for (;;) pause();
})";

protocol::StepResult RunForkerUntilTimeout(const std::string& bin, const std::string& mode,
                                           const testing::TempDir& dir) {
  protocol::Step step;
  step.id = "forker";
  step.kind = protocol::Step::Kind::kSignal;
  step.signal = SIGCONT;
  step.ready_on_pause = true;
  step.ready_timeout_s = 60;
  step.process = Spec({bin, mode});
  step.process.timeout_s = 0.2;
  return RunStep(step, testing::Env(dir.path(), dir.path()));
}

TEST_F(SpawnTest, TimeoutKillsTheWholeGroup) {
  const auto bin = testing::CompileC(dir, "forker", kForker);
  auto r = RunForkerUntilTimeout(bin, "group", dir);
  ASSERT_TRUE(r.signal && r.signal->ready);
  EXPECT_TRUE(r.process.timed_out);
  EXPECT_EQ(r.process.term_signal, SIGKILL);
  ExpectGone(std::stoi(r.process.stdout_data));
}

TEST_F(SpawnTest, TimeoutAlsoKillsDescendantsThatLeftTheGroup) {
  // setsid puts the child in a new session: killpg cannot reach it, but it
  // is still the program's child when the timeout strikes.
  const auto bin = testing::CompileC(dir, "forker", kForker);
  auto r = RunForkerUntilTimeout(bin, "setsid", dir);
  ASSERT_TRUE(r.signal && r.signal->ready);
  EXPECT_TRUE(r.process.timed_out);
  ExpectGone(std::stoi(r.process.stdout_data));
}

TEST_F(SpawnTest, BackgroundJobsInTheGroupEndWithTheStep) {
  auto r = Run(Spec({"sh", "-c", "sleep 1000 >/dev/null & echo $!"}));
  EXPECT_EQ(r.process.exit_code, 0);
  EXPECT_FALSE(r.process.timed_out);
  ExpectGone(std::stoi(r.process.stdout_data));
}

TEST_F(SpawnTest, ADaemonHoldingStdoutDoesNotHoldTheStep) {
  // The daemon keeps the stdout pipe open; the step still ends with sh.
  auto spec = Spec({"sh", "-c", testing::StartDaemon("1000", "")});
  spec.timeout_s = 30;
  auto r = Run(spec);
  EXPECT_EQ(r.process.exit_code, 0);
  EXPECT_FALSE(r.process.timed_out);
  ASSERT_FALSE(r.process.stdout_data.empty()) << r.process.stderr_data;
  const pid_t daemon = std::stoi(r.process.stdout_data);
  EXPECT_TRUE(Alive(daemon));  // until the sweep; see probe_reaper_test
  ::kill(daemon, SIGKILL);
  ExpectGone(daemon);
}

TEST_F(SpawnTest, WallAndCpuTimesAreRecorded) {
  auto r = Run(Spec({"sh", "-c", "i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done"}));
  EXPECT_EQ(r.process.exit_code, 0);
  EXPECT_GT(r.process.wall_s, 0);
  EXPECT_GT(r.process.cpu_s, 0);
}

}  // namespace
}  // namespace ipc::probe
