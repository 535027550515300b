// Shared by the hostile-corpus and the grader's-world-faults end-to-end
// tests: running the grader as a child whose pid, peak RSS and orphans we
// can see, and finding what it left behind (containers it owned, files).
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "e2e_support.h"

namespace ipc::e2e {

namespace hfs = std::filesystem;

inline std::string SlurpFile(const hfs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline std::string RandomToken(const std::string& prefix) {
  std::random_device rd;
  std::ostringstream ss;
  ss << prefix << std::hex << rd() << rd() << rd();
  return ss.str();
}

// A grader process started by the test: its pid is what the owner label of
// its containers names, and wait4 gives its peak RSS.
struct GraderRun {
  pid_t pid = -1;
  int status = -1;      // exit status, or 128 + signal
  long max_rss_kb = 0;  // ru_maxrss of the grader (not of its children)
  double wall_s = 0;
  std::string log;  // stdout + stderr
};

// Starts `argv` (argv[0] a path) with `env` added to this environment,
// stdout+stderr to `log_path`, stdin /dev/null. Returns the pid.
inline pid_t StartGrader(const std::vector<std::string>& argv,
                         const std::map<std::string, std::string>& env,
                         const std::string& log_path) {
  const pid_t pid = fork();
  if (pid != 0) return pid;
  // Child: only async-signal-safe work would be strictly right after fork
  // in a threaded process; gtest runs single-threaded here.
  const int log = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  const int null = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (log < 0 || null < 0) _exit(126);
  dup2(null, 0);
  dup2(log, 1);
  dup2(log, 2);
  for (const auto& [k, v] : env) setenv(k.c_str(), v.c_str(), 1);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  execv(args[0], args.data());
  _exit(127);
}

// Waits for `pid` and fills status and peak RSS (wait4's rusage is that
// child's own, which is the grader: the containers are the engine's).
inline void WaitGrader(GraderRun* run, const std::string& log_path) {
  struct rusage ru {};
  int st = 0;
  while (wait4(run->pid, &st, 0, &ru) < 0 && errno == EINTR) {
  }
  run->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  run->max_rss_kb = ru.ru_maxrss;
  run->log = SlurpFile(log_path);
}

inline GraderRun RunGrader(const std::vector<std::string>& argv,
                           const std::map<std::string, std::string>& env,
                           const std::string& log_path) {
  GraderRun run;
  const auto t0 = std::chrono::steady_clock::now();
  run.pid = StartGrader(argv, env, log_path);
  WaitGrader(&run, log_path);
  run.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return run;
}

// Makes this process the reaper of its descendants' orphans, so a process
// the grader left behind (a docker CLI, a git helper) becomes our child
// and shows up in OrphansLeft().
inline void BecomeSubreaper() { ::prctl(PR_SET_CHILD_SUBREAPER, 1); }

// The engine's CLI as the grader runs it (grader/container/engine_cli.cc:
// podman with runc, whose default crun fails on this host's cgroup v1).
inline std::string EngineCommand(const std::string& engine) {
  return engine == "podman" ? "podman --runtime runc" : "docker";
}

// `rm -f` on `engine`, killing at once: podman's own `rm -f` first sends
// SIGTERM and waits 10 s (its stop timeout) for a container whose PID 1
// ignores it; Docker's kills at once.
inline std::string ForceRemoveCommand(const std::string& engine) {
  return EngineCommand(engine) + (engine == "podman" ? " rm -f -t 0" : " rm -f");
}

// Containers (any state) on `engine` that this test process's `grader`
// runs labelled, as a space-separated list of ids (GraderContainers() for
// either engine). A listing that fails is a test failure, never "none".
inline std::string JobContainers(const std::string& engine) {
  std::string out;
  if (Sh(EngineCommand(engine) + " ps -aq --filter label=io.ipc-grader.job=" + TestJobLabel(),
         &out) != 0) {
    ADD_FAILURE() << EngineCommand(engine) << " ps failed: " << out;
    return "";
  }
  std::istringstream words(out);
  std::string ids;
  for (std::string id; words >> id;) ids += (ids.empty() ? "" : " ") + id;
  return ids;
}

// One line of /proc/PID/FILE ("" when the process is gone).
inline std::string ProcLine(const std::string& pid, const std::string& file) {
  std::string line;
  std::getline(std::ifstream("/proc/" + pid + "/" + file), line);
  return line;
}
inline std::string ProcLink(const std::string& pid, const std::string& link) {
  std::error_code ec;
  const auto target = hfs::read_symlink("/proc/" + pid + "/" + link, ec);
  return ec ? "" : target.string();
}
// The arguments of a process (empty when it is gone).
inline std::vector<std::string> ProcArgs(const std::string& pid) {
  std::ifstream in("/proc/" + pid + "/cmdline", std::ios::binary);
  std::vector<std::string> args;
  for (std::string arg; std::getline(in, arg, '\0');) args.push_back(arg);
  return args;
}
// Its parent's pid, from /proc/PID/stat (parsed after the last ')': the
// command name may hold spaces and parentheses); "" when it is gone.
inline std::string ParentOf(const std::string& pid) {
  const std::string stat = ProcLine(pid, "stat");
  const auto close = stat.rfind(')');
  if (close == std::string::npos) return "";
  std::istringstream fields(stat.substr(close + 1));
  std::string state, ppid;
  fields >> state >> ppid;
  return ppid;
}

// podman's own helpers, which it starts daemonised and which end by
// themselves once their container is gone: conmon (one per container; it
// is reparented to the subreaper, so to this test, while the batch runs)
// and the `podman container cleanup` that conmon runs when the container
// exits.
inline bool IsPodmanHelper(const std::string& pid) {
  const std::string exe = hfs::path(ProcLink(pid, "exe")).filename().string();
  if (exe == "conmon") return true;
  if (exe != "podman") return false;
  const auto args = ProcArgs(pid);
  for (std::size_t i = 0; i + 1 < args.size(); ++i) {
    if (args[i] == "container" && args[i + 1] == "cleanup") return true;
  }
  return false;
}

// Waits until process `pid` has ended, or `until`; true when it ended.
// A pidfd becomes readable when the process exits: no polling.
inline bool AwaitExit(const std::string& pid, std::chrono::steady_clock::time_point until) {
  const int fd = static_cast<int>(::syscall(SYS_pidfd_open, std::stoi(pid), 0));
  if (fd < 0) return errno == ESRCH;
  struct pollfd p = {fd, POLLIN, 0};
  int ready = 0;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        until - std::chrono::steady_clock::now());
    ready = ::poll(&p, 1, static_cast<int>(std::max<std::int64_t>(0, left.count())));
    if (ready >= 0 || errno != EINTR) break;
  }
  ::close(fd);
  return ready > 0;
}

