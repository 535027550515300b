#include "checks/ci_runs.h"

#include <algorithm>
#include <set>

#include "protocol/box_layout.h"

namespace ipc::checks {
namespace {

using protocol::TraceEvent;

std::string Basename(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// One process of the job, as the events tell: when it appeared and ended
// (seconds since the job started; end 1e9 when no exit was seen), and its
// parent.
struct Proc {
  double start = 0;
  double end = 1e9;
  int parent = 0;
  std::string name;  // of its last exec
};

bool Within(int pid, int ancestor, const std::map<int, Proc>& procs) {
  for (int p = pid, guard = 0; p != 0 && guard < 10000; ++guard) {
    if (p == ancestor) return true;
    const auto it = procs.find(p);
    if (it == procs.end()) return false;
    p = it->second.parent;
  }
  return false;
}

}  // namespace

std::vector<std::string> RunPolicy::DefaultUnsafeEnv() {
  // bash(1) "Shell Variables" that run code or change parsing; ld.so(8);
  // python(1) "Environment variables"; glibc's locale/iconv loaders.
  return {"BASH_ENV",       "ENV",          "SHELLOPTS",  "BASHOPTS",      "BASH_FUNC_*",
          "PS4",            "GLOBIGNORE",   "CDPATH",     "PROMPT_COMMAND", "BASH_XTRACEFD",
          "EXECIGNORE",     "BASH_COMPAT",  "BASH_LOADABLES_PATH", "LD_*", "GCONV_PATH",
          "LOCPATH",        "NLSPATH",      "HOSTALIASES", "PYTHONSTARTUP", "PYTHONPATH",
          "PYTHONHOME",     "PYTHONINSPECT", "PYTHONUSERBASE", "PYTHONSAFEPATH",
          "PYTHONEXECUTABLE", "PYTHONWARNINGS", "PYTHONBREAKPOINT", "PYTHONIOENCODING",
          "PYTHONUTF8",     "PYTHONUNBUFFERED", "PYTHONNOUSERSITE", "PYTHONPLATLIBDIR",
          "PYTHONOPTIMIZE", "PYTHONDEBUG",  "PYTHONVERBOSE", "PYTHONCASEOK",
          "PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX", "PYTHONHASHSEED",
          "PYTHONFAULTHANDLER", "PYTHONMALLOC", "PYTHONDEVMODE", "PYTHONCOERCECLOCALE"};
}

bool IsUnsafeName(const std::string& name, const RunPolicy& policy) {
  for (const auto& rule : policy.unsafe_env) {
    if (!rule.empty() && rule.back() == '*') {
      if (name.rfind(rule.substr(0, rule.size() - 1), 0) == 0) return true;
    } else if (name == rule) {
      return true;
    }
  }
  return false;
}

std::vector<std::string> UnsafeVariables(const std::vector<std::string>& env,
                                         const RunPolicy& policy) {
  std::vector<std::string> out;
  for (const auto& kv : env) {
    const auto eq = kv.find('=');
    const std::string name = kv.substr(0, eq);
    const std::string value = eq == std::string::npos ? "" : kv.substr(eq + 1);
    if (IsUnsafeName(name, policy)) {
      out.push_back(name);
      continue;
    }
    if (name != "PATH") continue;
    std::string writable;
    std::size_t start = 0;
    while (start <= value.size()) {
      auto colon = value.find(':', start);
      if (colon == std::string::npos) colon = value.size();
      const std::string dir = value.substr(start, colon - start);
      if (protocol::WritableByStep(dir, policy.workdir)) {
        writable += (writable.empty() ? "" : ", ") + (dir.empty() ? std::string("''") : dir);
      }
      start = colon + 1;
    }
    if (!writable.empty()) out.push_back("PATH (with " + writable + ", which the job can write)");
  }
  return out;
}

bool IsShell(const std::string& argv0, const std::string& exe) {
  static const std::set<std::string> kShells = {"bash", "sh", "dash", "zsh", "ksh", "mksh", "ash"};
  return kShells.count(Basename(argv0)) > 0 || kShells.count(Basename(exe)) > 0;
}

std::optional<std::size_t> ShellScriptOperand(const std::vector<std::string>& argv) {
  for (std::size_t i = 1; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (a == "--" || a == "-") return i + 1 < argv.size() ? std::optional(i + 1) : std::nullopt;
    if (a.size() >= 2 && a[0] == '-' && a[1] == '-') {
      // bash's long options; two take an argument.
      if (a == "--rcfile" || a == "--init-file") ++i;
      continue;
    }
    if (a[0] == '-' || a[0] == '+') {
      // A cluster of one-letter options: -c and -s mean no script file;
      // -o / -O take the next argument.
      for (std::size_t k = 1; k < a.size(); ++k) {
        if (a[k] == 'c' || a[k] == 's') return std::nullopt;
        if (a[k] == 'o' || a[k] == 'O') ++i;
      }
      continue;
    }
    return i;
  }
  return std::nullopt;
}

std::map<int, std::vector<ScriptRun>> FindScriptRuns(const std::vector<TraceEvent>& trace,
                                                     const RunPolicy& policy) {
  std::map<int, Proc> procs;
  for (const auto& e : trace) {
    if (e.kind == TraceEvent::Kind::kEnd) continue;
    auto [it, fresh] = procs.try_emplace(e.pid);
    Proc& p = it->second;
    if (fresh) p.start = e.t;
    if (e.kind != TraceEvent::Kind::kExit && p.parent == 0) p.parent = e.ppid;
    if (e.kind == TraceEvent::Kind::kExec && !e.argv.empty()) p.name = Basename(e.argv[0]);
    if (e.kind == TraceEvent::Kind::kExit) p.end = e.t;
  }
  // A run per exec of a watched file as a shell's script operand; how it
  // ended comes from its process's exit, if that exit followed this exec.
  struct Pending {
    int watch;
    std::size_t index;  // in runs[watch]
    std::size_t hit;    // in the exec's hits, as sha256_at_exit is
    double start;
    std::string stamp;   // of the file when the run started
    std::string sha256;  // of the file when the run started
  };
  // Runs of any watched file: what they start (and leave behind) is the
  // tests' own business, never "another command of the job".
  std::vector<int> run_pids;
  for (const auto& e : trace) {
    if (e.kind != TraceEvent::Kind::kExec || e.hits.empty()) continue;
    if (!IsShell(e.argv.empty() ? "" : e.argv[0], e.exe)) continue;
    if (const auto operand = ShellScriptOperand(e.argv)) {
      for (const auto& h : e.hits) {
        if (static_cast<std::size_t>(h.arg) == *operand) run_pids.push_back(e.pid);
      }
    }
  }
  std::map<int, std::vector<ScriptRun>> runs;
  std::map<int, std::vector<Pending>> open;  // pid -> runs its exit ends
  for (const auto& e : trace) {
    if (e.kind == TraceEvent::Kind::kExit) {
      for (const auto& pend : open[e.pid]) {
        ScriptRun& r = runs[pend.watch][pend.index];
        r.ended = true;
        r.exit_code = e.exit_code;
        r.term_signal = e.term_signal;
        // Compared with the file as the run started (a change before the
        // run is said at its start, once).
        const bool same_content = pend.hit < e.sha256_at_exit.size() &&
                                  e.sha256_at_exit[pend.hit] == pend.sha256;
        const bool untouched = pend.hit < e.stamps_at_exit.size() && !pend.stamp.empty() &&
                               e.stamps_at_exit[pend.hit] == pend.stamp;
        if (!same_content || !untouched) r.problems.push_back("the file was changed while it ran");
        // Others of the job alive while it ran.
        std::vector<std::string> beside;
        for (const auto& [pid, proc] : procs) {
          if (pid == e.pid || Within(e.pid, pid, procs) || Within(pid, e.pid, procs)) continue;
          const bool of_a_test = std::any_of(run_pids.begin(), run_pids.end(),
                                             [&](int run) { return Within(pid, run, procs); });
          if (of_a_test) continue;
          if (proc.end <= pend.start || proc.start >= e.t) continue;
          beside.push_back((proc.name.empty() ? "a process" : proc.name) + " (pid " +
                           std::to_string(pid) + ")");
        }
        if (!beside.empty()) {
          std::string list;
          for (std::size_t i = 0; i < beside.size() && i < 3; ++i) {
            list += (list.empty() ? "" : ", ") + beside[i];
          }
          if (beside.size() > 3) list += ", ...";
          r.problems.push_back("other commands the job started ran beside it (" + list + ")");
        }
      }
      open.erase(e.pid);
      continue;
    }
    if (e.kind != TraceEvent::Kind::kExec || e.hits.empty()) continue;
    // A new exec replaces whatever the process ran before: a run it had
    // open ended without an exit of its own.
    open.erase(e.pid);
    if (!IsShell(e.argv.empty() ? "" : e.argv[0], e.exe)) continue;
    const auto operand = ShellScriptOperand(e.argv);
    if (!operand) continue;
    for (std::size_t h = 0; h < e.hits.size(); ++h) {
      const auto& hit = e.hits[h];
      if (static_cast<std::size_t>(hit.arg) != *operand) continue;
      if (hit.watch < 0 || static_cast<std::size_t>(hit.watch) >= policy.committed_sha256.size()) {
        continue;
      }
      ScriptRun r;
      r.pid = e.pid;
      r.argv = e.argv;
      const std::string& want = policy.committed_sha256[static_cast<std::size_t>(hit.watch)];
      if (hit.sha256.empty() || hit.sha256 != want) {
        r.problems.push_back(want.empty() ? "the file is not in the repository as committed"
                                          : "the file was changed before it ran");
      }
      for (const auto& var : UnsafeVariables(e.env, policy)) {
        r.problems.push_back(var + " was set in its environment");
      }
      auto& list = runs[hit.watch];
      list.push_back(std::move(r));
      open[e.pid].push_back({hit.watch, list.size() - 1, h, e.t, hit.stamp, hit.sha256});
    }
  }
  return runs;
}

std::vector<int> ChangedByJob(const std::vector<TraceEvent>& trace, const RunPolicy& policy) {
  std::vector<int> out;
  for (const auto& e : trace) {
    if (e.kind != TraceEvent::Kind::kEnd) continue;
    for (std::size_t w = 0; w < e.sha256_at_exit.size() && w < policy.committed_sha256.size(); ++w) {
      const std::string& want = policy.committed_sha256[w];
      if (!want.empty() && e.sha256_at_exit[w] != want) out.push_back(static_cast<int>(w));
    }
  }
  return out;
}

}  // namespace ipc::checks
