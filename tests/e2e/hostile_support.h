// Shared by the hostile-corpus and the grader's-world-faults end-to-end
// tests: running the grader as a child whose pid, peak RSS and orphans we
// can see, and finding what it left behind (containers it owned, files).
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
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
  int status = -1;       // exit status, or 128 + signal
  long max_rss_kb = 0;   // ru_maxrss of the grader (not of its children)
  double wall_s = 0;
  std::string log;       // stdout + stderr
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

// Children of this process still alive or unreaped (after the grader was
// waited for, any is an orphan it left). Reaps zombies among them.
inline int OrphansLeft() {
  int left = 0;
  for (;;) {
    int st = 0;
    const pid_t p = waitpid(-1, &st, WNOHANG);
    if (p > 0) continue;      // a zombie: it was an orphan, now reaped
    if (p == 0) ++left;       // children exist and are running
    break;
  }
  return left;
}

// The container a process lives in, from its cgroup ("/docker/<id>",
// "docker-<id>.scope", podman's "libpod-<id>"); "" for none or a process
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

// Processes a container left on the host, as "pid (comm): why": one in the
// cgroup of a container the engine no longer lists, or one running as a
// remapped container uid outside every container's cgroup (an escape).
// Exact where a count of the host's processes is not: other tests' live
// containers are listed, so their processes never count and the suite can
// run beside them. A container removed during the scan has its processes
// killed before it goes, so each suspect is looked at again after the
// engine's second listing and reported only if it still lives there.
inline std::vector<std::string> ProcessesContainersLeft() {
  const auto listed = [] {
    // Both engines' containers: another suite may grade with podman.
    std::string out;
    Sh("docker ps -aq --no-trunc; ! command -v podman >/dev/null || "
       "podman --runtime runc ps -aq --no-trunc",
       &out);
    std::set<std::string> ids;
    std::istringstream words(out);
    for (std::string id; words >> id;) ids.insert(id);
    return ids;
  };
  const auto [remap_first, remap_end] = RemappedUids();
  std::set<std::string> live = listed();
  std::vector<std::pair<std::string, std::string>> suspects;  // pid, container ("" = none)
  for (const auto& e : hfs::directory_iterator("/proc")) {
    const std::string pid = e.path().filename().string();
    if (pid.empty() || pid.find_first_not_of("0123456789") != std::string::npos) continue;
    const std::string id = ContainerOfProcess(pid);
    if (!id.empty()) {
      if (!live.count(id)) suspects.emplace_back(pid, id);
      continue;
    }
    struct stat st {};
    if (remap_end > remap_first && ::stat(e.path().c_str(), &st) == 0 &&
        st.st_uid >= remap_first && st.st_uid < remap_end) {
      suspects.emplace_back(pid, "");
    }
  }
  for (const auto& id : listed()) live.insert(id);
  std::vector<std::string> left;
  for (const auto& [pid, id] : suspects) {
    if (!id.empty() && live.count(id)) continue;  // created during the scan
    if (!hfs::exists("/proc/" + pid) || ContainerOfProcess(pid) != id) continue;  // gone
    std::string comm;
    std::getline(std::ifstream("/proc/" + pid + "/comm"), comm);
    left.push_back(pid + " (" + comm + "): " +
                   (id.empty() ? "a remapped container uid outside every container"
                               : "in the cgroup of removed container " + id.substr(0, 12)));
  }
  return left;
}

// Names of containers (any state) whose owner label names grader process
// `pid` (see grader/container/owner.h: "<scope>:<pid>:<start ticks>").
inline std::string ContainersOwnedBy(pid_t pid) {
  std::string out;
  Sh("docker ps -a --filter label=io.ipc-grader.owner --format "
     "'{{.Names}} {{.Label \"io.ipc-grader.owner\"}}' | grep ':" +
         std::to_string(pid) + ":' | cut -d' ' -f1 | tr '\\n' ' '",
     &out);
  while (!out.empty() && (out.back() == ' ' || out.back() == '\n')) out.pop_back();
  return out;
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
