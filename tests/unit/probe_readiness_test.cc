// Signal steps on the host: readiness by SigCgt, by pause(), never; the
// signal's effect; pid_line in pty mode; a program that ends before it is
// ready gets no signal.
#include <signal.h>

#include "probe/child_io.h"
#include "probe/readiness.h"
#include "probe_test_support.h"

namespace ipc::probe {
namespace {

using protocol::StdoutMode;
using protocol::Step;

constexpr const char* kHandlerThenPause = R"(
#include <signal.h>
#include <stdio.h>
#include <unistd.h>
static volatile sig_atomic_t got;
static void on_usr1(int sig) { got = sig; }
int main(void) {
  printf("Listener PID: %d\n", getpid());
  signal(SIGUSR1, on_usr1);
  pause();
  printf("SIGUSR1 received!\n");
  return got == SIGUSR1 ? 0 : 3;
})";

constexpr const char* kPauseOnly = R"(
#include <unistd.h>
int main(void) { pause(); return 0; })";

constexpr const char* kBusy = R"(
int main(void) { for (;;) {} })";

// Handlers installed but never asleep: must not count as ready, or the
// signal could arrive before the program reaches its pause(). It says when
// its handler is in place.
constexpr const char* kHandlerThenBusy = R"(
#include <signal.h>
#include <stdio.h>
static void on_usr1(int sig) { (void)sig; }
int main(void) {
  signal(SIGUSR1, on_usr1);
  printf("installed\n");
  fflush(stdout);
  for (;;) {}
})";

struct ReadinessTest : ::testing::Test {
  void SetUp() override { testing::BecomeSubreaper(); }

  protocol::StepResult RunSignal(const std::string& bin, std::vector<int> ready_signals,
                                 bool on_pause, double ready_timeout_s,
                                 StdoutMode mode = StdoutMode::kPipe, double timeout_s = 30) {
    Step step;
    step.id = "sig";
    step.kind = Step::Kind::kSignal;
    step.signal = SIGUSR1;
    step.ready_signals = std::move(ready_signals);
    step.ready_on_pause = on_pause;
    step.ready_timeout_s = ready_timeout_s;
    step.process = testing::Spec({bin}, mode);
    step.process.timeout_s = timeout_s;
    auto r = RunStep(step, testing::Env(dir.path(), dir.path()));
    EXPECT_TRUE(r.signal.has_value());
    if (!r.signal) r.signal.emplace();
    return r;
  }
  testing::TempDir dir;
};

TEST_F(ReadinessTest, HandlerThenPauseIsReadyBySigCgtAndHandlesTheSignal) {
  const auto bin = testing::CompileC(dir, "listener", kHandlerThenPause);
  auto r = RunSignal(bin, {SIGUSR1}, /*on_pause=*/true, 30);
  EXPECT_TRUE(r.signal->ready);
  EXPECT_EQ(r.signal->ready_by, "sigcgt");
  EXPECT_TRUE(r.signal->signal_sent);
  EXPECT_EQ(r.process.exit_code, 0);
  EXPECT_EQ(r.process.stdout_data,
            "Listener PID: " + std::to_string(r.process.pid) + "\nSIGUSR1 received!\n");
  EXPECT_EQ(r.signal->pid_line, "");  // pipe mode: nothing seen before the signal
}

TEST_F(ReadinessTest, PtyModeRecordsTheFirstLinePrintedBeforeTheSignal) {
  const auto bin = testing::CompileC(dir, "listener", kHandlerThenPause);
  auto r = RunSignal(bin, {SIGUSR1}, true, 30, StdoutMode::kPty);
  EXPECT_EQ(r.signal->pid_line, "Listener PID: " + std::to_string(r.process.pid));
  EXPECT_EQ(r.process.exit_code, 0);
}

TEST_F(ReadinessTest, PauseWithoutHandlerIsReadyByPauseAndDiesOfTheSignal) {
  const auto bin = testing::CompileC(dir, "pauser", kPauseOnly);
  auto r = RunSignal(bin, {SIGUSR1}, /*on_pause=*/true, 30);
  EXPECT_TRUE(r.signal->ready);
  EXPECT_EQ(r.signal->ready_by, "pause");
  EXPECT_TRUE(r.signal->signal_sent);
  EXPECT_EQ(r.process.term_signal, SIGUSR1);
}

