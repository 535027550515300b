#include "probe/spawn.h"

#include <fcntl.h>
#include <linux/close_range.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <mutex>

#include "probe/pty.h"
#include "probe/step_filter.h"
#include "probe/users.h"

namespace ipc::probe {
namespace {

// Where a child failed before exec, reported through the error pipe.
enum Stage : int { kSetpgid = 1, kDup, kChdir, kSetgroups, kSetgid, kSetuid, kFilter, kExec };

// Everything the child needs, prepared before the clone: between the clone
// and exec the child runs on the probe's memory (Reaper::ForkTracked), so it
// may only make async-signal-safe calls and allocates and writes nothing.
struct ChildPlan {
  std::vector<std::string> argv_store, env_store;
  std::vector<char*> argv, envp;
  std::string exe, cwd;
  bool switch_user = false;
  UserInfo user;
  // Every process but the probe's own tracer (step_filter.h).
  bool filter = true;
  int in_fd = -1, out_fd = -1, err_fd = -1;
  int report_fd = -1;  // error pipe, write end
};

std::vector<char*> CStrings(std::vector<std::string>& v) {
  std::vector<char*> out;
  for (auto& s : v) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

[[noreturn]] void ChildFail(const ChildPlan& p, Stage stage) {
  const int msg[2] = {stage, errno};
  [[maybe_unused]] const ssize_t n = ::write(p.report_fd, msg, sizeof msg);
  ::_exit(127);
}

[[noreturn]] void RunChild(const ChildPlan& p) {
  if (::setpgid(0, 0) != 0) ChildFail(p, kSetpgid);
  // Dispositions set to "ignore" survive exec (SIGPIPE is ignored in the
  // probe); handlers are reset by exec anyway. EINVAL for SIGKILL, SIGSTOP
  // and glibc's internal signals is expected.
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig) ::sigaction(sig, &dfl, nullptr);
  sigset_t none;
  ::sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  // Move the three ends out of 0..2 first so that no dup2 below clobbers a
  // source that happens to be 0, 1 or 2; dup2 clears close-on-exec.
  const int in = ::fcntl(p.in_fd, F_DUPFD_CLOEXEC, 10);
  const int out = ::fcntl(p.out_fd, F_DUPFD_CLOEXEC, 10);
  const int err = ::fcntl(p.err_fd, F_DUPFD_CLOEXEC, 10);
  if (in < 0 || out < 0 || err < 0) ChildFail(p, kDup);
  if (::dup2(in, 0) < 0 || ::dup2(out, 1) < 0 || ::dup2(err, 2) < 0) ChildFail(p, kDup);
  // The probe opens everything close-on-exec, but it may have inherited
  // descriptors without the flag from whoever started it: mark all of them
  // (the error pipe is close-on-exec already). close_range may be missing
  // (kernel < 5.11, or a seccomp profile without it): then one by one.
  if (::close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) != 0) {
    for (int fd = 3; fd < 4096; ++fd) ::fcntl(fd, F_SETFD, FD_CLOEXEC);
  }
  if (::chdir(p.cwd.c_str()) != 0) ChildFail(p, kChdir);
  // When the container hits its memory limit, the kernel's OOM killer must
  // take a student's process (or a reference's), never the probe: without
  // it the container ends with no report at all. Raising one's own score
  // needs no privilege (lowering would need CAP_SYS_RESOURCE, which the
  // container lacks); descendants inherit it. Before setuid: the file then
  // still belongs to root. Best effort: a /proc that is not there changes
  // nothing else.
  if (const int adj = ::open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC); adj >= 0) {
    [[maybe_unused]] const ssize_t n = ::write(adj, "1000", 4);
    ::close(adj);
  }
  if (p.switch_user) {
    // Raw system calls: they change the calling thread only, which in the
    // forked child is the only thread (glibc's wrappers would try to
    // broadcast to the threads of the parent, which do not exist here).
    if (::syscall(SYS_setgroups, p.user.groups.size(), p.user.groups.data()) != 0) {
      ChildFail(p, kSetgroups);
    }
    if (::syscall(SYS_setresgid, p.user.gid, p.user.gid, p.user.gid) != 0) ChildFail(p, kSetgid);
    if (::syscall(SYS_setresuid, p.user.uid, p.user.uid, p.user.uid) != 0) ChildFail(p, kSetuid);
  }
  // Last before exec: everything above is the probe's, and whatever runs
  // from here on is the step's.
  if (p.filter) {
    if (const int failed = InstallStepFilter(); failed != 0) {
      errno = failed;
      ChildFail(p, kFilter);
    }
  }
  ::execve(p.exe.c_str(), p.argv.data(), p.envp.data());
  ChildFail(p, kExec);
}