// How long the engine's helpers may take to end once the grader is done
// (conmon lives on for a few tenths of a second after `podman rm` returns).
// A bound that only keeps a hung helper from hanging the test, never a
// verdict on speed: a helper still there after it is a process left behind.
constexpr std::chrono::seconds kEngineHelperGrace{30};

// Children of this process still alive or unreaped (after the grader was
// waited for, any is an orphan it left), as "pid (comm)". Reaps zombies
// among them. podman's helpers (IsPodmanHelper) among them are waited for,
// up to kEngineHelperGrace, and count only if they outlive it; anything
// else alive counts at once.
inline std::vector<std::string> OrphansLeft() {
  const auto until = std::chrono::steady_clock::now() + kEngineHelperGrace;
  const std::string self = std::to_string(::getpid());
  for (;;) {
    int st = 0;
    while (waitpid(-1, &st, WNOHANG) > 0) {
    }
    std::vector<std::string> left, helpers;
    for (const auto& e : hfs::directory_iterator("/proc")) {
      const std::string pid = e.path().filename().string();
      if (pid.find_first_not_of("0123456789") != std::string::npos || ParentOf(pid) != self) {
        continue;
      }
      if (ProcLine(pid, "stat").find(") Z ") != std::string::npos) continue;  // reaped next round
      (IsPodmanHelper(pid) ? helpers : left).push_back(pid + " (" + ProcLine(pid, "comm") + ")");
    }
    if (helpers.empty() || std::chrono::steady_clock::now() >= until) {
      left.insert(left.end(), helpers.begin(), helpers.end());
      return left;
    }
    // One helper's end may hand us its own child (conmon's cleanup): look again.
    AwaitExit(helpers.front().substr(0, helpers.front().find(' ')), until);
  }
}

