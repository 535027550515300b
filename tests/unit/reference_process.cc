#include "unit/reference_process.h"

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace ipc::reftest {
namespace {

std::runtime_error SysError(const std::string& what, int err) {
  return std::runtime_error(what + ": " + std::strerror(err));
}

void CloseFd(int* fd) {
  if (*fd >= 0) close(*fd);
  *fd = -1;
}

// What the child reports through the close-on-exec error pipe when a step
// before execve fails: which step, and errno.
struct ChildFailure {
  int step;
  int err;
};
constexpr const char* kStepNames[] = {"dup2", "chdir", "setgroups", "setgid",
                                      "setuid", "execve"};

[[noreturn]] void ChildFail(int error_fd, int step) {
  const ChildFailure f{step, errno};
  [[maybe_unused]] ssize_t n = write(error_fd, &f, sizeof f);
  _exit(127);
}

}  // namespace

std::string Outcome::Describe() const {
  if (timed_out) return "timed out";
  if (WIFEXITED(status)) return "exit " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return "signal " + std::to_string(WTERMSIG(status));
  return "status " + std::to_string(status);
}

Child Child::Start(const SpawnOptions& options) {
  if (options.argv.empty()) throw std::runtime_error("Child::Start: empty argv");
  // Everything the child needs is built before fork: after fork only
  // async-signal-safe calls are allowed.
  std::vector<char*> argv;
  for (const auto& a : options.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (const auto& e : options.env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);

  int in[2], out[2] = {-1, -1}, err[2], failure[2];
  if (pipe2(in, O_CLOEXEC) != 0) throw SysError("pipe", errno);
  if (options.stdout_fd < 0 && pipe2(out, O_CLOEXEC) != 0) throw SysError("pipe", errno);
  if (pipe2(err, O_CLOEXEC) != 0) throw SysError("pipe", errno);
  if (pipe2(failure, O_CLOEXEC) != 0) throw SysError("pipe", errno);
  const int child_stdout = options.stdout_fd >= 0 ? options.stdout_fd : out[1];

  const pid_t pid = fork();
  if (pid < 0) throw SysError("fork", errno);
  if (pid == 0) {
    // Own process group, so a deadline kill reaches any grandchildren.
    setpgid(0, 0);
    // Default dispositions and an empty mask: the test runner's are not the
    // program's business (an ignored SIGINT would be inherited across exec).
    for (int sig = 1; sig < NSIG; ++sig) signal(sig, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    // No core files in the test's directories if something crashes.
    const rlimit no_core{0, 0};
    setrlimit(RLIMIT_CORE, &no_core);
    // dup2 clears FD_CLOEXEC on the target; the originals close on exec.
    if (dup2(in[0], 0) < 0 || dup2(child_stdout, 1) < 0 || dup2(err[1], 2) < 0) {
      ChildFail(failure[1], 0);
    }
    if (!options.cwd.empty() && chdir(options.cwd.c_str()) != 0) ChildFail(failure[1], 1);
    if (options.uid || options.gid) {
      if (setgroups(0, nullptr) != 0) ChildFail(failure[1], 2);
      if (options.gid && setgid(*options.gid) != 0) ChildFail(failure[1], 3);
      if (options.uid && setuid(*options.uid) != 0) ChildFail(failure[1], 4);
    }
    execve(argv[0], argv.data(), envp.data());
    ChildFail(failure[1], 5);
  }

  Child child;
  child.pid_ = pid;
  close(in[0]);
  if (out[1] >= 0) close(out[1]);
  close(err[1]);
  close(failure[1]);
  child.stdin_fd_ = in[1];
  child.stdout_fd_ = out[0];
  child.stderr_fd_ = err[0];
  child.stdin_data_ = options.stdin_data;

  ChildFailure f{};
  ssize_t n;
  do {
    n = read(failure[0], &f, sizeof f);
  } while (n < 0 && errno == EINTR);
  close(failure[0]);
  if (n == static_cast<ssize_t>(sizeof f)) {
    child.Finish(std::chrono::seconds(5));  // reap it
    throw SysError(std::string(kStepNames[f.step]) + " for " + options.argv[0], f.err);
  }
  return child;
}

Child::Child(Child&& other) noexcept
    : pid_(other.pid_),
      stdin_fd_(other.stdin_fd_),
      stdout_fd_(other.stdout_fd_),
      stderr_fd_(other.stderr_fd_),
      stdin_data_(std::move(other.stdin_data_)) {
  other.pid_ = -1;
  other.stdin_fd_ = other.stdout_fd_ = other.stderr_fd_ = -1;
}

Child::~Child() {
  if (pid_ > 0) {
    kill(-pid_, SIGKILL);
    kill(pid_, SIGKILL);
    int status;
    while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
  }
  CloseFd(&stdin_fd_);
  CloseFd(&stdout_fd_);
  CloseFd(&stderr_fd_);
}

Outcome Child::Finish(std::chrono::milliseconds deadline) {
  Outcome outcome;
  const auto end = std::chrono::steady_clock::now() + deadline;
  // A closed reader must not kill the test with SIGPIPE; EPIPE is handled.
  signal(SIGPIPE, SIG_IGN);
  std::size_t written = 0;
  if (stdin_data_.empty()) CloseFd(&stdin_fd_);
  while (stdin_fd_ >= 0 || stdout_fd_ >= 0 || stderr_fd_ >= 0) {
    pollfd fds[3];
    nfds_t nfds = 0;
    if (stdin_fd_ >= 0) fds[nfds++] = {stdin_fd_, POLLOUT, 0};
    if (stdout_fd_ >= 0) fds[nfds++] = {stdout_fd_, POLLIN, 0};
    if (stderr_fd_ >= 0) fds[nfds++] = {stderr_fd_, POLLIN, 0};
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        end - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      outcome.timed_out = true;
      kill(-pid_, SIGKILL);
      kill(pid_, SIGKILL);
      break;
    }
    if (poll(fds, nfds, static_cast<int>(left.count())) < 0) {
      if (errno == EINTR) continue;
      throw SysError("poll", errno);
    }
    for (nfds_t i = 0; i < nfds; ++i) {
      if (fds[i].revents == 0) continue;
      if (fds[i].fd == stdin_fd_) {
        const ssize_t n = write(stdin_fd_, stdin_data_.data() + written,
                                stdin_data_.size() - written);
        if (n > 0) written += static_cast<std::size_t>(n);
        if ((n < 0 && errno != EINTR && errno != EAGAIN) || written == stdin_data_.size()) {
          CloseFd(&stdin_fd_);  // EOF for the child (or it stopped reading)
        }
        continue;
      }
      std::string& sink = fds[i].fd == stdout_fd_ ? outcome.out : outcome.err;
      char buf[65536];
      const ssize_t n = read(fds[i].fd, buf, sizeof buf);
      if (n > 0) {
        sink.append(buf, static_cast<std::size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        CloseFd(fds[i].fd == stdout_fd_ ? &stdout_fd_ : &stderr_fd_);
      }
    }
  }
  CloseFd(&stdin_fd_);
  CloseFd(&stdout_fd_);
  CloseFd(&stderr_fd_);
  while (waitpid(pid_, &outcome.status, 0) < 0) {
    if (errno != EINTR) throw SysError("waitpid", errno);
  }
  pid_ = -1;
  return outcome;
}

Outcome RunToEnd(const SpawnOptions& options) { return Child::Start(options).Finish(); }

bool WaitUntilPausedWithHandlers(pid_t pid, const std::vector<int>& signals,
                                 std::chrono::milliseconds deadline) {
  unsigned long long wanted = 0;
  for (int sig : signals) wanted |= 1ULL << (sig - 1);  // bit N-1 is signal N
  const std::string proc = "/proc/" + std::to_string(pid);
  const auto end = std::chrono::steady_clock::now() + deadline;
  while (std::chrono::steady_clock::now() < end) {
    std::ifstream status(proc + "/status");
    std::string line;
    unsigned long long caught = 0;
    bool seen = false;
    while (std::getline(status, line)) {
      if (line.rfind("SigCgt:", 0) == 0) {
        caught = std::stoull(line.substr(7), nullptr, 16);
        seen = true;
      }
    }
    if (!seen) return false;  // the process is gone
    if ((caught & wanted) == wanted) {
      // The state is the first field after "(comm)"; comm may hold spaces
      // or parentheses, so split at the last ')'.
      const std::string stat = ReadFile(proc + "/stat");
      const auto paren = stat.rfind(')');
      if (paren == std::string::npos || paren + 2 >= stat.size()) return false;
      const char state = stat[paren + 2];
      if (state == 'S') return true;
      if (state == 'Z' || state == 'X') return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));  // poll interval
  }
  return false;
}

namespace {
std::string EnvOr(const char* name, const char* fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? value : fallback;
}
}  // namespace

std::string SourceDir() { return EnvOr("IPC_SOURCE_DIR", IPC_REFTEST_SOURCE_DIR); }
std::string BinDir() { return EnvOr("IPC_BIN_DIR", IPC_REFTEST_BIN_DIR); }

std::string PythonPath() {
  if (const char* p = std::getenv("IPC_PYTHON3"); p != nullptr && *p != '\0') return p;
  if (access("/usr/bin/python3", X_OK) == 0) return "/usr/bin/python3";
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "/usr/bin:/bin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    const std::string candidate = dir + "/python3";
    if (!dir.empty() && access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  throw std::runtime_error("python3 not found: install python3 (3.11) or set IPC_PYTHON3");
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path + ": " + std::strerror(errno));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteFile(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << data;
  if (!out.flush()) throw std::runtime_error("cannot write " + path);
}

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string tmpl = std::string(base && *base ? base : "/tmp") + "/ipc-reftest-XXXXXX";
  if (mkdtemp(tmpl.data()) == nullptr) throw SysError("mkdtemp " + tmpl, errno);
  path_ = tmpl;
  // mkdtemp makes 0700; the unprivileged cases need to traverse it.
  if (chmod(path_.c_str(), 0755) != 0) throw SysError("chmod " + path_, errno);
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

}  // namespace ipc::reftest
