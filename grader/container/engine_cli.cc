#include "container/engine_cli.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>
#include <utility>

namespace ipc::container {
namespace {

constexpr std::size_t kMaxErrorText = 2000;
constexpr std::uint64_t kCliOutputCap = 1u << 20;

bool Contains(const std::string& haystack, std::string_view needle) {
  return haystack.find(needle) != std::string::npos;
}

}  // namespace

EngineCli::EngineCli(std::string engine, std::string binary,
                     std::map<std::string, std::string> env)
    : engine_(std::move(engine)),
      binary_(std::move(binary)),
      installed_(!binary_.empty() && ::access(binary_.c_str(), X_OK) == 0),
      env_(std::move(env)) {}

ProcessOptions EngineCli::Options(std::vector<std::string> args) const {
  ProcessOptions o;
  o.argv.push_back(binary_.empty() ? engine_ : binary_);
  // podman's default OCI runtime (crun) fails on cgroup v1 hybrid hosts;
  // runc works. It is a global flag, so it precedes the subcommand.
  if (engine_ == "podman") o.argv.insert(o.argv.end(), {"--runtime", "runc"});
  o.argv.insert(o.argv.end(), std::make_move_iterator(args.begin()),
                std::make_move_iterator(args.end()));
  o.env = env_;
  o.output_cap = kCliOutputCap;
  return o;
}

ProcessResult EngineCli::Run(std::vector<std::string> args, std::chrono::milliseconds deadline,
                             std::string stdin_data) const {
  ProcessOptions o = Options(std::move(args));
  o.deadline = deadline;
  o.stdin_data = std::move(stdin_data);
  return RunProcess(o);
}

std::vector<std::string> EngineCli::InfoArgs() const {
  // A literal newline between the two fields: Go templates copy text
  // outside {{...}} verbatim, and neither field can hold one.
  // `podman version` never touches storage or the runtime; `podman info`
  // does, which is what "the engine works" means for a daemonless engine.
  if (engine_ == "podman") {
    return {"info", "--format",
            "{{.Version.Version}}\n{{.Host.Security.Rootless}}\n{{json .Host.CgroupControllers}}"};
  }
  // `docker info` fails exactly like `docker version` when no engine
  // answers (exit 1, the same "Cannot connect" / "permission denied" text
  // on stderr), so the diagnostics of EngineFailureMessage still apply.
  return {"info", "--format",
          "{{.ServerVersion}}\n{{json .SecurityOptions}}\n"
          "{{.MemoryLimit}} {{.PidsLimit}} {{.CPUCfsQuota}}"};
}

std::string EngineCli::PsLabelField(const std::string& key) const {
  return engine_ == "podman" ? "{{index .Labels \"" + key + "\"}}" : "{{.Label \"" + key + "\"}}";
}

std::vector<std::string> EngineCli::RunOptions() const {
  if (engine_ != "podman") return {};
  // podman asks for RLIMIT_NPROC 4194304 unless told otherwise, and runc
  // cannot raise it above the limit of podman's monitor (conmon), which
  // podman caps at min(our hard limit, kernel.pid_max): "error setting
  // rlimit type 6: operation not permitted". Ask for exactly that cap, the
  // largest value that works. (NOFILE has the same problem and BuildRunArgs
  // already pins it.) Docker sets no nproc and must not: the limit counts
  // every process of the UID on the host (root), not the container's.
  struct rlimit lim {};
  rlim_t nproc = ::getrlimit(RLIMIT_NPROC, &lim) == 0 ? lim.rlim_max : RLIM_INFINITY;
  std::ifstream pid_max_file("/proc/sys/kernel/pid_max");
  unsigned long long pid_max = 0;
  if (pid_max_file >> pid_max && pid_max > 0) nproc = std::min<rlim_t>(nproc, pid_max);
  if (nproc == RLIM_INFINITY) return {};
  const std::string n = std::to_string(nproc);
  return {"--ulimit", "nproc=" + n + ":" + n};
}

EngineProblem ClassifyEngineProblem(const ProcessResult& result) {
  if (!result.spawned) return EngineProblem::kNotInstalled;
  if (result.deadline_hit) return EngineProblem::kTimedOut;
  const std::string& err = result.stderr_data;
  if (Contains(err, "permission denied") || Contains(err, "Permission denied")) {
    return EngineProblem::kPermissionDenied;
  }
  if (Contains(err, "Cannot connect to the Docker daemon") ||
      Contains(err, "Is the docker daemon running") || Contains(err, "connection refused") ||
      Contains(err, "no such host") || Contains(err, "unable to connect to Podman") ||
      Contains(err, "error during connect")) {
    return EngineProblem::kNotAnswering;
  }
  return EngineProblem::kOther;
}

std::string CliErrorText(const ProcessResult& result) {
  if (!result.spawned) return result.spawn_error;
  std::string text = result.stderr_data;
  const auto hint = text.find("\nRun '");
  if (hint != std::string::npos) text.erase(hint);
  text = Trim(std::move(text));
  if (text.empty()) text = Trim(result.stdout_data);
  if (text.empty()) text = result.Describe();
  if (text.size() > kMaxErrorText) text = text.substr(0, kMaxErrorText) + "...";
  for (char& c : text) {
    if (c == '\n') c = ' ';
  }
  return text;
}

std::string NotInstalledMessage(const std::string& engine, const std::string& binary) {
  const std::string where = binary.empty() ? "no '" + engine + "' on PATH"
                                           : "'" + binary + "' is not an executable file";
  const std::string fix = engine == "podman"
                              ? "apt-get install podman, or use docker"
                              : "run scripts/setup.sh (it installs docker.io and starts an "
                                "engine), or install Docker yourself";
  return "the " + engine + " CLI is not installed (" + where + "). Fix: " + fix + ".";
}

std::string EngineFailureMessage(const std::string& engine, const std::string& binary,
                                 const ProcessResult& result) {
  const std::string words = engine + ": " + CliErrorText(result);
  switch (ClassifyEngineProblem(result)) {
    case EngineProblem::kNotInstalled:
      return NotInstalledMessage(engine, binary);
    case EngineProblem::kPermissionDenied:
      return "permission denied on the " + engine + " engine's socket (" + words +
             "). Fix: run the grader as a user in the 'docker' group (usermod -aG docker "
             "$USER, then log in again) or as root; for a remote engine set DOCKER_HOST.";
    case EngineProblem::kTimedOut:
      return "the " + engine + " engine did not answer '" + binary +
             " info' in time. Fix: check the engine (systemctl status docker, or "
             "restart it with scripts/setup.sh); for a remote engine check DOCKER_HOST.";
    case EngineProblem::kNotAnswering:
      if (engine == "podman") {
        return "podman does not work here (" + words +
               "). Fix: check `podman --runtime runc info`; or use --engine docker.";
      }
      return "no Docker engine answers (" + words +
             "). Fix: run scripts/setup.sh, which starts one, or start Docker yourself "
             "(systemctl start docker / Docker Desktop); for a remote engine set DOCKER_HOST.";
    case EngineProblem::kOther:
      break;
  }
  return "the " + engine + " engine failed its check (" + words +
         "). Fix: run `" + binary + " info` to see what is wrong, or run scripts/setup.sh.";
}

std::string UsernsModeName(UsernsMode mode) {
  switch (mode) {
    case UsernsMode::kNone:
      return "none";
    case UsernsMode::kRemap:
      return "userns-remap";
    case UsernsMode::kRootless:
      return "rootless";
    case UsernsMode::kUnknown:
      break;
  }
  return "unknown";
}

UsernsMode ParseDockerSecurityOptions(const std::string& text) {
  const std::string t = Trim(text);
  // Every engine lists at least one option (seccomp, apparmor, selinux or
  // cgroupns): an empty or non-list answer is not "no userns".
  if (t.size() < 2 || t.front() != '[' || t.back() != ']' || !Contains(t, "name=")) {
    return UsernsMode::kUnknown;
  }
  // Options are quoted entries "name=X,key=value,..."; match whole names.
  if (Contains(t, "\"name=rootless")) return UsernsMode::kRootless;
  if (Contains(t, "\"name=userns")) return UsernsMode::kRemap;
  return UsernsMode::kNone;
}

UsernsMode ParsePodmanRootless(const std::string& text) {
  const std::string t = Trim(text);
  if (t == "true") return UsernsMode::kRootless;
  if (t == "false") return UsernsMode::kNone;
  return UsernsMode::kUnknown;
}

UsernsMode DetectUserns(const EngineCli& cli, std::chrono::milliseconds deadline) {
  if (!cli.installed()) return UsernsMode::kUnknown;
  const bool podman = cli.engine() == "podman";
  const ProcessResult r =
      cli.Run(podman ? std::vector<std::string>{"info", "--format", "{{.Host.Security.Rootless}}"}
                     : std::vector<std::string>{"info", "--format", "{{json .SecurityOptions}}"},
              deadline);
  if (!r.Succeeded()) return UsernsMode::kUnknown;
  return podman ? ParsePodmanRootless(r.stdout_data) : ParseDockerSecurityOptions(r.stdout_data);
}

EngineInfo ParseEngineInfo(const std::string& engine, const std::string& text) {
  EngineInfo info;
  std::vector<std::string> lines;  // by position: the version's may be empty
  std::istringstream text_in(text);
  for (std::string line; std::getline(text_in, line);) lines.push_back(std::move(line));
  info.version = lines.empty() ? "" : Trim(lines[0]);
  // Without an engine docker still prints the template, with an empty
  // version: the caller treats that as a failed check.
  if (info.version.empty() || lines.size() < 2) return info;
  const bool podman = engine == "podman";
  info.userns = podman ? ParsePodmanRootless(lines[1]) : ParseDockerSecurityOptions(lines[1]);
  if (lines.size() < 3 || Trim(lines[2]).empty()) return info;  // not said: not refused
  // The limits the grader sets on every container (run_args.cc), by the
  // name of the cgroup controller that enforces each.
  static constexpr const char* kNeeded[] = {"memory", "pids", "cpu"};
  if (podman) {
    // The controllers podman can use for its containers, as JSON: []
    // when it has none (rootless on cgroup v1, or v2 without delegation).
    const std::string& list = lines[2];
    for (const char* c : kNeeded) {
      if (list.find(std::string("\"") + c + "\"") == std::string::npos) {
        info.missing_limits.push_back(c);
      }
    }
  } else {
    // docker: MemoryLimit PidsLimit CPUCfsQuota, each true or false.
    std::istringstream in(lines[2]);
    for (const char* c : kNeeded) {
      std::string word;
      if (in >> word && word == "false") info.missing_limits.push_back(c);
    }
  }
  return info;
}

}  // namespace ipc::container
