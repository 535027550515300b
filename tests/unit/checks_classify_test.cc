// How a process outcome is put in words (classify.h): the OOM kill the probe
// reports (ProcessResult::oom_killed) reads as the kernel's doing, with the
// container's limit when the caller knows it, and only an OOM kill does;
// and the stdin matrix's feedback says so for a cat.py that ate the memory.
#include <gtest/gtest.h>

#include <csignal>

#include "checks/check_type.h"
#include "checks/classify.h"
#include "scoring_fixture.h"

namespace ipc::checks {
namespace {

protocol::ProcessResult Killed(int sig, bool oom) {
  protocol::ProcessResult p;
  p.started = true;
  p.term_signal = sig;
  p.oom_killed = oom;
  return p;
}

TEST(DescribeExit, AnOomKillIsWordedAsOneOtherSigkillsAreNot) {
  EXPECT_EQ(DescribeExit(Killed(SIGKILL, true)), "killed by the kernel: out of memory");
  EXPECT_EQ(DescribeExit(Killed(SIGKILL, false)), "killed by SIGKILL");
}

TEST(DescribeOutOfMemory, NamesTheKernelAndTheLimitWhenKnown) {
  EXPECT_EQ(DescribeOutOfMemory(64),
            "killed by the kernel: out of memory (the container's limit "
            "is 64 MB)");
  EXPECT_EQ(DescribeOutOfMemory(), "killed by the kernel: out of memory");
  EXPECT_EQ(DescribeOutOfMemory(0), "killed by the kernel: out of memory") << "0 is no limit";
}

// A case the probe skipped after its check's earlier cases timed out
// (protocol Box::group_timeouts) is a timeout, the student's, not an error.
TEST(Classify, ACaseSkippedAfterTimeoutsIsATimeoutNotAnError) {
  protocol::ProcessResult p;
  p.started = false;
  p.timed_out = true;
  p.error = "skipped: the 3 boxes of its group before it each timed out";
  EXPECT_EQ(Classify(p, "NO").cls, OutcomeClass::kTimeout);
  rubric::Check c;
  c.id = "m";
  Evidence ev;
  protocol::StepResult st;
  st.process = p;
  EXPECT_EQ(MissingStep(ev, &st), nullptr) << "not a step the grader failed to observe";
}

TEST(Classify, AnOomKillIsACrashThatSaysOutOfMemory) {
  const Classified c = Classify(Killed(SIGKILL, /*oom=*/true), "MEOW");
  EXPECT_EQ(c.cls, OutcomeClass::kCrash);
  EXPECT_EQ(c.code, 128 + SIGKILL);
  EXPECT_TRUE(c.out_of_memory);
  EXPECT_EQ(c.Describe("MEOW", 1024), DescribeOutOfMemory(1024));
  EXPECT_EQ(c.Describe("MEOW"), DescribeOutOfMemory());
}

TEST(Classify, OtherKillsKeepTheirWordsWhateverTheLimit) {
  const Classified plain = Classify(Killed(SIGKILL, /*oom=*/false), "MEOW");
  EXPECT_FALSE(plain.out_of_memory);
  EXPECT_EQ(plain.Describe("MEOW", 1024), "crashed (exit 137)");
  protocol::ProcessResult timed_out = Killed(SIGKILL, false);
  timed_out.timed_out = true;
  EXPECT_EQ(Classify(timed_out, "MEOW").Describe("MEOW", 1024), "timed out");
  protocol::ProcessResult exited;
  exited.started = true;
  exited.exit_code = 0;
  exited.stdout_data = "MEOW\n";
  EXPECT_EQ(Classify(exited, "MEOW").Describe("MEOW", 1024), "refused (MEOW)");
}

TEST(Classify, AnOomKillComparesLikeAnyOtherSigkill) {
  // The words differ; the outcome (crash, 137) compared with the reference
  // does not: a reference killed the same way is the same behaviour.
  EXPECT_TRUE(SameOutcome(Classify(Killed(SIGKILL, true), "MEOW"),
                          Classify(Killed(SIGKILL, false), "MEOW")));
  EXPECT_FALSE(SameOutcome(Classify(Killed(SIGKILL, true), "MEOW"),
                           Classify(Killed(SIGTERM, false), "MEOW")));
}

const std::string kCatRubric = testing::RubricWithPrograms(R"(
limits: {memory_mb: 256}
parts:
  - {id: p, title: P, points: 1}
checks:
  - id: cat
    part: p
    title: cat
    type: stdin_cases
    points: 1
    program: [python, cat.py]
    reference: cat
    cases:
      - {name: zero, stdin: "../../../dev/zero"}
)");

class CatFeedback : public ::testing::Test, public testing::ScoringFixture {
 protected:
  void SetUp() override {
    Load(kCatRubric);
    Exited("cat/reference/zero", 0, "MEOW\n");
  }
};

TEST_F(CatFeedback, AStudentProgramTheKernelKilledForMemoryIsToldSoWithTheLimit) {
  Killed("cat/case.zero", SIGKILL).process.oom_killed = true;
  const auto r = Score();
  const auto& c = Check(r, "cat");
  EXPECT_EQ(c.status, report::CheckStatus::kFail);
  EXPECT_NE(c.message.find("yours " + DescribeOutOfMemory(256)), std::string::npos) << c.message;
}

TEST_F(CatFeedback, AnyOtherSigkillIsNotCalledOutOfMemory) {
  Killed("cat/case.zero", SIGKILL);
  const auto r = Score();
  const auto& c = Check(r, "cat");
  EXPECT_NE(c.message.find("yours crashed (exit 137)"), std::string::npos) << c.message;
  EXPECT_EQ(c.message.find("out of memory"), std::string::npos) << c.message;
}

}  // namespace
}  // namespace ipc::checks
