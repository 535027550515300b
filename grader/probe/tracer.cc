#include "probe/tracer.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <map>
#include <optional>
#include <set>

#include "probe/fd.h"
#include "probe/sha256.h"
#include "probe/step_filter.h"
#include "protocol/trace_log.h"

namespace ipc::probe {
namespace {

// What starts every line the tracer writes of its own (not an event).
constexpr std::string_view kTracerSays = "ipc-grader tracer: ";

using protocol::TraceEvent;
using Clock = std::chrono::steady_clock;

constexpr std::size_t kMaxScriptBytes = 1 << 20;  // hashed; more than any test script
constexpr auto kDrainBound = std::chrono::seconds(5);

// NUL-separated strings of a /proc file, at most `max_items` of at most
// `max_item` bytes each, and at most `max_total` bytes in all.
std::vector<std::string> ReadNulList(const std::string& path, std::size_t max_items,
                                     std::size_t max_item, std::size_t max_total) {
  std::vector<std::string> out;
  const auto text = ReadSmallFile(path, 4 << 20);
  if (!text) return out;
  std::size_t total = 0;
  std::size_t start = 0;
  while (start < text->size() && out.size() < max_items) {
    auto end = text->find('\0', start);
    if (end == std::string::npos) end = text->size();
    std::string item = text->substr(start, std::min(end - start, max_item));
    total += item.size();
    if (total > max_total) break;
    out.push_back(std::move(item));
    start = end + 1;
  }
  return out;
}

std::string ReadLink(const std::string& path) {
  char buf[4096];
  const ssize_t n = ::readlink(path.c_str(), buf, sizeof buf);
  return n < 0 ? "" : std::string(buf, static_cast<std::size_t>(n));
}

// "/a/./b/../c" -> "/a/c", lexically (no symlink is looked at).
std::string Normalize(const std::string& path) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (start <= path.size()) {
    auto slash = path.find('/', start);
    if (slash == std::string::npos) slash = path.size();
    const std::string comp = path.substr(start, slash - start);
    if (comp == "..") {
      if (!parts.empty()) parts.pop_back();
    } else if (!comp.empty() && comp != ".") {
      parts.push_back(comp);
    }
    start = slash + 1;
  }
  std::string out;
  for (const auto& p : parts) out += "/" + p;
  return out.empty() ? "/" : out;
}

// The content of the file as a program would read it now; nullopt if it
// cannot be read. O_NONBLOCK: a FIFO put in a script's place must not
// block the tracer.
std::optional<std::string> ReadScript(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
  if (!fd.valid()) return std::nullopt;
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
  std::string data;
  char buf[1 << 16];
  for (;;) {
    const ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    data.append(buf, static_cast<std::size_t>(n));
    if (data.size() > kMaxScriptBytes) break;
  }
  return data;
}

// "dev:inode:ctime" of `path` (followed, as a shell opens it); "" when it
// cannot be stat'ed.
std::string Stamp(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return "";
  return std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino) + ":" +
         std::to_string(st.st_ctim.tv_sec) + "." + std::to_string(st.st_ctim.tv_nsec);
}

class Tracer {
 public:
  Tracer(int log_fd, std::vector<std::string> watch) : log_fd_(log_fd), watch_(std::move(watch)) {}

  // Runs `command` traced; returns its first process's wait status.
  int Run(const std::vector<std::string>& command);

 private:
  double Now() const { return std::chrono::duration<double>(Clock::now() - t0_).count(); }
  void Emit(const TraceEvent& e) {
    const std::string line = protocol::TraceLine(e);
    WriteAll(log_fd_, line.data(), line.size());
  }
  void OnNewTask(pid_t pid);
  void OnExec(pid_t pid);
  void OnExitStop(pid_t pid);
  void OnGone(pid_t pid, int status);
  void Continue(pid_t pid, int sig) { ::ptrace(PTRACE_CONT, pid, nullptr, sig); }
  std::optional<pid_t> TgidOf(pid_t tid) const;

