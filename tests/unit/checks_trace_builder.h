// Traces of a CI job as the probe's tracer records them (protocol::TraceEvent:
// forks, execs, exits and the end event), built by hand for the gitlab_ci
// check and ci_runs.h. Every event is one second after the previous one.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "protocol/probe_protocol.h"

namespace ipc::testing {

class JobTrace {
 public:
  static constexpr int kDriver = 10;  // the job's bash (the traced command)

  JobTrace() {
    Exec(kDriver, 1, {"/bin/bash", "--noprofile", "--norc", "-c", "(driver)", "gitlab-ci"});
  }

  protocol::TraceEvent& Fork(int pid, int parent) {
    protocol::TraceEvent e;
    e.kind = protocol::TraceEvent::Kind::kFork;
    e.pid = pid;
    e.ppid = parent;
    return Add(std::move(e));
  }
  protocol::TraceEvent& Exec(int pid, int parent, std::vector<std::string> argv,
                             std::string exe = "") {
    protocol::TraceEvent e;
    e.kind = protocol::TraceEvent::Kind::kExec;
    e.pid = pid;
    e.ppid = parent;
    e.exe = exe.empty() ? "/usr/bin/" + Base(argv.empty() ? "" : argv[0]) : exe;
    e.argv = std::move(argv);
    e.cwd = "/root";
    return Add(std::move(e));
  }
  // A process of the job: forked by `parent`, then exec'ing argv.
  protocol::TraceEvent& Start(int pid, int parent, std::vector<std::string> argv,
                              std::string exe = "") {
    Fork(pid, parent);
    return Exec(pid, parent, std::move(argv), std::move(exe));
  }
  protocol::TraceEvent& Exit(int pid, std::optional<int> code, std::optional<int> sig = {}) {
    protocol::TraceEvent e;
    e.kind = protocol::TraceEvent::Kind::kExit;
    e.pid = pid;
    e.exit_code = code;
    e.term_signal = sig;
    return Add(std::move(e));
  }

  // The stamp ("dev:inode:ctime") of watched file `watch` as committed.
  static std::string Stamp(int watch) {
    return "2049:" + std::to_string(100 + watch) + ":1700000000.000000000";
  }
  static std::vector<std::string> CleanEnv() {
    return {"PATH=/usr/local/bin:/usr/bin:/bin", "HOME=/root", "CI=true"};
  }

  // A run of watched file `watch` the way the kernel starts `./test.sh`
  // with a bash shebang: `/bin/bash ./test.sh` (the file is argv[1]), with
  // its SHA-256 `sha` and stamp as the tracer saw them at the exec.
  protocol::TraceEvent& StartRun(int pid, int parent, int watch, const std::string& path,
                                 const std::string& sha, std::vector<std::string> argv = {}) {
    if (argv.empty()) argv = {"/bin/bash", path};
    int arg = 1;
    for (std::size_t i = 1; i < argv.size(); ++i) {
      if (argv[i] == path) arg = static_cast<int>(i);
    }
    auto& e = Start(pid, parent, std::move(argv), "/usr/bin/bash");
    e.hits.push_back({watch, arg, sha, Stamp(watch)});
    e.env = CleanEnv();
    return e;
  }
  // The end of a run: the exit, with what the file held then.
  protocol::TraceEvent& EndRun(int pid, std::optional<int> code, const std::string& sha_at_exit,
                               const std::string& stamp_at_exit, std::optional<int> sig = {}) {
    auto& e = Exit(pid, code, sig);
    e.sha256_at_exit = {sha_at_exit};
    e.stamps_at_exit = {stamp_at_exit};
    return e;
  }
  // A whole run of a file that nothing touched.
  void Run(int pid, int parent, int watch, const std::string& path, const std::string& sha,
           int code) {
    StartRun(pid, parent, watch, path, sha);
    EndRun(pid, code, sha, Stamp(watch));
  }
  // The end event: the job is over, and each watched file holds `shas`.
  void End(const std::vector<std::string>& shas) {
    Exit(kDriver, 0);
    protocol::TraceEvent e;
    e.kind = protocol::TraceEvent::Kind::kEnd;
    e.pid = kDriver;
    e.sha256_at_exit = shas;
    for (std::size_t i = 0; i < shas.size(); ++i) {
      e.stamps_at_exit.push_back(Stamp(static_cast<int>(i)));
    }
    Add(std::move(e));
  }

  std::vector<protocol::TraceEvent> events;

 private:
  protocol::TraceEvent& Add(protocol::TraceEvent e) {
    e.t = t_;
    t_ += 1;
    events.push_back(std::move(e));
    return events.back();
  }
  static std::string Base(const std::string& path) {
    const auto slash = path.rfind('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
  }
  double t_ = 0;
};

}  // namespace ipc::testing
