// The static probe in the real engine, as the grader uses it: PID 1 of a
// `docker run -i --network none` container of the grading image, the plan
// and a tar on stdin, one framed report on stdout. (The probe is
// bind-mounted for the tests only; the grader bakes it into a derived
// image.) Skipped when no engine answers, except in CI (CI=true) where that
// is a failure. The container is removed by name in TearDown.
#pragma once

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "probe_test_support.h"

namespace ipc::probe::testing {

inline constexpr const char* kImage = "ipc-grader/python:bookworm";

struct ProbeE2eTest : ::testing::Test {
  void SetUp() override {
    BecomeSubreaper();
    const char* ci = std::getenv("CI");
    const bool in_ci = ci && std::string(ci) == "true";
    for (const auto& argv : {std::vector<std::string>{"docker", "info"},
                             std::vector<std::string>{"docker", "image", "inspect", kImage}}) {
      auto r = Docker(argv);
      if (r.process.exit_code != 0) {
        const std::string why = argv[1] + " failed: " + r.process.error + r.process.stderr_data;
        if (in_ci) FAIL() << why << " (CI=true: the engine and the image are required)";
        GTEST_SKIP() << why;
      }
    }
    std::random_device rd;
    name_ = "ipc-probe-e2e-" + std::to_string(::getpid()) + "-" + std::to_string(rd() % 100000);
  }
  void TearDown() override {
    if (!name_.empty()) Docker({"docker", "rm", "-f", name_});
  }

  protocol::StepResult Docker(std::vector<std::string> argv, std::string input = "") {
    auto spec = Spec(std::move(argv));
    spec.stdin_data = std::move(input);
    spec.timeout_s = 300;
    spec.output_cap = 64 << 20;
    return ::ipc::probe::testing::Run(spec, "/", scratch.path());
  }

  // `writable_tools`: the tools are copied into a writable /opt/ipc-grader
  // (as in the grader's derived image) instead of a read-only mount, so a
  // student step can try to overwrite them.
  // `run_options`: more `docker run` flags (e.g. a memory limit).
  protocol::Report RunProbe(const std::string& archives, bool writable_tools = false,
                            const std::vector<std::string>& run_options = {}) {
    // Only the three tools, as in the grader's derived image: the probe
    // seals every file of its tools folder into memory the container's
    // limit counts, and the build's bin folder also holds the grader (tens
    // of MB), which alone would fill a small memory limit.
    const std::filesystem::path built = std::filesystem::path(IPC_PROBE_PATH).parent_path();
    const std::string bin_dir = (std::filesystem::path(scratch.path()) / "tools").string();
    std::filesystem::create_directories(bin_dir);
    for (const char* tool : {"probe", "ref-cat", "ref-listener"}) {
      if (!std::filesystem::exists(built / tool)) continue;
      std::filesystem::copy_file(built / tool, std::filesystem::path(bin_dir) / tool,
                                 std::filesystem::copy_options::overwrite_existing);
    }
    std::vector<std::string> argv = {
        "docker", "run",    "-i",  "--rm",    "--network",
        "none",   "--name", name_, "--label", "io.ipc-grader.test=probe-e2e"};
    argv.insert(argv.end(), run_options.begin(), run_options.end());
    if (writable_tools) {
      argv.insert(argv.end(), {"-v", bin_dir + ":/mnt/ipc-bin:ro", kImage, "sh", "-c",
                               "mkdir -p /opt/ipc-grader && cp /mnt/ipc-bin/probe "
                               "/mnt/ipc-bin/ref-cat /opt/ipc-grader/ && "
                               "exec /opt/ipc-grader/probe"});
    } else {
      argv.insert(argv.end(),
                  {"-v", bin_dir + ":/opt/ipc-grader:ro", kImage, "/opt/ipc-grader/probe"});
    }
    auto r = Docker(argv, protocol::ToJson(plan).dump() + "\n" + archives);
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

  protocol::Step& Add(const std::string& id, int group, std::vector<std::string> argv) {
    protocol::Step s;
    s.id = id;
    s.group = group;
    s.process = Spec(std::move(argv));
    plan.steps.push_back(s);
    return plan.steps.back();
  }
  static const protocol::StepResult& Get(const protocol::Report& r, const std::string& id) {
    for (const auto& s : r.steps) {
      if (s.id == id) return s;
    }
    static protocol::StepResult none;
    ADD_FAILURE() << "no step " << id;
    return none;
  }

  TempDir scratch;
  std::string name_;
  protocol::Plan plan;
};

}  // namespace ipc::probe::testing