  int log_fd_;
  std::vector<std::string> watch_;
  Clock::time_point t0_;
  pid_t child_ = -1;
  std::optional<int> child_status_;
  std::map<pid_t, pid_t> forked_by_;  // a new task -> the task whose fork made it
  std::set<pid_t> early_;             // stopped before its parent's fork event
  std::set<pid_t> announced_;         // fork event written (or a thread)
  std::set<pid_t> gone_unannounced_;  // ended before its parent's fork event
  std::set<pid_t> tasks_;             // traced and not gone
  std::set<pid_t> threads_;           // tasks that are not a process's first thread
  // A process that exec'd a watched file: the hits and the paths it named,
  // to look at again at exit.
  std::map<pid_t, std::vector<TraceEvent::Hit>> hits_;
  std::map<pid_t, std::vector<std::string>> hit_paths_;
  std::map<pid_t, std::vector<std::string>> sha_at_exit_;
  std::map<pid_t, std::vector<std::string>> stamps_at_exit_;
};

std::optional<pid_t> Tracer::TgidOf(pid_t tid) const {
  const auto status = ReadSmallFile("/proc/" + std::to_string(tid) + "/status");
  if (!status) return std::nullopt;
  const auto at = status->find("\nTgid:");
  if (at == std::string::npos) return std::nullopt;
  return static_cast<pid_t>(std::strtol(status->c_str() + at + 6, nullptr, 10));
}

void Tracer::OnNewTask(pid_t pid) {
  const auto by = forked_by_.find(pid);
  if (by == forked_by_.end()) {
    // Its first stop came before its parent's fork event (waitpid reports
    // them in either order): announce it when that event comes.
    if (pid != child_ && !announced_.count(pid)) early_.insert(pid);
    return;
  }
  announced_.insert(pid);
  const auto tgid = TgidOf(pid);
  if (tgid && *tgid != pid) {
    threads_.insert(pid);
  } else {
    TraceEvent e;
    e.kind = TraceEvent::Kind::kFork;
    e.pid = pid;
    e.ppid = TgidOf(by->second).value_or(by->second);
    e.t = Now();
    Emit(e);
  }
  forked_by_.erase(by);
}

void Tracer::OnExec(pid_t pid) {
  const std::string proc = "/proc/" + std::to_string(pid);
  TraceEvent e;
  e.kind = TraceEvent::Kind::kExec;
  e.pid = pid;
  e.t = Now();
  if (const auto status = ReadSmallFile(proc + "/status")) {
    const auto at = status->find("\nPPid:");
    if (at != std::string::npos) {
      e.ppid = static_cast<int>(std::strtol(status->c_str() + at + 6, nullptr, 10));
    }
  }
  e.argv = ReadNulList(proc + "/cmdline", protocol::kTraceMaxArgs, protocol::kTraceMaxArgBytes,
                       protocol::kTraceMaxArgs * protocol::kTraceMaxArgBytes);
  e.exe = ReadLink(proc + "/exe");
  e.cwd = ReadLink(proc + "/cwd");
  for (std::size_t i = 1; i < e.argv.size(); ++i) {
    const std::string& arg = e.argv[i];
    if (arg.empty()) continue;
    if (arg[0] != '/' && e.cwd.empty()) continue;  // relative, and no cwd to resolve it
    const std::string full = arg[0] == '/' ? arg : e.cwd + "/" + arg;
    struct stat as {};
    const bool arg_exists = ::stat(full.c_str(), &as) == 0;
    for (std::size_t w = 0; w < watch_.size(); ++w) {
      struct stat ws {};
      // Only a path the kernel could open names the file: text alone
      // ("nothing/../t.sh" where nothing/ does not exist) does not.
      const bool same = arg_exists && (Normalize(full) == watch_[w] ||
                                       (::stat(watch_[w].c_str(), &ws) == 0 &&
                                        ws.st_dev == as.st_dev && ws.st_ino == as.st_ino));
      if (!same) continue;
      TraceEvent::Hit h;
      h.watch = static_cast<int>(w);
      h.arg = static_cast<int>(i);
      h.stamp = Stamp(full);
      if (const auto data = ReadScript(full)) h.sha256 = Sha256Hex(*data);
      e.hits.push_back(std::move(h));
    }
  }
  if (!e.hits.empty()) {
    e.env = ReadNulList(proc + "/environ", 4096, protocol::kTraceMaxEnvBytes,
                        protocol::kTraceMaxEnvBytes);
    hits_[pid] = e.hits;
    std::vector<std::string> paths;
    for (const auto& h : e.hits) {
      const std::string& arg = e.argv[static_cast<std::size_t>(h.arg)];
      paths.push_back(arg[0] == '/' ? arg : e.cwd + "/" + arg);
    }
    hit_paths_[pid] = std::move(paths);
  }
  // An exec without hits keeps the process's earlier ones: a script that
  // `exec`s its last command ends with that command's exit, and the files
  // it ran from are still looked at then.
  Emit(e);
}

