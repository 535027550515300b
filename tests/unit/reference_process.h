// Test-only process helpers for the reference suites: spawn a real program
// with everything explicit (argv, full environment, cwd, user, stdin bytes,
// where stdout goes), then collect its output and wait status.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace ipc::reftest {

struct SpawnOptions {
  // Every member has an initializer so designated initializers may omit any.
  std::vector<std::string> argv = {};  // argv[0] is an absolute path (no PATH)
  std::vector<std::string> env = {};   // the child's whole environment, "K=V"
  std::string cwd = {};                // empty: inherit
  std::optional<uid_t> uid = {};       // drop to this uid (and gid) before exec
  std::optional<gid_t> gid = {};
  std::string stdin_data = {};         // written to a pipe, then EOF
  // >= 0: the child's stdout is this descriptor (a file, a pty slave) and is
  // not captured; < 0: stdout is a pipe, captured into Outcome::out.
  int stdout_fd = -1;
};

struct Outcome {
  std::string out;
  std::string err;
  int status = 0;          // raw waitpid status
  bool timed_out = false;  // killed by Child::Finish's deadline

  // "exit 0", "signal 15", for messages and comparisons.
  std::string Describe() const;
};

// A started child. Killed (SIGKILL) and reaped on destruction if Finish was
// not called, so a failing assertion never leaves a process behind.
class Child {
 public:
  // Throws std::runtime_error naming the step that failed (fork, chdir,
  // setuid, execve...) and errno.
  static Child Start(const SpawnOptions& options);

  Child(Child&& other) noexcept;
  Child& operator=(Child&&) = delete;
  Child(const Child&) = delete;
  ~Child();

  pid_t pid() const { return pid_; }

  // Feeds stdin, drains stdout/stderr until both close, and reaps the child.
  // After `deadline` the whole process group gets SIGKILL.
  Outcome Finish(std::chrono::milliseconds deadline = std::chrono::seconds(30));

 private:
  Child() = default;
  pid_t pid_ = -1;
  int stdin_fd_ = -1;
  int stdout_fd_ = -1;
  int stderr_fd_ = -1;
  std::string stdin_data_;
};

// Start + Finish.
Outcome RunToEnd(const SpawnOptions& options);

// True once `pid` catches every signal in `signals` (the SigCgt mask of
// /proc/PID/status) and is asleep (state S), i.e. blocked in pause(): the
// seed installs its handlers and then calls pause(), and it cannot sleep
// anywhere in between. Checking SigCgt alone would leave a window in which
// a signal lands before pause() and the program then waits forever.
// Polls every millisecond up to `deadline`; false if it never happens or
// the process died.
bool WaitUntilPausedWithHandlers(pid_t pid, const std::vector<int>& signals,
                                 std::chrono::milliseconds deadline);

// The source tree and the directory holding ref-cat / ref-listener: the
// environment variables IPC_SOURCE_DIR and IPC_BIN_DIR (set by
// tests/CMakeLists.txt), else the paths CMake compiled in
// (tests/unit/reference.cmake), so the binary also runs outside ctest.
std::string SourceDir();
std::string BinDir();

// The python3 to compare against: $IPC_PYTHON3, else /usr/bin/python3 (the
// distribution's, like the grading image's, and reachable by an
// unprivileged user, unlike a pyenv shim under /root), else python3 on PATH.
std::string PythonPath();

// Reads a whole file; throws std::runtime_error with the path on failure.
std::string ReadFile(const std::string& path);
// Writes a whole file (truncating); throws on failure.
void WriteFile(const std::string& path, const std::string& data);

// A fresh directory under $TMPDIR (default /tmp), mode 0755 so that an
// unprivileged child can enter it; removed recursively on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& rel) const { return path_ + "/" + rel; }

 private:
  std::string path_;
};

}  // namespace ipc::reftest