TEST_F(ReadinessTest, PauseDoesNotCountWhenNotAskedFor) {
  const auto bin = testing::CompileC(dir, "pauser", kPauseOnly);
  auto r = RunSignal(bin, {SIGUSR1}, /*on_pause=*/false, 0.3);
  EXPECT_FALSE(r.signal->ready);
  EXPECT_EQ(r.signal->ready_by, "");
  EXPECT_TRUE(r.signal->signal_sent);  // sent anyway after the bound
  EXPECT_EQ(r.process.term_signal, SIGUSR1);
}

TEST_F(ReadinessTest, BusyLoopIsNeverReadyAndIsSignalledAfterTheBound) {
  const auto bin = testing::CompileC(dir, "busy", kBusy);
  auto r = RunSignal(bin, {SIGUSR1}, true, 0.3);
  EXPECT_FALSE(r.signal->ready);
  EXPECT_EQ(r.signal->ready_by, "");
  EXPECT_GE(r.signal->ready_wait_s, 0.3);  // waited the whole bound
  EXPECT_TRUE(r.signal->signal_sent);
  EXPECT_EQ(r.process.term_signal, SIGUSR1);
}

TEST_F(ReadinessTest, HandlersWithoutSleepingAreNotReady) {
  const auto bin = testing::CompileC(dir, "spinner", kHandlerThenBusy);
  Spawned child;
  std::string err;
  ASSERT_TRUE(Spawn(testing::Spec({bin}), SpawnContext{dir.path(), dir.path()}, &child, &err))
      << err;
  ChildIo io(&child, "", 1024);
  // Wait (bounded) until it says its handler is installed.
  io.PumpUntil(Clock::now() + std::chrono::seconds(60),
               [&] { return io.out().data == "installed\n"; });
  ASSERT_EQ(io.out().data, "installed\n");
  const auto st = ReadProcStatus(child.pid);
  ASSERT_TRUE(st);
  EXPECT_TRUE((st->sig_caught >> (SIGUSR1 - 1)) & 1);                 // the handler is seen...
  EXPECT_EQ(CheckReady(child.pid, {SIGUSR1}, true), ReadyBy::kNone);  // ...but it runs
  KillTree(child.pid);
  EXPECT_EQ(io.PumpUntil(Clock::now() + std::chrono::seconds(60)), ChildIo::Wake::kExited);
}

TEST_F(ReadinessTest, AProgramThatEndsBeforeReadyGetsNoSignal) {
  auto r = RunSignal("true", {SIGUSR1}, true, 30);
  EXPECT_FALSE(r.signal->ready);
  EXPECT_FALSE(r.signal->signal_sent);
  EXPECT_EQ(r.process.exit_code, 0);
}

TEST_F(ReadinessTest, AllReadySignalsMustBeCaught) {
  const auto bin = testing::CompileC(dir, "listener", kHandlerThenPause);
  // Only SIGUSR1 has a handler: asking for SIGINT too falls back to pause.
  auto r = RunSignal(bin, {SIGINT, SIGUSR1}, true, 30);
  EXPECT_EQ(r.signal->ready_by, "pause");
  EXPECT_EQ(r.process.exit_code, 0);
}

TEST(ReadinessPieces, PauseSyscallNumbersMatchTheArchitecture) {
#if defined(__x86_64__)
  EXPECT_TRUE(IsPauseSyscall(34));    // pause
  EXPECT_TRUE(IsPauseSyscall(130));   // rt_sigsuspend
  EXPECT_FALSE(IsPauseSyscall(0));    // read
  EXPECT_FALSE(IsPauseSyscall(230));  // clock_nanosleep
#elif defined(__aarch64__)
  EXPECT_TRUE(IsPauseSyscall(133));   // rt_sigsuspend
  EXPECT_FALSE(IsPauseSyscall(101));  // nanosleep
#endif
  EXPECT_EQ(ReadyByName(ReadyBy::kSigCgt), "sigcgt");
  EXPECT_EQ(ReadyByName(ReadyBy::kPause), "pause");
  EXPECT_EQ(ReadyByName(ReadyBy::kNone), "");
}

}  // namespace
}  // namespace ipc::probe