void Tracer::OnExitStop(pid_t pid) {
  const auto it = hits_.find(pid);
  if (it == hits_.end()) return;
  // What each file holds as the process ends, and its stamp: a script
  // rewritten while it ran, even if put back, has another ctime.
  std::vector<std::string> shas, stamps;
  for (const auto& path : hit_paths_[pid]) {
    const auto data = ReadScript(path);
    shas.push_back(data ? Sha256Hex(*data) : "");
    stamps.push_back(Stamp(path));
  }
  sha_at_exit_[pid] = std::move(shas);
  stamps_at_exit_[pid] = std::move(stamps);
}

void Tracer::OnGone(pid_t pid, int status) {
  tasks_.erase(pid);
  forked_by_.erase(pid);
  // Gone before its parent's fork event was seen: announce it when it is.
  if (early_.erase(pid) > 0 || (!announced_.count(pid) && !threads_.count(pid) && pid != child_)) {
    gone_unannounced_.insert(pid);
  }
  announced_.erase(pid);
  if (threads_.erase(pid) > 0) return;
  TraceEvent e;
  e.kind = TraceEvent::Kind::kExit;
  e.pid = pid;
  e.t = Now();
  if (WIFEXITED(status)) e.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) e.term_signal = WTERMSIG(status);
  if (auto it = sha_at_exit_.find(pid); it != sha_at_exit_.end()) {
    e.sha256_at_exit = std::move(it->second);
    sha_at_exit_.erase(it);
  }
  if (auto it = stamps_at_exit_.find(pid); it != stamps_at_exit_.end()) {
    e.stamps_at_exit = std::move(it->second);
    stamps_at_exit_.erase(it);
  }
  hits_.erase(pid);
  hit_paths_.erase(pid);
  Emit(e);
  if (pid == child_) child_status_ = status;
}

