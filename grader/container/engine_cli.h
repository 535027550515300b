// The engine's command-line client: the binary, its global flags, the
// environment it runs with, and how its failures read to a user.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "container/process.h"
#include "util/strings.h"

namespace ipc::container {

class EngineCli {
 public:
  // engine: "docker" or "podman". binary: path of the CLI, "" when it is
  // not on PATH; installed() is false unless it is an executable file
  // (every Run then fails to spawn, naming it).
  EngineCli(std::string engine, std::string binary, std::map<std::string, std::string> env);

  const std::string& engine() const { return engine_; }
  const std::string& binary() const { return binary_; }
  bool installed() const { return installed_; }

  // Options for `<binary> <global flags> args...`; the caller adds stdin,
  // caps and the deadline.
  ProcessOptions Options(std::vector<std::string> args) const;
  ProcessResult Run(std::vector<std::string> args, std::chrono::milliseconds deadline,
                    std::string stdin_data = {}) const;

  // Arguments of the one `info` call that both checks the engine and says
  // how it maps users: line 1 is the server's version (empty when no
  // engine answers), line 2 what DetectUserns asks for. One CLI run
  // instead of two: each costs ~0.1 s of wall and CPU time.
  std::vector<std::string> InfoArgs() const;
  // Options `run` needs on this engine in addition to BuildRunArgs'.
  std::vector<std::string> RunOptions() const;
  // A `ps --format` field printing label `key`: docker's template has
  // .Label "KEY", podman's only the map (.Label fails there).
  std::string PsLabelField(const std::string& key) const;

 private:
  std::string engine_;
  std::string binary_;
  bool installed_ = false;
  std::map<std::string, std::string> env_;
};

enum class EngineProblem {
  kNotInstalled,      // no CLI binary
  kNotAnswering,      // daemon down / socket missing / remote host unreachable
  kPermissionDenied,  // socket exists, we may not use it
  kTimedOut,          // CLI did not answer within its deadline
  kOther,             // the CLI answered with some other error
};

// Which problem a failed CLI call shows (from its stderr and status).
EngineProblem ClassifyEngineProblem(const ProcessResult& result);

// The CLI's own error text, trimmed of the "Run 'docker ... --help'" hint
// and capped, for messages.
std::string CliErrorText(const ProcessResult& result);

// "<cause> (<CLI's words>). Fix: <what to do>" for a failed liveness check.
std::string EngineFailureMessage(const std::string& engine, const std::string& binary,
                                 const ProcessResult& result);

// Message for "the CLI binary is missing", with the fix. `binary`: the
// path that was tried, "" after a PATH lookup found nothing.
std::string NotInstalledMessage(const std::string& engine, const std::string& binary = "");

// How root inside a container maps to the host. Without a user namespace
// (kNone) container root is host root, held back only by the dropped
// capabilities, seccomp and no-new-privileges (docs/SECURITY.md).
enum class UsernsMode {
  kNone,      // rootful engine, no userns-remap
  kRemap,     // dockerd --userns-remap: root inside is a subordinate uid
  kRootless,  // the engine itself runs as an unprivileged user
  kUnknown,   // the engine did not say (older CLI, podman machine, error)
};
// "none", "userns-remap", "rootless", "unknown": the provenance value.
std::string UsernsModeName(UsernsMode mode);

// From `docker info --format '{{json .SecurityOptions}}'`, e.g.
// ["name=seccomp,profile=default","name=userns"]: "name=rootless" wins over
// "name=userns" (a rootless engine lists both). Text that is not such a
// list is kUnknown.
UsernsMode ParseDockerSecurityOptions(const std::string& text);
// From `podman info --format '{{.Host.Security.Rootless}}'` ("true"/"false").
UsernsMode ParsePodmanRootless(const std::string& text);

// Asks the engine (one `info` call, bounded by `deadline`). kUnknown when
// the call fails: detection never stops a run.
UsernsMode DetectUserns(const EngineCli& cli, std::chrono::milliseconds deadline);

// What the output of EngineCli::InfoArgs() says.
struct EngineInfo {
  std::string version;  // "" when the engine gave none: not a working engine
  UsernsMode userns = UsernsMode::kUnknown;
  // The grader's limits the engine says it cannot apply ("memory", "pids",
  // "cpu"): rootless podman on cgroup v1 drops them with one warning line
  // and runs the container anyway. Empty when it can, or did not say.
  std::vector<std::string> missing_limits;
};
// `engine`: "docker" or "podman" (they word line 2 differently).
EngineInfo ParseEngineInfo(const std::string& engine, const std::string& text);

}  // namespace ipc::container
