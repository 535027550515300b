// Engine facts the hostile-submission hardening rests on: the run flags
// that bound a container beyond the resource limits, and whether the
// engine maps container root through a user namespace (docs/SECURITY.md).
// Parser tests need nothing; the detection test asks the real engine.
#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

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

TEST(HostileRunArgs, TheGradersSeccompProfileIsPassedAsAHostFile) {
  RunSpec spec;
  spec.image = "img";
  spec.seccomp_profile = "/opt/grader/bin/seccomp.json";
  const auto args = BuildRunArgs(spec, "ipc-grader-x-00");
  const auto count = [&](const std::string& value) {
    return std::count(args.begin(), args.end(), value);
  };
  EXPECT_EQ(count("seccomp=/opt/grader/bin/seccomp.json"), 1);
  EXPECT_EQ(count("no-new-privileges"), 1) << "the profile is in addition, not instead";
  // Before the image: everything after it is the container's command.
  const auto image = std::find(args.begin(), args.end(), "img");
  EXPECT_LT(std::find(args.begin(), args.end(), "seccomp=/opt/grader/bin/seccomp.json"), image);
  // Without one, no seccomp option at all: the engine's default applies.
  spec.seccomp_profile.clear();
  for (const auto& a : BuildRunArgs(spec, "ipc-grader-x-00")) {
    EXPECT_EQ(a.find("seccomp"), std::string::npos) << a;
  }
}

nlohmann::json LoadJson(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_FALSE(text.str().empty()) << path;
  return nlohmann::json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
}

// docker/seccomp.json: what grading never needs fails with EPERM; no rule
// depends on a capability (none a grading container has would unlock one, and
// a capability added later must not quietly unlock mount or bpf); clone3 is
// ENOSYS so glibc falls back to clone, whose namespace flags stay refused.
TEST(HostileSeccomp, TheProfileRefusesWhatGradingNeverNeeds) {
  const nlohmann::json p = LoadJson(e2e::SourceDir() + "/docker/seccomp.json");
  ASSERT_TRUE(p.is_object());
  EXPECT_EQ(p.value("defaultAction", ""), "SCMP_ACT_ERRNO");
  EXPECT_EQ(p.value("defaultErrnoRet", 0), 1) << "EPERM";
  std::set<std::string> allowed;
  bool clone3_enosys = false;
  for (const auto& rule : p["syscalls"]) {
    EXPECT_FALSE(rule.contains("includes") && rule["includes"].contains("caps")) << rule.dump();
    EXPECT_FALSE(rule.contains("excludes")) << rule.dump();
    for (const auto& name : rule["names"]) {
      const std::string n = name.get<std::string>();
      if (rule.value("action", "") == "SCMP_ACT_ALLOW") allowed.insert(n);
      if (n == "clone3") {
        clone3_enosys = rule.value("action", "") == "SCMP_ACT_ERRNO" && rule.value("errnoRet", 0) == 38;
      }
    }
  }
  for (const char* refused :
       {"keyctl", "add_key", "request_key", "bpf", "perf_event_open", "userfaultfd",
        "io_uring_setup", "io_uring_enter", "io_uring_register", "unshare", "setns", "mount",
        "umount2", "pivot_root", "chroot", "kexec_load", "kexec_file_load", "init_module",
        "finit_module", "process_vm_readv", "process_vm_writev", "modify_ldt", "open_by_handle_at",
        "fsopen", "fsmount", "move_mount", "open_tree", "syslog", "acct", "swapon", "reboot"}) {
    EXPECT_EQ(allowed.count(refused), 0u) << refused;
  }
  EXPECT_TRUE(clone3_enosys);
  // What the assignment, its CI job and the probe (its tracer) need.
  for (const char* needed : {"clone", "fork", "execve", "ptrace", "setresuid", "setgroups", "kill",
                             "chown", "mknod", "wait4", "socket", "personality", "msgget",
                             "shmget", "semget", "mq_open", "close_range"}) {
    EXPECT_EQ(allowed.count(needed), 1u) << needed;
  }
  // The build copies it beside the grader, where the grader reads it.
  EXPECT_EQ(LoadJson(e2e::BinDir() + "/" + kSeccompProfileFile), p)
      << "build/bin/seccomp.json is stale: rerun cmake";
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
