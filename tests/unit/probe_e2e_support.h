// The static probe in the real engine, as the grader uses it: PID 1 of a
// container of the grading image (IPC_TEST_IMAGE, default
// ipc-grader/python:bookworm) started with the grader's own `docker run`
// arguments (container/run_args.h): read-only image, the workdir and the
// folders of protocol/box_layout.h writable, no network, the grader's
// capabilities and limits; the plan and the tars on stdin, one framed
// report on stdout. The grader bakes the tools into a derived image at
// /opt/ipc-grader; here the freshly built ones are mounted there
// read-only, which is the same to everything inside. Skipped when no
// engine answers, except in CI (CI=true) where that is a failure. The
// container is removed by name in TearDown.
#pragma once

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "container/run_args.h"
#include "probe_test_support.h"
#include "protocol/box_layout.h"

namespace ipc::probe::testing {

inline std::string TestImage() {
  const char* image = std::getenv("IPC_TEST_IMAGE");
  return image && *image ? image : "ipc-grader/python:bookworm";
}

inline constexpr const char* kToolsDir = "/opt/ipc-grader";

struct ProbeE2eTest : ::testing::Test {
  void SetUp() override {
    BecomeSubreaper();
    const char* ci = std::getenv("CI");
    const bool in_ci = ci && std::string(ci) == "true";
    for (const auto& argv : {std::vector<std::string>{"docker", "info"},
                             std::vector<std::string>{"docker", "image", "inspect", TestImage()}}) {
      auto r = Docker(argv);
      if (r.process.exit_code != 0) {
        const std::string why = argv[1] + " failed: " + r.process.error + r.process.stderr_data;
        if (in_ci) FAIL() << why << " (CI=true: the engine and the image are required)";
        GTEST_SKIP() << why;
      }
    }
    std::random_device rd;
    name_ = "ipc-probe-e2e-" + std::to_string(::getpid()) + "-" + std::to_string(rd() % 100000);
    plan.nonce = "e2e" + std::to_string(::getpid());
    plan.workdir = "/root";
    plan.system_dirs = protocol::SystemDirs();
  }
  void TearDown() override {
    if (!name_.empty()) Docker({"docker", "rm", "-f", name_});
  }

  protocol::StepResult Docker(std::vector<std::string> argv, std::string input = "") {
    auto spec = Spec(std::move(argv));
    spec.stdin_data = std::move(input);
    spec.timeout_s = 300;
    spec.output_cap = 64 << 20;
    // The probe's spawn starts from a fixed environment: pass on what
    // tells the CLI which engine to talk to.
    for (const char* var : {"DOCKER_HOST", "DOCKER_CONTEXT", "DOCKER_CONFIG", "DOCKER_CERT_PATH",
                            "DOCKER_TLS_VERIFY"}) {
      if (const char* v = std::getenv(var)) spec.env[var] = v;
    }
    return ::ipc::probe::testing::Run(spec, "/", scratch.path());
  }

  // The grader's RunSpec for a probe run (pipeline/grade.cc).
  container::RunSpec GraderRunSpec() const {
    container::RunSpec spec;
    spec.image = TestImage();
    spec.command = {std::string(kToolsDir) + "/probe"};
    spec.workdir = "/";
    spec.seccomp_profile = (std::filesystem::path(IPC_PROBE_PATH).parent_path() /
                            container::kSeccompProfileFile)
                               .string();
    spec.writable.push_back({plan.workdir, false, 0755});
    for (const auto& m : protocol::WritableMounts()) {
      const bool sticky = m.path == "/tmp" || m.path == "/var/tmp";
      spec.writable.push_back({m.path, m.image_content, sticky ? 01777 : 0755});
    }
    return spec;
  }

  // Runs the plan in a container made as `spec` says; `archives` follow
  // the plan line on stdin.
  protocol::Report RunProbe(const std::string& archives, container::RunSpec spec) {
    // Only the tools, as in the grader's derived image.
    const std::filesystem::path built = std::filesystem::path(IPC_PROBE_PATH).parent_path();
    const std::string bin_dir = (std::filesystem::path(scratch.path()) / "tools").string();
    std::filesystem::create_directories(bin_dir);
    for (const char* tool : {"probe", "ref-cat", "ref-listener"}) {
      if (!std::filesystem::exists(built / tool)) continue;
      std::filesystem::copy_file(built / tool, std::filesystem::path(bin_dir) / tool,
                                 std::filesystem::copy_options::overwrite_existing);
    }
    // A label value of our own: a grader's ReapLeftovers elsewhere on this
    // engine (label value "1") leaves this container alone.
    auto args = container::BuildRunArgs(spec, name_, "probe-e2e-" + std::to_string(::getpid()),
                                        {"-v", bin_dir + ":" + kToolsDir + ":ro"});
    args.insert(args.begin(), "docker");
    protocol::ValidatePlan(plan);
    auto r = Docker(args, protocol::ToJson(plan).dump() + "\n" + archives);
    EXPECT_EQ(r.process.exit_code, 0) << r.process.stderr_data;
    std::string err;
    auto report = protocol::ExtractReport(r.process.stdout_data, plan.nonce, &err);
    if (!report) {
      ADD_FAILURE() << err << "\nstdout: " << r.process.stdout_data
                    << "\nstderr: " << r.process.stderr_data;
      return {};
    }
    return *report;
  }
  protocol::Report RunProbe(const std::string& archives) {
    return RunProbe(archives, GraderRunSpec());
  }

  protocol::Box& AddBox(const std::string& id, const std::string& from = protocol::kFromPristine) {
    protocol::Box b;
    b.id = id;
    b.from = from;
    plan.boxes.push_back(b);
    return plan.boxes.back();
  }
  // A step of the last box added.
  protocol::Step& Add(const std::string& id, std::vector<std::string> argv, bool student = true) {
    protocol::Step s;
    s.id = id;
    s.student = student;
    s.process = Spec(std::move(argv));
    plan.boxes.back().steps.push_back(s);
    return plan.boxes.back().steps.back();
  }
  protocol::Step& Sh(const std::string& id, const std::string& script, bool student = true) {
    return Add(id, {"sh", "-c", script}, student);
  }
  static const protocol::StepResult& Get(const protocol::Report& r, const std::string& id) {
    for (const auto& s : r.steps) {
      if (s.id == id) return s;
    }
    static protocol::StepResult none;
    ADD_FAILURE() << "no step " << id;
    return none;
  }
  static std::string Out(const protocol::Report& r, const std::string& id) {
    const auto& p = Get(r, id).process;
    return p.stdout_data + (p.stderr_data.empty() ? "" : "[stderr] " + p.stderr_data) +
           (p.error.empty() ? "" : "[error] " + p.error);
  }

  TempDir scratch;
  std::string name_;
  protocol::Plan plan;
};

}  // namespace ipc::probe::testing