std::string DescribeFailure(const ChildPlan& p, int stage, int err) {
  const std::string why = ErrnoText(err);
  switch (stage) {
    case kSetpgid:
      return "setpgid: " + why;
    case kDup:
      return "redirecting stdin/stdout/stderr: " + why;
    case kChdir:
      return "cannot enter the working directory '" + p.cwd + "': " + why;
    case kSetgroups:
      return "setgroups for user '" + p.user.name + "': " + why;
    case kSetgid:
      return "setgid " + std::to_string(p.user.gid) + ": " + why;
    case kSetuid:
      return "setuid " + std::to_string(p.user.uid) + ": " + why;
    case kFilter:
      return DescribeStepFilterFailure(err);
    case kExec:
      return "cannot execute '" + p.exe + "': " + why;
  }
  return "child setup failed: " + why;
}

std::atomic<unsigned> g_file_counter{0};

// Writing stdin to a child that has closed it must be an EPIPE error, not
// the death of the whole probe (or of a test linking this library). The
// child gets SIGPIPE back to its default in RunChild.
void IgnoreSigpipeOnce() {
  static std::once_flag once;
  std::call_once(once, [] { ::signal(SIGPIPE, SIG_IGN); });
}

// The child's side of its three streams.
struct ChildEnds {
  UniqueFd in_r, out_w, err_w;
};

// Creates stdin, stdout and stderr per `mode`: the parent's ends go into
// *out, the child's into *ends.
bool OpenStreams(protocol::StdoutMode mode, const SpawnContext& ctx, Spawned* out, ChildEnds* ends,
                 std::string* err) {
  using protocol::StdoutMode;
  auto pipe_failed = [&] {
    *err = "pipe: " + ErrnoText(errno);
    return false;
  };
  if (!MakePipe(&ends->in_r, &out->stdin_w)) return pipe_failed();
  switch (mode) {
    case StdoutMode::kPipe:
      if (!MakePipe(&out->stdout_r, &ends->out_w)) return pipe_failed();
      break;
    case StdoutMode::kFile:
      out->stdout_path = ctx.private_dir + "/stdout-" + std::to_string(::getpid()) + "-" +
                         std::to_string(g_file_counter++);
      ends->out_w.reset(
          ::open(out->stdout_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
      // Read through our own descriptor on the same inode: nothing the
      // student does to the path afterwards changes what we read.
      if (ends->out_w.valid()) {
        out->stdout_file.reset(::open(out->stdout_path.c_str(), O_RDONLY | O_CLOEXEC));
      }
      if (!ends->out_w.valid() || !out->stdout_file.valid()) {
        *err = "cannot create the stdout file '" + out->stdout_path + "': " + ErrnoText(errno);
        return false;
      }
      break;
    case StdoutMode::kPty: {
      UniqueFd slave;
      if (!OpenRawPty(&out->stdout_r, &slave, err)) return false;
      // stdout and stderr both go to the terminal, as in an interactive shell.
      ends->err_w.reset(::fcntl(slave.get(), F_DUPFD_CLOEXEC, 3));
      if (!ends->err_w.valid()) {
        *err = "dup: " + ErrnoText(errno);
        return false;
      }
      ends->out_w = std::move(slave);
      return true;
    }
  }
  if (!MakePipe(&out->stderr_r, &ends->err_w)) return pipe_failed();
  return true;
}

}  // namespace

Spawned::~Spawned() {
  // Unregister before exit_event closes: the reaper writes to that fd.
  if (pid > 0) Reaper::Get().Forget(pid);
  if (!stdout_path.empty()) ::unlink(stdout_path.c_str());
}

std::string ShellQuote(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv) {
    if (!out.empty()) out += ' ';
    out += '\'';
    for (char c : a) {
      if (c == '\'') {
        out += "'\\''";
      } else {
        out += c;
      }
    }
    out += '\'';
  }
  return out;
}

std::vector<std::string> EffectiveArgv(const protocol::ProcessSpec& spec) {
  if (!spec.login_shell) return spec.argv;
  return {"su", "-", spec.user, "-c", ShellQuote(spec.argv)};
}

