// The container engine seen through one narrow interface, so the pipeline
// and the batch logic are tested with a fake and only docker_cli_runner.cc
// knows about Boost.Process and the engine's command line.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace ipc::container {

struct Limits {
  std::uint64_t memory_bytes = 1024ull << 20;  // memory == memory+swap
  int pids = 256;
  double cpus = 1.0;
  double wall_s = 180;                         // enforced by the grader
  std::uint64_t tmpfs_bytes = 64ull << 20;     // /tmp inside
  std::uint64_t output_cap = 4ull << 20;       // bytes of container stdout kept
  std::uint64_t file_size_bytes = 64ull << 20; // RLIMIT_FSIZE inside (EFBIG beyond)
};

struct RunSpec {
  std::string image;                 // image reference or id
  std::vector<std::string> command;  // argv inside the container
  std::string workdir;               // `-w`; "" = the image's own working directory
  std::string stdin_data;            // streamed on stdin, then EOF
  Limits limits;
  std::map<std::string, std::string> labels;  // added to the grader's label
  std::string name_hint;             // student name; sanitised into the name
  // Adds `--init` (a reaper as PID 1). Off for the probe, which is PID 1 and
  // reaps itself; on for commands that are not (e.g. a plain `sh -c`).
  bool init = false;
  // When not empty, the image is read-only (`--read-only`) except these
  // folders: each a tmpfs of limits.tmpfs_bytes with `mode`, or, with
  // image_content, an anonymous volume that starts with the image's files
  // there (removed with the container). Empty: the engine's default, a
  // writable layer over the whole image, and a tmpfs /tmp.
  struct Writable {
    std::string path;
    bool image_content = false;
    int mode = 0755;
    bool operator==(const Writable&) const = default;
  };
  std::vector<Writable> writable;
  // A seccomp profile (JSON) on this host, passed as `--security-opt
  // seccomp=FILE`: the CLI reads it and sends its content, so a remote
  // engine needs no copy. "" = the engine's default profile.
  std::string seccomp_profile;
};

struct RunResult {
  bool started = false;
  std::optional<int> exit_code;      // of the container's main process
  bool timed_out = false;            // grader killed it at wall_s
  bool oom_killed = false;           // the engine says so; only asked when exit_code != 0
  std::string stdout_data;           // first output_cap bytes
  std::string stderr_data;           // first output_cap bytes
  std::uint64_t stdout_bytes = 0;
  std::uint64_t stderr_bytes = 0;
  double wall_s = 0;
  std::string engine_error;          // set when the engine itself failed
  bool engine_failure = false;       // retryable infrastructure fault
  std::string container_name;        // for logs; removed by the time Run returns
};

class ContainerRunner {
 public:
  virtual ~ContainerRunner() = default;
  // Throws ipc::Fatal with the cause and the fix when no engine answers.
  virtual void CheckEngine() = 0;
  // Image id (sha256:...) of `image`, making it available if needed
  // (throws ipc::Fatal with the fix when it cannot).
  virtual std::string EnsureImage(const std::string& image) = 0;
  // A derived image = `base` + files at absolute paths (streamed in, never
  // bind-mounted). Cached by content hash; returns the image reference.
  // Taken by value: a runner may keep the files (~16 MB of tools) to build
  // the image again, and a caller that moves them in saves that copy.
  virtual std::string DeriveImage(const std::string& base,
                                  std::map<std::string, std::string> files_by_path) = 0;
  // One throwaway container: run, collect, remove. Never throws for a
  // student's behaviour; engine failures set engine_failure.
  virtual RunResult Run(const RunSpec& spec) = 0;
  // Remove every container carrying the grader's label (crash leftovers).
  virtual int ReapLeftovers() = 0;
  // Called from the signal-handling path: rm -f everything started so far.
  virtual void KillAll() = 0;
  virtual std::string EngineName() const = 0;
  // Whether the engine maps container root to an unprivileged host user:
  // "none", "userns-remap", "rootless" or "unknown". Recorded in every
  // result's provenance (docs/SECURITY.md says what it changes).
  virtual std::string UserNamespaces() { return "unknown"; }
};

inline constexpr const char* kLabel = "io.ipc-grader.job";

std::unique_ptr<ContainerRunner> MakeCliRunner(const std::string& engine /*docker|podman*/);

struct CliOptions {
  // On top of the inherited environment (which already carries DOCKER_HOST,
  // DOCKER_CONTEXT, CONTAINER_HOST ... through to the CLI).
  std::map<std::string, std::string> env;
  // The engine's CLI binary; empty = look up `engine` on PATH.
  std::string binary;
  // Value of the kLabel label on every container this runner starts;
  // ReapLeftovers removes only containers carrying this value. Give each
  // grader instance sharing an engine its own value so that one does not
  // reap the other's running jobs.
  std::string job_label_value = "1";
};

// Throws ipc::Fatal for an engine other than docker or podman.
std::unique_ptr<ContainerRunner> MakeCliRunner(const std::string& engine,
                                               const CliOptions& options);
// The environment variable that sets CliOptions::job_label_value for the
// one-argument MakeCliRunner (what `grader` uses); unset or empty = "1".
inline constexpr const char* kJobLabelEnv = "IPC_GRADER_JOB_LABEL";

}  // namespace ipc::container
