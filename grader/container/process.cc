// The only translation unit that includes Boost.Process (v1, Boost 1.74).
// Boost spawns; the I/O is a plain poll() loop over the three pipes plus a
// pidfd, which is easier to reason about than asio's SIGCHLD service (it
// installs a process-wide SIGCHLD handler and races with other waiters).
#include "container/process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string_view>
#include <system_error>
#include <utility>

#include <boost/process/args.hpp>
#include <boost/process/child.hpp>
#include <boost/process/exe.hpp>
#include <boost/process/extend.hpp>
#include <boost/process/io.hpp>
#include <boost/process/pipe.hpp>
#include <boost/process/search_path.hpp>

namespace ipc::container {
namespace {

namespace bp = boost::process;
using Clock = std::chrono::steady_clock;

// After the deadline kill, how long we keep reading for the pipes to close.
// A process that escaped the group (setsid) can hold them open forever.
constexpr auto kDrainAfterKill = std::chrono::seconds(2);
// Poll period when the kernel has no pidfd_open (Linux < 5.3).
constexpr auto kNoPidfdPollPeriod = std::chrono::milliseconds(50);
constexpr std::size_t kChunk = 64 * 1024;

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& o) noexcept {
    Reset(std::exchange(o.fd_, -1));
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { Reset(); }
  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  void Reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

void SetNonBlocking(int fd) {
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags >= 0) ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

// Runs in the forked child before execve: only async-signal-safe calls.
struct ChildSetup : bp::extend::handler {
  // The child's environment (NULL-terminated), or nullptr to inherit ours.
  // Boost 1.74's own environment class reads past the end of short keys
  // (found by ASan), so the array is built here and handed to execve.
  char** envp = nullptr;

  template <typename Executor>
  void on_setup(Executor& e) const {
    if (envp != nullptr) e.env = envp;
  }
  template <typename Executor>
  void on_exec_setup(Executor&) const {
    // Own process group, so a deadline kill reaches grandchildren too.
    ::setpgid(0, 0);
    // Ignored signals and the mask survive execve; handlers do not. Reset
    // both so the child does not inherit e.g. our blocked SIGPIPE.
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    ::sigemptyset(&dfl.sa_mask);
    for (int sig = 1; sig < NSIG; ++sig) {
      if (sig != SIGKILL && sig != SIGSTOP) ::sigaction(sig, &dfl, nullptr);
    }
    sigset_t none;
    ::sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    // Boost's pipes are made without O_CLOEXEC, and other threads may be
    // spawning at the same time: every descriptor >= 3 (including pipes of
    // concurrent spawns) must close at exec, or another child's stdout stays
    // open in this one and its reader never sees EOF. dup2 onto 0..2 clears
    // the flag on the copies the child needs; Boost's own exec-error pipe is
    // already close-on-exec.
    if (::close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) != 0) {
      struct rlimit lim {};
      const rlim_t top = ::getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur != RLIM_INFINITY
                             ? lim.rlim_cur
                             : 4096;
      for (rlim_t fd = 3; fd < top; ++fd) ::fcntl(static_cast<int>(fd), F_SETFD, FD_CLOEXEC);
    }
  }
  template <typename Executor>
  void on_success(Executor& e) const {
    // Also from the parent, so the group exists before we could signal it
    // (EACCES once the child has exec'd; it did setpgid itself by then).
    ::setpgid(e.pid, e.pid);
  }
  template <typename Executor>
  void on_error(Executor& e, const std::error_code&) const {
    // Boost does not reap a child whose execve failed; do it here.
    if (e.pid > 0) ::waitpid(e.pid, nullptr, 0);
  }
};

// SIGPIPE from writing to a child that closed its stdin would kill the
// grader. Block it in this thread for the duration of the loop (the
// kernel directs it at the writing thread), and discard a pending one
// before unblocking. Process-wide SIG_IGN would leak into other code.
class SigpipeBlocker {
 public:
  SigpipeBlocker() {
    ::sigemptyset(&pipe_);
    ::sigaddset(&pipe_, SIGPIPE);
    ::pthread_sigmask(SIG_BLOCK, &pipe_, &old_);
  }
  ~SigpipeBlocker() {
    if (got_epipe_) {
      const timespec zero{};
      while (::sigtimedwait(&pipe_, nullptr, &zero) == SIGPIPE) {
      }
    }
    ::pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  void NoteEpipe() { got_epipe_ = true; }

 private:
  sigset_t pipe_{};
  sigset_t old_{};
  bool got_epipe_ = false;
};

// Our environment with `overrides` applied, as "KEY=VALUE" strings.
std::vector<std::string> MergedEnvironment(const std::map<std::string, std::string>& overrides) {
  std::vector<std::string> out;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string_view entry(*e);
    const std::string key(entry.substr(0, entry.find('=')));
    if (overrides.count(key) == 0) out.emplace_back(entry);
  }
  for (const auto& [key, value] : overrides) out.push_back(key + "=" + value);
  return out;
}

struct Sink {
  UniqueFd fd;
  std::string* kept;
  std::uint64_t* total;
};

// Reads what is there; closes the fd at EOF or on a hard error.
void Drain(Sink& sink, std::uint64_t cap) {
  char buf[kChunk];
  while (sink.fd.valid()) {
    const ssize_t n = ::read(sink.fd.get(), buf, sizeof buf);
    if (n > 0) {
      *sink.total += static_cast<std::uint64_t>(n);
      const std::size_t room = cap > sink.kept->size() ? cap - sink.kept->size() : 0;
      sink.kept->append(buf, std::min<std::size_t>(room, static_cast<std::size_t>(n)));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return;
    sink.fd.Reset();  // EOF, or an error we cannot recover from
  }
}

int PollTimeoutMs(Clock::time_point until, bool have_pidfd) {
  auto left = std::chrono::ceil<std::chrono::milliseconds>(until - Clock::now());
  if (!have_pidfd) left = std::min<std::chrono::milliseconds>(left, kNoPidfdPollPeriod);
  return static_cast<int>(std::clamp<std::chrono::milliseconds::rep>(left.count(), 0, 1 << 30));
}

}  // namespace

std::string ProcessResult::Describe() const {
  if (!spawned) return "not started: " + spawn_error;
  if (deadline_hit) return "killed at the deadline";
  if (exit_code) return "exit " + std::to_string(*exit_code);
  if (term_signal) return "killed by signal " + std::to_string(*term_signal);
  return "unknown status";
}

std::string FindOnPath(const std::string& name) {
  return bp::search_path(name).string();
}

ProcessResult RunProcess(const ProcessOptions& options) {
  ProcessResult result;
  if (options.argv.empty()) {
    result.spawn_error = "empty argv";
    return result;
  }
  std::string exe = options.argv[0];
  if (exe.find('/') == std::string::npos) {
    exe = FindOnPath(exe);
    if (exe.empty()) {
      result.spawn_error = "'" + options.argv[0] + "' not found on PATH";
      return result;
    }
  }
  const std::vector<std::string> args(options.argv.begin() + 1, options.argv.end());

  const auto start = Clock::now();
  pid_t pid = -1;
  Sink out{{}, &result.stdout_data, &result.stdout_bytes};
  Sink err{{}, &result.stderr_data, &result.stderr_bytes};
  UniqueFd in;
  try {
    std::vector<std::string> env_strings;
    std::vector<char*> envp;
    ChildSetup setup;
    if (!options.env.empty()) {
      env_strings = MergedEnvironment(options.env);
      for (std::string& entry : env_strings) envp.push_back(entry.data());
      envp.push_back(nullptr);
      setup.envp = envp.data();
    }
    bp::pipe in_pipe, out_pipe, err_pipe;
    std::error_code ec;
    bp::child child(bp::exe = exe, bp::args = args, bp::std_in < in_pipe, bp::std_out > out_pipe,
                    bp::std_err > err_pipe, setup, ec);
    if (ec || !child.valid()) {
      result.spawn_error = exe + ": " + ec.message();
      return result;
    }
    // We reap it ourselves (waitpid below); a detached child's destructor
    // does not kill it.
    pid = child.id();
    child.detach();
    // Boost closed the child's ends; take ownership of ours.
    in.Reset(in_pipe.native_sink());
    in_pipe.assign_sink(-1);
    out.fd.Reset(out_pipe.native_source());
    out_pipe.assign_source(-1);
    err.fd.Reset(err_pipe.native_source());
    err_pipe.assign_source(-1);
  } catch (const std::exception& e) {
    result.spawn_error = exe + ": " + e.what();
    return result;
  }
  result.spawned = true;
  for (int fd : {in.get(), out.fd.get(), err.fd.get()}) SetNonBlocking(fd);

  // A pidfd becomes readable when the child exits, so the loop notices an
  // exit even while a stray grandchild still holds the pipes open.
  UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  SigpipeBlocker sigpipe_blocker;
  std::size_t written = 0;
  if (options.stdin_data.empty()) in.Reset();

  const Clock::time_point deadline = start + options.deadline;
  Clock::time_point drain_until = Clock::time_point::max();
  bool exited = false;
  int status = 0;

  auto kill_group = [&] {
    // Only before waitpid: while the leader is an unreaped zombie its pid
    // (and so the group id) cannot be reused by an unrelated process.
    if (exited) return;
    ::kill(-pid, SIGKILL);
    ::kill(pid, SIGKILL);
  };
  // Peek (WNOWAIT) first so the group can be killed while the leader is
  // still a zombie, then reap.
  auto reap_if_exited = [&] {
    siginfo_t info{};
    if (::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) != 0 ||
        info.si_pid != pid) {
      return;
    }
    kill_group();  // stragglers of the group would keep our pipes open
    if (::waitpid(pid, &status, 0) == pid) exited = true;
  };