std::optional<std::string> FindExecutable(const std::string& name, const std::string& path) {
  if (name.find('/') != std::string::npos) return name;
  std::size_t start = 0;
  for (;;) {
    const auto colon = path.find(':', start);
    const std::string dir = path.substr(start, colon == std::string::npos ? colon : colon - start);
    if (!dir.empty() && dir[0] == '/') {  // relative PATH entries are ignored
      const std::string candidate = dir + "/" + name;
      struct stat st {};
      if (::stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111)) {
        return candidate;
      }
    }
    if (colon == std::string::npos) return std::nullopt;
    start = colon + 1;
  }
}

std::vector<std::string> BuildEnv(const protocol::ProcessSpec& spec, const std::string& home) {
  std::map<std::string, std::string> env = {
      {"PATH", kFixedPath}, {"HOME", home}, {"LANG", "C.UTF-8"}};
  for (const auto& [k, v] : spec.env) env[k] = v;
  std::vector<std::string> out;
  for (const auto& [k, v] : env) out.push_back(k + "=" + v);
  return out;
}

std::string ResolveCwd(const protocol::ProcessSpec& spec, const std::string& step_dir) {
  if (spec.cwd.empty()) return step_dir;
  if (spec.cwd[0] == '/') return spec.cwd;
  return step_dir + "/" + spec.cwd;
}

bool Spawn(const protocol::ProcessSpec& spec, const SpawnContext& ctx, Spawned* out,
           std::string* err) {
  using protocol::StdoutMode;
  IgnoreSigpipeOnce();
  ChildPlan p;
  // HOME is the user's home from the container's /etc/passwd; "/" when the
  // image has no entry for root.
  std::string home = "/";
  if (!spec.user.empty() && !spec.login_shell) {
    auto user = LookupUser(spec.user, err);
    if (!user) return false;
    p.switch_user = true;
    p.user = *user;
    home = user->home;
  } else if (auto root = LookupUser("root", nullptr)) {
    home = root->home;
  }
  p.argv_store = EffectiveArgv(spec);
  const auto path_it = spec.env.find("PATH");
  const std::string path = path_it == spec.env.end() ? kFixedPath : path_it->second;
  auto exe = FindExecutable(p.argv_store[0], path);
  if (!exe) {
    *err = "'" + p.argv_store[0] + "' not found in PATH (" + path + ")";
    return false;
  }
  p.exe = *exe;
  // The tracer must ptrace; it filters the command's process itself, after
  // it has attached to it (tracer.cc).
  p.filter = !ctx.probe_tracer;
  p.env_store = BuildEnv(spec, home);
  p.argv = CStrings(p.argv_store);
  p.envp = CStrings(p.env_store);
  p.cwd = ResolveCwd(spec, ctx.step_dir);

  // The child's ends live only until this function returns.
  ChildEnds ends;
  UniqueFd report_r, report_w;
  if (!MakePipe(&report_r, &report_w)) {
    *err = "pipe: " + ErrnoText(errno);
    return false;
  }
  if (!OpenStreams(spec.stdout_mode, ctx, out, &ends, err)) return false;
  out->exit_event.reset(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!out->exit_event.valid()) {
    *err = "eventfd: " + ErrnoText(errno);
    return false;
  }
  p.in_fd = ends.in_r.get();
  p.out_fd = ends.out_w.get();
  p.err_fd = ends.err_w.get();
  p.report_fd = report_w.get();

  out->started = Clock::now();
  out->pid = Reaper::Get().ForkTracked(out->exit_event.get(), [&p] { RunChild(p); });
  if (out->pid < 0) {
    *err = "clone: " + ErrnoText(errno);
    return false;
  }
  // Also from this side (the classic double setpgid): whichever runs first,
  // the group exists before anyone could try to kill it. EACCES once the
  // child has exec'd is fine: it did it itself by then.
  ::setpgid(out->pid, out->pid);
  report_w.reset();  // else the read below never sees EOF
  int msg[2] = {0, 0};
  ssize_t n;
  do {
    n = ::read(report_r.get(), msg, sizeof msg);
  } while (n < 0 && errno == EINTR);
  if (n == static_cast<ssize_t>(sizeof msg)) {
    *err = DescribeFailure(p, msg[0], msg[1]);
    return false;
  }
  // EOF: exec succeeded (close-on-exec closed the pipe).
  for (int fd : {out->stdin_w.get(), out->stdout_r.get(), out->stderr_r.get()}) {
    if (fd >= 0) SetNonBlocking(fd);
  }
  return true;
}

}  // namespace ipc::probe