// The container a process lives in, from its cgroup ("/docker/<id>",
// "docker-<id>.scope", podman's "/libpod_parent/libpod-<id>" under the
// cgroupfs manager or "libpod-<id>.scope" under systemd's; conmon's own
// "libpod-conmon-<id>" is not the container's); "" for none or a process
// that is gone.
inline std::string ContainerOfProcess(const std::string& pid) {
  std::ifstream in("/proc/" + pid + "/cgroup");
  std::string line;
  static const std::regex kId("(?:docker[-/]|libpod-)([0-9a-f]{64})");
  std::smatch m;
  while (std::getline(in, line)) {
    if (std::regex_search(line, m, kId)) return m[1];
  }
  return "";
}

// The container a conmon process watches (its `-c ID` / `--cid ID`); ""
// for any other process.
inline std::string ConmonContainer(const std::string& pid) {
  if (hfs::path(ProcLink(pid, "exe")).filename() != "conmon") return "";
  const auto args = ProcArgs(pid);
  for (std::size_t i = 0; i + 1 < args.size(); ++i) {
    if (args[i] == "-c" || args[i] == "--cid") return args[i + 1];
  }
  return "";
}

// The host uids a user-namespaced engine maps container users to
// (/etc/subuid's dockremap range), or {0, 0} when there is none.
inline std::pair<unsigned long, unsigned long> RemappedUids() {
  std::ifstream in("/etc/subuid");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("dockremap:", 0) != 0) continue;
    unsigned long first = 0, count = 0;
    if (std::sscanf(line.c_str(), "dockremap:%lu:%lu", &first, &count) == 2) {
      return {first, first + count};
    }
  }
  return {0, 0};
}

// Why process `pid` is one a container left on the host, given the ids of
// the containers that exist (`live`); "" when it is not (or is gone).
// Only processes of the engines the tests grade with count: root's Docker
// (with userns-remap its containers run as dockremap uids) and root's
// podman (no user namespace: its containers run in ours). A rootless
// engine's containers, in a user namespace of their own that root's
// engines do not list, are not ours to judge. A process left behind is:
//  - one in the cgroup of a container that no longer exists;
//  - podman's conmon of such a container, or a process below it;
//  - one outside every container's cgroup that still runs as a remapped
//    container uid (Docker's escape), or that still lives in a PID
//    namespace other than the host's (the escape on podman, where
//    container root is host root and no uid tells a container's processes
//    apart: no process of a container can leave its PID namespace, whose
//    processes all die with its init).
inline std::string WhyLeftBehind(const std::string& pid, const std::set<std::string>& live) {
  static const std::string host_userns = ProcLink("self", "ns/user");
  static const std::string host_pidns = ProcLink("self", "ns/pid");
  static const auto remap = RemappedUids();
  struct stat st {};
  if (::stat(("/proc/" + pid).c_str(), &st) != 0) return "";
  const bool remapped =
      remap.second > remap.first && st.st_uid >= remap.first && st.st_uid < remap.second;
  const std::string userns = ProcLink(pid, "ns/user");
  if (userns.empty() || (userns != host_userns && !remapped)) return "";
  const std::string id = ContainerOfProcess(pid);
  if (!id.empty()) {
    return live.count(id) ? "" : "in the cgroup of removed container " + id.substr(0, 12);
  }
  // conmon, and anything below a conmon, of a container that is gone.
  std::string at = pid;
  for (int depth = 0; depth < 64 && !at.empty() && at != "0" && at != "1"; ++depth) {
    const std::string watched = ConmonContainer(at);
    if (!watched.empty()) {
      if (live.count(watched)) break;
      return (at == pid ? "the conmon of removed container "
                        : "below the conmon (" + at + ") of removed container ") +
             watched.substr(0, 12);
    }
    at = ParentOf(at);
  }
  if (remapped) return "a remapped container uid outside every container";
  const std::string pidns = ProcLink(pid, "ns/pid");
  if (!pidns.empty() && pidns != host_pidns) {
    return "in a container's PID namespace (" + pidns + ") outside every container's cgroup";
  }
  return "";
}