  while (out.fd.valid() || err.fd.valid() || !exited) {
    const auto now = Clock::now();
    if (exited && now >= deadline) {
      // The child is gone; something that left its group (setsid) still
      // holds the pipes. Stop waiting for them.
      break;
    }
    if (!result.deadline_hit && now >= deadline) {
      result.deadline_hit = true;
      kill_group();
      in.Reset();
      drain_until = now + kDrainAfterKill;
    }
    if (now >= drain_until) {
      out.fd.Reset();
      err.fd.Reset();
      if (!exited) {
        // Killed above; SIGKILL cannot be ignored, so this returns.
        if (::waitpid(pid, &status, 0) == pid) exited = true;
      }
      break;
    }

    pollfd fds[4];
    nfds_t n = 0;
    auto add = [&](int fd, short events) {
      fds[n] = pollfd{fd, events, 0};
      return fd >= 0 ? static_cast<int>(n++) : -1;
    };
    const int in_i = in.valid() ? add(in.get(), POLLOUT) : -1;
    const int out_i = out.fd.valid() ? add(out.fd.get(), POLLIN) : -1;
    const int err_i = err.fd.valid() ? add(err.fd.get(), POLLIN) : -1;
    const int pid_i = (pidfd.valid() && !exited) ? add(pidfd.get(), POLLIN) : -1;

    const auto until = result.deadline_hit ? drain_until : deadline;
    const int ready = ::poll(fds, n, PollTimeoutMs(until, pidfd.valid()));
    if (ready < 0 && errno != EINTR) {  // cannot happen with valid fds
      kill_group();                        // so the waitpid below returns
      break;
    }

    if (in_i >= 0 && fds[in_i].revents != 0) {
      const std::size_t len = std::min(kChunk, options.stdin_data.size() - written);
      const ssize_t w = ::write(in.get(), options.stdin_data.data() + written, len);
      if (w > 0) written += static_cast<std::size_t>(w);
      if (w < 0 && errno == EPIPE) sigpipe_blocker.NoteEpipe();
      // Done, or the child closed its end: EOF / stop feeding.
      if (written == options.stdin_data.size() || (w < 0 && errno != EAGAIN && errno != EINTR)) {
        in.Reset();
      }
    }
    if (out_i >= 0 && fds[out_i].revents != 0) Drain(out, options.output_cap);
    if (err_i >= 0 && fds[err_i].revents != 0) Drain(err, options.output_cap);
    if (pid_i >= 0 ? fds[pid_i].revents != 0 : !pidfd.valid()) {
      reap_if_exited();
      if (exited) in.Reset();
    }
  }
  if (!exited && ::waitpid(pid, &status, 0) == pid) exited = true;

  result.wall_s = std::chrono::duration<double>(Clock::now() - start).count();
  if (exited && WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  if (exited && WIFSIGNALED(status)) result.term_signal = WTERMSIG(status);
  return result;
}

}  // namespace ipc::container
