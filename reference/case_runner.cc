#include "reference/case_runner.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>

#include "protocol/case_batch.h"
#include "reference/fd_io.h"

namespace ipc::reference {
namespace {

using Clock = std::chrono::steady_clock;
constexpr std::size_t kPipeHolds = 60000;  // below the smallest pipe buffer (64 KiB)

double ChildrenCpu() {
  rusage ru{};
  getrusage(RUSAGE_CHILDREN, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

// A descriptor holding `data` then EOF: a pipe, or a memfd when the data
// would not fit in one.
int StdinFd(const std::string& data, std::string* error) {
  if (data.size() > kPipeHolds) {
    const int fd = memfd_create("stdin", MFD_CLOEXEC);
    if (fd < 0 || !WriteAll(fd, data) || lseek(fd, 0, SEEK_SET) != 0) {
      *error = std::string("memfd: ") + std::strerror(errno);
      return -1;
    }
    return fd;
  }
  int p[2];
  if (pipe2(p, O_CLOEXEC) != 0) {
    *error = std::string("pipe: ") + std::strerror(errno);
    return -1;
  }
  WriteAll(p[1], data);
  close(p[1]);
  return p[0];
}

// One stream of the child: the first `cap` bytes kept, the rest counted.
struct Sink {
  int fd;
  std::size_t cap;
  std::string data;
  std::uint64_t total = 0;
  bool open = true;
  void Read() {
    char buf[65536];
    const ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) return;
    if (n <= 0) {
      open = false;
      return;
    }
    total += static_cast<std::uint64_t>(n);
    if (data.size() < cap) data.append(buf, std::min(cap - data.size(), static_cast<std::size_t>(n)));
  }
};

protocol::ProcessResult RunOne(const protocol::BatchCase& c, const std::function<int()>& one_case) {
  protocol::ProcessResult r;
  const auto t0 = Clock::now();
  const double cpu0 = ChildrenCpu();
  const int in = StdinFd(c.stdin_data, &r.error);
  int out[2], err[2];
  if (in < 0 || pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) {
    if (r.error.empty()) r.error = std::string("pipe: ") + std::strerror(errno);
    return r;
  }
  const pid_t pid = fork();
  if (pid == 0) {
    setpgid(0, 0);
    dup2(in, STDIN_FILENO);
    dup2(out[1], STDOUT_FILENO);
    dup2(err[1], STDERR_FILENO);
    for (int fd : {in, out[0], out[1], err[0], err[1]}) close(fd);
    _exit(one_case());
  }
  for (int fd : {in, out[1], err[1]}) close(fd);
  if (pid < 0) {
    r.error = std::string("fork: ") + std::strerror(errno);
    close(out[0]);
    close(err[0]);
    return r;
  }
  setpgid(pid, pid);  // on both sides: no killpg before the child's own call
  r.started = true;
  r.pid = pid;
  Sink sinks[2] = {{out[0], c.output_cap, {}}, {err[0], c.output_cap, {}}};
  const auto deadline = t0 + std::chrono::duration<double>(c.timeout_s);
  while (sinks[0].open || sinks[1].open) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) {
      r.timed_out = true;
      kill(pid, SIGKILL);
      killpg(pid, SIGKILL);
      break;
    }
    pollfd fds[2];
    nfds_t n = 0;
    for (auto& s : sinks) {
      if (s.open) fds[n++] = {s.fd, POLLIN, 0};
    }
    if (poll(fds, n, static_cast<int>(left.count())) <= 0) continue;
    for (nfds_t i = 0; i < n; ++i) {
      if (fds[i].revents == 0) continue;
      for (auto& s : sinks) {
        if (s.fd == fds[i].fd) s.Read();
      }
    }
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  killpg(pid, SIGKILL);  // what it left in its group ends with it, as in the probe
  for (auto& s : sinks) {
    while (s.open) s.Read();  // after a kill: what was written before it
    close(s.fd);
  }
  if (!r.timed_out) {
    if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
    if (WIFSIGNALED(status)) r.term_signal = WTERMSIG(status);
  }
  r.stdout_data = std::move(sinks[0].data);
  r.stdout_bytes = sinks[0].total;
  r.stderr_data = std::move(sinks[1].data);
  r.stderr_bytes = sinks[1].total;
  r.wall_s = std::chrono::duration<double>(Clock::now() - t0).count();
  r.cpu_s = ChildrenCpu() - cpu0;
  return r;
}

}  // namespace

int RunCases(const std::function<int()>& one_case) {
  std::vector<protocol::BatchCase> cases;
  std::string request;
  if (const int err = ReadAll(STDIN_FILENO, &request); err != 0) {
    std::fprintf(stderr, "--cases: cannot read the request: %s\n", std::strerror(err));
    return 2;
  }
  try {
    cases = protocol::BatchFromRequest(request);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "--cases: %s\n", e.what());
    return 2;
  }
  for (std::size_t i = 0; i < cases.size(); ++i) {
    if (!WriteAll(STDOUT_FILENO, protocol::BatchRecord(i, RunOne(cases[i], one_case), "forked"))) {
      return 1;
    }
  }
  return 0;
}

}  // namespace ipc::reference
