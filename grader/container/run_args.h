// The `docker run` command line as a pure function, so the sandbox flags
// (limits, dropped capabilities, no network, no mounts) are unit-tested
// without an engine. podman accepts the same flags.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "container/container_runner.h"

namespace ipc::container {

// The capabilities a submission's scripts need as root inside, each checked
// by dropping it in a real run: adduser (CHOWN, DAC_OVERRIDE, FOWNER), `su -`
// to another user (SETUID, SETGID), root signalling that user's processes
// (KILL); and MKNOD, which Docker's default set has too, for the probe to
// put back a device node of /dev that a step removed (the devices cgroup
// still refuses to open any device but the standard ones). Everything else
// of Docker's default set is dropped.
inline constexpr const char* kCapabilities[] = {"CHOWN",  "DAC_OVERRIDE", "FOWNER", "SETUID",
                                                "SETGID", "KILL",         "MKNOD"};
inline constexpr int kNofileLimit = 1024;
// oom_score_adj of the container's processes (-1000..1000); the probe
// raises its steps' own to 1000 (probe/spawn.cc), so they go before it.
inline constexpr int kOomScoreAdj = 500;
inline constexpr const char* kNamePrefix = "ipc-grader-";
// The grader's seccomp profile, narrower than the engine's default (source:
// docker/seccomp.json, copied beside the grader and the probe by the build;
// docs/SECURITY.md lists what it refuses): found in the tools folder.
inline constexpr const char* kSeccompProfileFile = "seccomp.json";

// A student's name as a container-name fragment: [A-Za-z0-9_.-] only
// (spaces, slashes, non-ASCII bytes become '-', runs of '-' collapse),
// starting with an alphanumeric, at most 40 characters; "job" if nothing
// usable is left.
std::string SanitiseName(std::string_view hint);

// `ipc-grader-<SanitiseName(hint)>-<16 random hex>`: unique across runs
// and grader processes, recognisable in `docker ps`.
std::string ContainerName(std::string_view hint);

// Random lowercase hex of 2*bytes characters (std::random_device).
std::string RandomHex(int bytes);

// Arguments after the engine binary (and its global flags), starting with
// "run". Never contains a bind mount, a published port or --privileged
// (spec.writable adds tmpfs mounts and anonymous volumes only); with
// spec.seccomp_profile, `--security-opt seccomp=` that file;
// the container's command follows the image verbatim. `engine_options`
// (engine-specific run options) go just before the image; the network is
// always "none".
std::vector<std::string> BuildRunArgs(const RunSpec& spec, const std::string& name,
                                      const std::string& job_label_value = "1",
                                      const std::vector<std::string>& engine_options = {});

}  // namespace ipc::container
