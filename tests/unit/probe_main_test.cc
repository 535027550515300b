// The static probe binary's own error paths, run on the host: a plan it
// cannot read at all (exit 2, nothing on stdout), and a plan it can read
// the nonce of but must reject, or whose trees are not all there (exit 0
// with a framed probe_error). None reaches the point where the probe would
// create its directories or kill anything (it is not PID 1 here); whole
// plans run in the container (probe_e2e_test).
#include "probe_test_support.h"
#include "util/tar.h"

namespace ipc::probe {
namespace {

struct ProbeRun {
  protocol::StepResult r;
  explicit ProbeRun(const std::string& input) {
    auto spec = testing::Spec({IPC_PROBE_PATH});
    spec.stdin_data = input;
    testing::TempDir dir;
    r = testing::Run(spec, dir.path(), dir.path());
  }
};

TEST(ProbeMain, StdinThatIsNotJsonExitsTwoWithAReasonOnStderr) {
  ProbeRun run("not json\n");
  EXPECT_EQ(run.r.process.exit_code, 2);
  EXPECT_EQ(run.r.process.stdout_data, "");
  EXPECT_NE(run.r.process.stderr_data.find("the plan on stdin line 1 is not JSON"),
            std::string::npos)
      << run.r.process.stderr_data;
}

TEST(ProbeMain, NoPlanLineExitsTwo) {
  ProbeRun run("");
  EXPECT_EQ(run.r.process.exit_code, 2);
  EXPECT_NE(run.r.process.stderr_data.find("no plan line"), std::string::npos);
}

TEST(ProbeMain, AnInvalidPlanWithoutUsableNonceExitsTwo) {
  ProbeRun run(R"({"version":2,"nonce":"bad nonce","boxes":[]})"
               "\n");
  EXPECT_EQ(run.r.process.exit_code, 2);
  EXPECT_EQ(run.r.process.stdout_data, "");
  EXPECT_NE(run.r.process.stderr_data.find("invalid plan: nonce:"), std::string::npos)
      << run.r.process.stderr_data;
}

TEST(ProbeMain, AnInvalidPlanWithANonceIsReportedInAFrame) {
  ProbeRun run(
      R"({"version":2,"nonce":"n42","boxes":[{"id":"b","steps":[)"
      R"({"id":"x","kind":"exec","process":{"argv":[]}}]}]})"
      "\nTAR");
  EXPECT_EQ(run.r.process.exit_code, 0);
  std::string err;
  auto report = protocol::ExtractReport(run.r.process.stdout_data, "n42", &err);
  ASSERT_TRUE(report) << err << run.r.process.stdout_data;
  EXPECT_EQ(report->probe_error,
            "invalid plan: boxes[0].steps[0].process.argv: must not be empty");
  EXPECT_TRUE(report->steps.empty());
}

TEST(ProbeMain, APlanOfAnotherProtocolVersionIsRefusedInAFrame) {
  // A grader and a probe from different builds: said so, not misread.
  ProbeRun run(R"({"version":1,"nonce":"n43","steps":[]})"
               "\n");
  EXPECT_EQ(run.r.process.exit_code, 0);
  std::string err;
  auto report = protocol::ExtractReport(run.r.process.stdout_data, "n43", &err);
  ASSERT_TRUE(report) << err << run.r.process.stdout_data;
  EXPECT_EQ(report->probe_error,
            "invalid plan: version: unsupported protocol version 1 (this build speaks 2; grader "
            "and probe must come from the same build)");
}

TEST(ProbeMain, AMissingExtraTreeIsReportedInAFrame) {
  protocol::Plan plan;
  plan.nonce = "n44";
  plan.workdir = "/w";
  plan.extra_trees = {"part1"};
  protocol::Box box;
  box.id = "b";
  box.from = protocol::FromTree("part1");
  protocol::Step step;
  step.id = "s";
  step.process.argv = {"true"};
  box.steps = {step};
  plan.boxes = {box};
  tar::Writer w;
  w.AddFile("a", "A", 0644);
  const std::string one = w.Finish();
  ProbeRun run(protocol::ToJson(plan).dump() + "\n" + one);
  EXPECT_EQ(run.r.process.exit_code, 0);
  std::string err;
  auto report = protocol::ExtractReport(run.r.process.stdout_data, "n44", &err);
  ASSERT_TRUE(report) << err << run.r.process.stdout_data;
  EXPECT_EQ(report->probe_error.rfind("stdin: extra tree 1 of 1 (at byte " +
                                          std::to_string(one.size()) + "): ",
                                      0),
            0u)
      << report->probe_error;
  EXPECT_TRUE(report->steps.empty());
}

}  // namespace
}  // namespace ipc::probe
