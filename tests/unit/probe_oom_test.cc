// Telling an OOM kill from other SIGKILLs (oom_ledger.h): the counter's
// text in both cgroup versions, the attribution rules as pure functions,
// the ledger over interleaved steps with a scripted counter, and RunPlan
// with real processes against a stand-in cgroup directory whose counter a
// step raises itself.
#include <signal.h>
#include <sys/stat.h>

#include <deque>

#include "probe/oom_ledger.h"
#include "probe/box_runner.h"
#include "probe_test_support.h"
#include "util/tar.h"

namespace ipc::probe {
namespace {

using protocol::ProcessResult;

// As the kernel writes them (cgroup v2 memory.events, v1 memory.oom_control).
constexpr const char* kV2Events = "low 0\nhigh 0\nmax 12\noom 3\noom_kill 2\noom_group_kill 0\n";
constexpr const char* kV1Control = "oom_kill_disable 0\nunder_oom 0\noom_kill 7\n";

TEST(OomCounter, ParsesTheOomKillLineOfBothVersionsAndNothingElse) {
  EXPECT_EQ(ParseOomKills(kV2Events), 2u);
  EXPECT_EQ(ParseOomKills(kV1Control), 7u);
  EXPECT_EQ(ParseOomKills("oom_kill 18446744073709551615"), UINT64_MAX);
  // Neighbours whose names start alike are not the counter.
  EXPECT_EQ(ParseOomKills("oom_kill_disable 1\noom_group_kill 4\n"), std::nullopt);
  EXPECT_EQ(ParseOomKills(""), std::nullopt);
  EXPECT_EQ(ParseOomKills("oom_kill \n"), std::nullopt);
  EXPECT_EQ(ParseOomKills("oom_kill 3x\n"), std::nullopt);
  EXPECT_EQ(ParseOomKills("oom_kill -1\n"), std::nullopt);
}

struct CgroupDir : ::testing::Test {
  void Write(const std::string& rel, const std::string& text) {
    ::mkdir((dir / "memory").c_str(), 0755);
    testing::WriteFile(dir / rel, text);
  }
  testing::TempDir dir;
};

TEST_F(CgroupDir, ReadsV2FirstThenV1AndNothingWhenNeitherIsThere) {
  EXPECT_EQ(ReadOomKills(dir.path()), std::nullopt);
  EXPECT_EQ(ReadOomKills(dir / "missing"), std::nullopt);
  Write("memory/memory.oom_control", kV1Control);
  EXPECT_EQ(ReadOomKills(dir.path()), 7u);
  Write("memory.events", kV2Events);
  EXPECT_EQ(ReadOomKills(dir.path()), 2u);
  // A v2 file without the line (older kernels) falls back to v1.
  Write("memory.events", "low 0\nhigh 0\n");
  EXPECT_EQ(ReadOomKills(dir.path()), 7u);
}

TEST(OomRules, ARiseIsPinnedOnlyOnAStepThatRanAloneWithBothReadings) {
  EXPECT_TRUE(RoseWhileAlone(3, 4, 0));
  EXPECT_TRUE(RoseWhileAlone(0, 2, 0));
  EXPECT_FALSE(RoseWhileAlone(3, 4, 1)) << "another step ran: the kill may be its";
  EXPECT_FALSE(RoseWhileAlone(3, 3, 0)) << "no rise";
  EXPECT_FALSE(RoseWhileAlone(std::nullopt, 4, 0)) << "unreadable before";
  EXPECT_FALSE(RoseWhileAlone(3, std::nullopt, 0)) << "unreadable after";
  EXPECT_FALSE(RoseWhileAlone(std::nullopt, std::nullopt, 0));
}

ProcessResult Ended(std::optional<int> sig, std::optional<int> code = std::nullopt) {
  ProcessResult p;
  p.started = true;
  p.term_signal = sig;
  p.exit_code = code;
  return p;
}

TEST(OomRules, OnlyASigkillTheProbeDidNotSendIsAnOomKill) {
  EXPECT_TRUE(AttributeOomKill(Ended(SIGKILL), false, /*rose_alone=*/true));
  EXPECT_FALSE(AttributeOomKill(Ended(SIGKILL), false, /*rose_alone=*/false));
  // Ended otherwise while the counter rose (a child of it was the victim).
  EXPECT_FALSE(AttributeOomKill(Ended(std::nullopt, 137), false, true));
  EXPECT_FALSE(AttributeOomKill(Ended(SIGSEGV), false, true));
  // The probe's own kills: its wall limit, a signal step sending SIGKILL.
  ProcessResult timed_out = Ended(SIGKILL);
  timed_out.timed_out = true;
  EXPECT_FALSE(AttributeOomKill(timed_out, false, true));
  EXPECT_FALSE(AttributeOomKill(Ended(SIGKILL), /*probe_sent_sigkill=*/true, true));
  ProcessResult never = Ended(SIGKILL);
  never.started = false;
  EXPECT_FALSE(AttributeOomKill(never, false, true));
}

// A counter that returns the scripted values in turn, one per reading.
struct Script {
  OomLedger::Reader Reader() {
    return [this]() -> std::optional<std::uint64_t> {
      ++reads;
      if (values.empty()) {
        ADD_FAILURE() << "more readings than scripted";
        return std::nullopt;
      }
      auto v = values.front();
      values.pop_front();
      return v;
    };
  }
  std::deque<std::optional<std::uint64_t>> values;
  int reads = 0;
};

TEST(OomLedgerTest, ARiseDuringAStepThatRanAloneIsItsOwn) {
  Script s{{0, 1}};
  OomLedger ledger(s.Reader());
  const auto a = ledger.Enter();
  EXPECT_TRUE(ledger.Leave(a));
  EXPECT_EQ(s.reads, 2);
}

TEST(OomLedgerTest, ARiseWhileTwoStepsRanIsPinnedOnNeither) {
  // a enters (0), b enters (0), the counter rises, a leaves (1), b leaves (1).
  Script s{{0, 0, 1, 1}};
  OomLedger ledger(s.Reader());
  const auto a = ledger.Enter();
  const auto b = ledger.Enter();
  EXPECT_FALSE(ledger.Leave(a));
  EXPECT_FALSE(ledger.Leave(b));
}

TEST(OomLedgerTest, ARiseInTheStretchAStepHadToItselfIsPinnedEvenIfOthersCameLater) {
  // a alone from 0 to 1, then b joins; a rise after b joined is no one's.
  Script s{{0, 1, 2, 2}};
  OomLedger ledger(s.Reader());
  const auto a = ledger.Enter();
  const auto b = ledger.Enter();
  EXPECT_FALSE(ledger.Leave(b));
  EXPECT_TRUE(ledger.Leave(a));
}

TEST(OomLedgerTest, AStepThatOutlivesAnotherGetsTheRiseAfterwards) {
  // a and b together (no rise), b leaves, then a alone sees a rise.
  Script s{{0, 0, 0, 1}};
  OomLedger ledger(s.Reader());
  const auto a = ledger.Enter();
  const auto b = ledger.Enter();
  EXPECT_FALSE(ledger.Leave(b));
  EXPECT_TRUE(ledger.Leave(a));
}

TEST(OomLedgerTest, ARiseBetweenStepsIsNoOnesAndUnreadableMeansNever) {
  Script s{{0, 0, 5, 5, std::nullopt, 9}};
  OomLedger ledger(s.Reader());
  // Rise from 0 to 5 while nothing ran (a sweep between groups).
  const auto a = ledger.Enter();
  EXPECT_FALSE(ledger.Leave(a));
  const auto b = ledger.Enter();
  EXPECT_FALSE(ledger.Leave(b));
  // The counter could not be read when c started.
  const auto c = ledger.Enter();
  EXPECT_FALSE(ledger.Leave(c));
}

// RunPlan with real processes, its counter in a temporary directory that
// the step itself raises, as the kernel would just before its SIGKILL.
// Steps run one at a time, each in its own box here.
struct OomPlanTest : ::testing::Test {
  void SetUp() override {
    testing::BecomeSubreaper();
    opt.private_dir = dir / "private";
    opt.cgroup_root = dir / "cgroup";
    opt.proc_root = dir / "proc";  // no SysV listing: the host's objects are not ours
    ::mkdir(opt.cgroup_root.c_str(), 0755);
    testing::WriteFile(opt.cgroup_root + "/memory.events", "oom 0\noom_kill 0\n");
    plan.nonce = "oom";
    plan.workdir = dir / "work";
  }
  protocol::Step& Add(const std::string& id, const std::string& script) {
    protocol::Box box;
    box.id = id;
    protocol::Step s;
    s.id = id;
    s.process = testing::Spec({"sh", "-c", script});
    s.process.env["CG"] = opt.cgroup_root;
    box.steps.push_back(s);
    plan.boxes.push_back(box);
    return plan.boxes.back().steps.back();
  }
  protocol::Report Run() {
    protocol::ValidatePlan(plan);
    Trees trees;
    trees.main = tar::Writer().Finish();  // an empty submission
    return RunPlan(plan, trees, opt);
  }
  static const ProcessResult& Get(const protocol::Report& r, const std::string& id) {
    for (const auto& s : r.steps) {
      if (s.id == id) return s.process;
    }
    ADD_FAILURE() << "no step " << id;
    static ProcessResult none;
    return none;
  }
  // Raises the counter to n, then SIGKILLs the shell itself.
  static std::string RaiseAndDie(int n) {
    return "echo 'oom_kill " + std::to_string(n) + "' > \"$CG/memory.events\"; kill -9 $$";
  }
  testing::TempDir dir;
  ProbeOptions opt;
  protocol::Plan plan;
};

TEST_F(OomPlanTest, ASigkilledStepThatRaisedTheCounterIsOomKilled) {
  Add("oom", RaiseAndDie(1));
  Add("kill9", "kill -9 $$");
  Add("raised-and-exited", "echo 'oom_kill 2' > \"$CG/memory.events\"; exit 137");
  Add("after", "true");
  const auto r = Run();
  EXPECT_EQ(r.probe_error, "");
  EXPECT_EQ(Get(r, "oom").term_signal, SIGKILL);
  EXPECT_TRUE(Get(r, "oom").oom_killed);
  EXPECT_EQ(Get(r, "kill9").term_signal, SIGKILL);
  EXPECT_FALSE(Get(r, "kill9").oom_killed) << "SIGKILL without a rise";
  EXPECT_EQ(Get(r, "raised-and-exited").exit_code, 137);
  EXPECT_FALSE(Get(r, "raised-and-exited").oom_killed) << "a rise without a SIGKILL";
  EXPECT_FALSE(Get(r, "after").oom_killed);
}

TEST_F(OomPlanTest, TheProbesOwnKillsAreNeverOomEvenWhenTheCounterRose) {
  // Its wall limit, after raising the counter (the write comes first: a
  // shell starts in far less than the limit).
  Add("timeout", "echo 'oom_kill 1' > \"$CG/memory.events\"; exec sleep 1000").process.timeout_s = 1;
  // A signal step told to send SIGKILL. It is ready once the shell has a
  // USR1 handler and waits, which is after it raised the counter.
  auto& sig = Add("signal", "echo 'oom_kill 2' > \"$CG/memory.events\"; trap : USR1; sleep 1000 & wait");
  sig.kind = protocol::Step::Kind::kSignal;
  sig.signal = SIGKILL;
  sig.ready_signals = {SIGUSR1};
  sig.ready_on_pause = false;
  sig.ready_timeout_s = 30;
  const auto r = Run();
  EXPECT_TRUE(Get(r, "timeout").timed_out);
  EXPECT_FALSE(Get(r, "timeout").oom_killed);
  ASSERT_TRUE(r.steps[1].signal);
  EXPECT_TRUE(r.steps[1].signal->ready);
  EXPECT_EQ(Get(r, "signal").term_signal, SIGKILL);
  EXPECT_FALSE(Get(r, "signal").oom_killed);
}

TEST_F(OomPlanTest, AnOomKillInAnEarlierAttemptIsKeptWithThatAttempt) {
  // The first attempt is killed for memory, the second passes.
  Add("retried", "if [ -e \"$CG/tried\" ]; then exit 0; fi; touch \"$CG/tried\"; " +
                     RaiseAndDie(1));
  plan.boxes.back().attempts = 2;
  const auto r = Run();
  ASSERT_EQ(r.steps.size(), 1u);
  ASSERT_EQ(r.steps[0].earlier_attempts.size(), 1u);
  EXPECT_TRUE(r.steps[0].earlier_attempts[0].oom_killed);
  EXPECT_EQ(r.steps[0].process.exit_code, 0);
  EXPECT_FALSE(r.steps[0].process.oom_killed);
}

TEST_F(OomPlanTest, NoCounterNoClaim) {
  ::unlink((opt.cgroup_root + "/memory.events").c_str());
  Add("raises-nothing", "kill -9 $$");
  const auto r = Run();
  EXPECT_EQ(Get(r, "raises-nothing").term_signal, SIGKILL);
  EXPECT_FALSE(Get(r, "raises-nothing").oom_killed);
}

}  // namespace
}  // namespace ipc::probe