int Tracer::Run(const std::vector<std::string>& command) {
  UniqueFd go_r, go_w;
  if (!MakePipe(&go_r, &go_w)) return 127 << 8;
  // The child's errno when it could not install the step filter; EOF when
  // it exec'd (close-on-exec) or exited otherwise.
  UniqueFd filter_r, filter_w;
  if (!MakePipe(&filter_r, &filter_w)) return 127 << 8;
  // Orphans of the traced tree come to us, so that we reap them all.
  ::prctl(PR_SET_CHILD_SUBREAPER, 1);
  child_ = ::fork();
  if (child_ < 0) return 127 << 8;
  if (child_ == 0) {
    go_w.reset();
    filter_r.reset();
    char byte;
    // Wait until the tracer has attached (EOF when it closes its end).
    while (::read(go_r.get(), &byte, 1) < 0 && errno == EINTR) {
    }
    // After the attach, which needs nothing of the child, and before the
    // command: everything the command starts inherits it.
    if (const int failed = InstallStepFilter(); failed != 0) {
      [[maybe_unused]] const ssize_t n = ::write(filter_w.get(), &failed, sizeof failed);
      ::_exit(127);
    }
    ::dup2(1, 2);  // the job's stderr joins its stdout; fd 2 was the log
    std::vector<char*> argv;
    for (const auto& a : command) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execvp(argv[0], argv.data());
    ::_exit(127);
  }
  go_r.reset();
  filter_w.reset();
  // Not dumpable: the traced tree (root, but without CAP_SYS_PTRACE) can
  // neither ptrace us nor open /proc/PID/fd or mem of ours. Only now: the
  // child inherited the flag at fork, and a non-dumpable child could not be
  // traced (it becomes dumpable again when it execs).
  ::prctl(PR_SET_DUMPABLE, 0);
  const long options = PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK | PTRACE_O_TRACECLONE |
                       PTRACE_O_TRACEEXEC | PTRACE_O_TRACEEXIT | PTRACE_O_EXITKILL;
  if (::ptrace(PTRACE_SEIZE, child_, nullptr, options) != 0) {
    const std::string why = std::string(kTracerSays) + "cannot trace the command: " + ErrnoText(errno) + "\n";
    WriteAll(log_fd_, why.data(), why.size());
    ::kill(child_, SIGKILL);
    go_w.reset();
    int st = 0;
    ::waitpid(child_, &st, 0);
    return 127 << 8;
  }
  tasks_.insert(child_);
  t0_ = Clock::now();
  go_w.reset();  // the child may exec now

  std::optional<Clock::time_point> drain_until;
  for (;;) {
    int status = 0;
    const pid_t pid = ::waitpid(-1, &status, __WALL);
    if (pid < 0) {
      if (errno == EINTR) continue;
      break;  // ECHILD: nothing left
    }
    tasks_.insert(pid);
    if (WIFEXITED(status) || WIFSIGNALED(status)) {
      OnGone(pid, status);
    } else if (WIFSTOPPED(status)) {
      const int sig = WSTOPSIG(status);
      const int event = status >> 16;
      switch (event) {
        case PTRACE_EVENT_FORK:
        case PTRACE_EVENT_VFORK:
        case PTRACE_EVENT_CLONE: {
          unsigned long msg = 0;
          ::ptrace(PTRACE_GETEVENTMSG, pid, nullptr, &msg);
          const pid_t born = static_cast<pid_t>(msg);
          forked_by_[born] = pid;
          tasks_.insert(born);
          if (early_.erase(born) > 0) OnNewTask(born);
          if (gone_unannounced_.erase(born) > 0) {
            forked_by_.erase(born);
            tasks_.erase(born);
            TraceEvent e;
            e.kind = TraceEvent::Kind::kFork;
            e.pid = born;
            e.ppid = TgidOf(pid).value_or(pid);
            e.t = Now();
            Emit(e);
          }
          Continue(pid, 0);
          break;
        }
        case PTRACE_EVENT_EXEC:
          OnNewTask(pid);
          OnExec(pid);
          Continue(pid, 0);
          break;
        case PTRACE_EVENT_EXIT:
          OnExitStop(pid);
          Continue(pid, 0);
          break;
        case PTRACE_EVENT_STOP:
          OnNewTask(pid);
          if (sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU) {
            ::ptrace(PTRACE_LISTEN, pid, nullptr, nullptr);  // a group-stop
          } else {
            Continue(pid, 0);  // the stop a new task starts with
          }
          break;
        default:
          OnNewTask(pid);
          Continue(pid, sig);  // a signal on its way: deliver it
          break;
      }
    }
    if (child_status_ && !drain_until) {
      // The command is over: what it left running goes, as when the probe
      // ends a step (and it must not write into a later step's log).
      drain_until = Clock::now() + kDrainBound;
      for (pid_t t : tasks_) ::kill(t, SIGKILL);
    }
    if (drain_until && Clock::now() > *drain_until) break;
  }
  // The child has exec'd or is gone by now (non-blocking all the same: the
  // drain above is bounded, this must be too).
  int filter_errno = 0;
  SetNonBlocking(filter_r.get());
  if (::read(filter_r.get(), &filter_errno, sizeof filter_errno) ==
      static_cast<ssize_t>(sizeof filter_errno)) {
    const std::string why =
        std::string(kTracerSays) + DescribeStepFilterFailure(filter_errno) + "\n";
    WriteAll(1, why.data(), why.size());
    WriteAll(log_fd_, why.data(), why.size());
  }
  // What the watched files hold now that the job is over: a file the job
  // rewrote shows here even when no exec of it was seen (bash runs a
  // script without a #! line in a forked copy of itself, without exec).
  TraceEvent end;
  end.kind = TraceEvent::Kind::kEnd;
  end.pid = child_;
  end.t = Now();
  for (const auto& path : watch_) {
    const auto data = ReadScript(path);
    end.sha256_at_exit.push_back(data ? Sha256Hex(*data) : "");
    end.stamps_at_exit.push_back(Stamp(path));
  }
  Emit(end);
  return child_status_.value_or(127 << 8);
}

}  // namespace