// The ids of every container root's Docker and podman list, any state,
// but those in `forget`: another suite may grade with either.
inline std::set<std::string> ListedContainers(const std::set<std::string>& forget = {}) {
  std::string out;
  Sh("docker ps -aq --no-trunc; ! command -v podman >/dev/null || "
     "podman --runtime runc ps -aq --no-trunc",
     &out);
  std::set<std::string> ids;
  std::istringstream words(out);
  for (std::string id; words >> id;) {
    if (!forget.count(id)) ids.insert(id);
  }
  return ids;
}

// Processes containers left on the host, as "pid (comm): why" (see
// WhyLeftBehind). `forget` names containers to treat as removed although
// they exist (the detector's self-test). Exact where a count of the host's
// processes is not: other tests' live containers are listed, so their
// processes never count and the suite can run beside them. A container
// removed during the scan has its processes killed before it goes, but its
// conmon lives on for a moment after: each suspect is looked at again after
// the engines' second listing, a conmon-related one once it had
// kEngineHelperGrace to end, and reported only if it is still one.
inline std::vector<std::string> ProcessesContainersLeft(const std::set<std::string>& forget = {}) {
  std::set<std::string> live = ListedContainers(forget);
  std::vector<std::string> suspects;
  for (const auto& e : hfs::directory_iterator("/proc")) {
    const std::string pid = e.path().filename().string();
    if (pid.empty() || pid.find_first_not_of("0123456789") != std::string::npos) continue;
    if (!WhyLeftBehind(pid, live).empty()) suspects.push_back(pid);
  }
  for (const auto& id : ListedContainers(forget)) live.insert(id);  // created during the scan
  const auto until = std::chrono::steady_clock::now() + kEngineHelperGrace;
  std::vector<std::string> left;
  for (const auto& pid : suspects) {
    std::string why = WhyLeftBehind(pid, live);
    if (why.find("conmon") != std::string::npos && forget.empty() && AwaitExit(pid, until)) {
      continue;
    }
    why = WhyLeftBehind(pid, live);
    if (!why.empty()) left.push_back(pid + " (" + ProcLine(pid, "comm") + "): " + why);
  }
  return left;
}

// Names of containers (any state) on `engine` whose owner label names
// grader process `pid` (see grader/container/owner.h: "<scope>:<pid>:<start
// ticks>"), space-separated. podman's templates have no `.Label "KEY"`:
// `index .Labels`. A listing that fails is a test failure, never "none".
inline std::string ContainersOwnedBy(pid_t pid, const std::string& engine = "docker") {
  const std::string owner = engine == "podman" ? "{{index .Labels \"io.ipc-grader.owner\"}}"
                                               : "{{.Label \"io.ipc-grader.owner\"}}";
  std::string out;
  if (Sh(EngineCommand(engine) + " ps -a --filter label=io.ipc-grader.owner --format '{{.Names}} " +
             owner + "'",
         &out) != 0) {
    ADD_FAILURE() << EngineCommand(engine) << " ps failed: " << out;
    return "";
  }
  const std::string needle = ":" + std::to_string(pid) + ":";
  std::istringstream lines(out);
  std::string names;
  for (std::string line; std::getline(lines, line);) {
    const auto space = line.find(' ');
    if (space == std::string::npos || line.find(needle, space) == std::string::npos) continue;
    names += (names.empty() ? "" : " ") + line.substr(0, space);
  }
  return names;
}

// Regular files under `dir` larger than `limit` bytes, and files holding
// any of `secrets`, as "path: why" lines.
inline std::vector<std::string> BadOutputs(const hfs::path& dir, std::uintmax_t limit,
                                           const std::vector<std::string>& secrets) {
  std::vector<std::string> bad;
  for (const auto& e : hfs::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    if (e.file_size() >= limit) {
      bad.push_back(e.path().string() + ": " + std::to_string(e.file_size()) + " bytes");
    }
    const std::string text = SlurpFile(e.path());
    for (const auto& s : secrets) {
      if (text.find(s) != std::string::npos) bad.push_back(e.path().string() + ": holds " + s);
    }
  }
  return bad;
}

}  // namespace ipc::e2e
