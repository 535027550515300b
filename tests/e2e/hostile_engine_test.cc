// Engine facts the hostile-submission hardening rests on: the run flags
// that bound a container beyond the resource limits, and whether the
// engine maps container root through a user namespace (docs/SECURITY.md).
// Parser tests need nothing; the detection test asks the real engine.
#include <algorithm>

#include "container/engine_cli.h"
#include "container/process.h"
#include "container/run_args.h"
#include "e2e_support.h"

namespace ipc::container {
namespace {

std::string ValueOf(const std::vector<std::string>& args, const std::string& flag) {
  const auto it = std::find(args.begin(), args.end(), flag);
  return it == args.end() || it + 1 == args.end() ? "<missing>" : *(it + 1);
}

TEST(HostileRunArgs, StudentProcessesAreTheHostsFirstOomVictimsAndShareNoIpc) {
  RunSpec spec;
  spec.image = "img";
  const auto args = BuildRunArgs(spec, "ipc-grader-x-00");
  EXPECT_EQ(ValueOf(args, "--oom-score-adj"), std::to_string(kOomScoreAdj));
  EXPECT_GT(kOomScoreAdj, 0);
  EXPECT_EQ(ValueOf(args, "--ipc"), "private");
  // Never weakened by the additions.
  EXPECT_EQ(std::find(args.begin(), args.end(), "--privileged"), args.end());
  EXPECT_EQ(ValueOf(args, "--network"), "none");
}

TEST(HostileUserns, DockerSecurityOptions) {
  EXPECT_EQ(ParseDockerSecurityOptions("[\"name=seccomp,profile=default\"]\n"), UsernsMode::kNone);
  EXPECT_EQ(ParseDockerSecurityOptions(
                "[\"name=apparmor\",\"name=seccomp,profile=default\",\"name=userns\"]"),
            UsernsMode::kRemap);
  EXPECT_EQ(ParseDockerSecurityOptions(
                "[\"name=seccomp,profile=default\",\"name=rootless\",\"name=userns\"]"),
            UsernsMode::kRootless);
  // A profile path that merely contains the word is not the option.
  EXPECT_EQ(ParseDockerSecurityOptions("[\"name=seccomp,profile=/etc/userns.json\"]"),
            UsernsMode::kNone);
  EXPECT_EQ(ParseDockerSecurityOptions(""), UsernsMode::kUnknown);
  EXPECT_EQ(ParseDockerSecurityOptions("null"), UsernsMode::kUnknown);
  EXPECT_EQ(ParseDockerSecurityOptions("template: info:1: bad"), UsernsMode::kUnknown);
}

TEST(HostileUserns, PodmanRootless) {
  EXPECT_EQ(ParsePodmanRootless("true\n"), UsernsMode::kRootless);
  EXPECT_EQ(ParsePodmanRootless("false\n"), UsernsMode::kNone);
  EXPECT_EQ(ParsePodmanRootless("Error: no such"), UsernsMode::kUnknown);
}

TEST(HostileUserns, NamesAreTheProvenanceValues) {
  EXPECT_EQ(UsernsModeName(UsernsMode::kNone), "none");
  EXPECT_EQ(UsernsModeName(UsernsMode::kRemap), "userns-remap");
  EXPECT_EQ(UsernsModeName(UsernsMode::kRootless), "rootless");
  EXPECT_EQ(UsernsModeName(UsernsMode::kUnknown), "unknown");
}

TEST(HostileUserns, DetectedOnTheRealEngineAsItsInfoSays) {
  IPC_REQUIRE_ENGINE();
  std::string info;
  ASSERT_EQ(e2e::Sh("docker info --format '{{json .SecurityOptions}}' 2>/dev/null", &info), 0);
  const EngineCli cli("docker", FindOnPath("docker"), {});
  const UsernsMode mode = DetectUserns(cli, std::chrono::seconds(30));
  EXPECT_NE(mode, UsernsMode::kUnknown) << info;
  const bool rootless = info.find("name=rootless") != std::string::npos;
  const bool remap = info.find("name=userns") != std::string::npos;
  EXPECT_EQ(mode, rootless ? UsernsMode::kRootless : remap ? UsernsMode::kRemap : UsernsMode::kNone)
      << info;
  std::printf("[ userns   ] this engine: %s\n", UsernsModeName(mode).c_str());
}

TEST(HostileUserns, AMissingCliIsUnknownNotAnError) {
  const EngineCli cli("docker", "/nonexistent/docker", {});
  EXPECT_EQ(DetectUserns(cli, std::chrono::seconds(5)), UsernsMode::kUnknown);
}

}  // namespace
}  // namespace ipc::container