std::vector<std::string> TracerArgv(const std::string& probe_path,
                                    const std::vector<std::string>& watch,
                                    const std::vector<std::string>& command) {
  std::vector<std::string> argv = {probe_path, kTraceFlag};
  for (const auto& w : watch) {
    argv.push_back("--watch");
    argv.push_back(w);
  }
  argv.push_back("--");
  argv.insert(argv.end(), command.begin(), command.end());
  return argv;
}

std::string TracedCommandNotRun(const std::string& log) {
  const std::string needle = std::string(kTracerSays) + "not run: ";
  for (std::size_t at = 0; at < log.size();) {
    const std::size_t eol = std::min(log.find('\n', at), log.size());
    if (log.compare(at, needle.size(), needle) == 0) {
      return log.substr(at + kTracerSays.size(), eol - at - kTracerSays.size());
    }
    at = eol + 1;
  }
  return "";
}

int TracerMain(const std::vector<std::string>& args) {
  std::vector<std::string> watch;
  std::vector<std::string> command;
  std::size_t i = args.empty() || args[0] != kTraceFlag ? 0 : 1;
  for (; i < args.size(); ++i) {
    if (args[i] == "--") {
      command.assign(args.begin() + static_cast<std::ptrdiff_t>(i) + 1, args.end());
      break;
    }
    if (args[i] == "--watch" && i + 1 < args.size()) {
      watch.push_back(Normalize(args[++i]));
      continue;
    }
    const std::string why = std::string(kTracerSays) + "unknown argument '" + args[i] + "'\n";
    WriteAll(2, why.data(), why.size());
    return 2;
  }
  if (command.empty()) {
    WriteAll(2, "ipc-grader tracer: no command after --\n", 39);
    return 2;
  }
  ::signal(SIGPIPE, SIG_IGN);
  const int log_fd = ::fcntl(2, F_DUPFD_CLOEXEC, 10);
  if (log_fd < 0) return 127;
  Tracer tracer(log_fd, std::move(watch));
  const int status = tracer.Run(command);
  if (WIFSIGNALED(status)) {
    // End the same way, so the probe reports the signal.
    ::signal(WTERMSIG(status), SIG_DFL);
    sigset_t all;
    ::sigfillset(&all);
    ::sigprocmask(SIG_UNBLOCK, &all, nullptr);
    ::kill(::getpid(), WTERMSIG(status));
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 127;
}

}  // namespace ipc::probe
