// Starting one ProcessSpec: fork + exec with everything explicit.
// The child gets
//   - its own process group (pgid = pid), so a timeout can kill the group;
//   - default signal dispositions and an empty signal mask (the probe
//     ignores SIGPIPE, and ignored dispositions survive exec);
//   - stdin: a pipe the caller feeds, then closes;
//   - stdout per mode: a pipe; a fresh file in the probe's private directory
//     (never the student's); or a raw pty slave, which also takes stderr;
//   - stderr: its own pipe (except pty);
//   - no other descriptor (everything the probe opens is close-on-exec);
//   - the environment PATH, HOME, LANG=C.UTF-8 plus spec.env;
//   - the step's directory, or spec.cwd resolved against it;
//   - for `user`: that user's uid, gid and groups (from /etc/passwd and
//     /etc/group); for `login_shell`: `su - USER -c '<argv quoted>'`, exactly
//     like the assignment's DD test (su then runs in USER's home, and
//     spec.env is lost to su's clean environment);
//   - last before exec, the probe's system call filter (step_filter.h:
//     EPERM for ptrace and the other calls into another process), which
//     every process it starts inherits. Only the probe's own tracer
//     (SpawnContext::probe_tracer) starts without: it installs the filter
//     in the command's process itself. A filter that cannot be installed fails
//     the start with an error beginning "not run: ".
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "probe/fd.h"
#include "probe/reaper.h"
#include "protocol/probe_protocol.h"

namespace ipc::probe {

inline constexpr const char* kFixedPath =
    "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

struct SpawnContext {
  std::string step_dir;     // the workdir (the box's tree)
  std::string private_dir;  // the probe's own directory (file-mode stdout)
  // The process is the probe's own tracer (TracerArgv): it starts without
  // the step filter, because it must ptrace, and installs the filter in the
  // command's process itself once it has attached (tracer.cc).
  bool probe_tracer = false;
};

// A started child and the parent's ends of its streams. Not movable: the
// reaper holds its exit eventfd until the destructor unregisters the pid.
struct Spawned {
  Spawned() = default;
  Spawned(const Spawned&) = delete;
  Spawned& operator=(const Spawned&) = delete;
  ~Spawned();

  pid_t pid = -1;
  Clock::time_point started;
  UniqueFd exit_event;      // readable once the reaper has the exit status
  UniqueFd stdin_w;         // the caller writes stdin_data, then closes
  UniqueFd stdout_r;        // pipe, or pty master; invalid in file mode
  UniqueFd stderr_r;        // invalid in pty mode
  UniqueFd stdout_file;     // file mode: a read descriptor on the file
  std::string stdout_path;  // file mode: removed by the destructor
};

// Starts the process. Returns false with *err when it could not start (user
// unknown, program not found, chdir, the filter or exec failed); *out->pid may then be
// a child that already exited, which the reaper collects.
bool Spawn(const protocol::ProcessSpec& spec, const SpawnContext& ctx, Spawned* out,
           std::string* err);

// The pieces, exposed for tests.
std::string ShellQuote(const std::vector<std::string>& argv);
std::vector<std::string> EffectiveArgv(const protocol::ProcessSpec& spec);
// argv[0] as execve needs it: unchanged if it contains '/', else the first
// executable regular file in the ':'-separated `path`.
std::optional<std::string> FindExecutable(const std::string& name, const std::string& path);
std::vector<std::string> BuildEnv(const protocol::ProcessSpec& spec, const std::string& home);
std::string ResolveCwd(const protocol::ProcessSpec& spec, const std::string& step_dir);

}  // namespace ipc::probe
