// The static probe binary's own error paths, run on the host: a plan it
// cannot read at all (exit 2, nothing on stdout), and a plan it can read
// the nonce of but must reject (exit 0 with a framed probe_error). Neither
// reaches the point where the probe would create its directories.
#include "probe_test_support.h"

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
  ProbeRun run(R"({"version":1,"nonce":"bad nonce","steps":[]})"
               "\n");
  EXPECT_EQ(run.r.process.exit_code, 2);
  EXPECT_EQ(run.r.process.stdout_data, "");
  EXPECT_NE(run.r.process.stderr_data.find("invalid plan: nonce:"), std::string::npos)
      << run.r.process.stderr_data;
}

TEST(ProbeMain, AnInvalidPlanWithANonceIsReportedInAFrame) {
  ProbeRun run(
      R"({"version":1,"nonce":"n42","steps":[{"id":"x","kind":"exec","process":{"argv":[]}}]})"
      "\nTAR");
  EXPECT_EQ(run.r.process.exit_code, 0);
  std::string err;
  auto report = protocol::ExtractReport(run.r.process.stdout_data, "n42", &err);
  ASSERT_TRUE(report) << err << run.r.process.stdout_data;
  EXPECT_EQ(report->probe_error, "invalid plan: steps[0].process.argv: must not be empty");
  EXPECT_TRUE(report->steps.empty());
}

}  // namespace
}  // namespace ipc::probe
