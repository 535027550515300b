// What a traced CI job did with its test scripts, from the probe tracer's
// events (protocol TraceEvent): every run of each required script, how it
// ended, and whether it counts. Pure: the gitlab_ci type words the verdict.
//
// A run is a shell (bash, sh, dash...) whose script operand is the file:
// `./test.sh` (the kernel runs the shebang's shell with the path),
// `bash test.sh`, `bash -x ./test.sh`, a loop, a helper script, `make
// test` — however the job gets there. `cat test.sh` or `echo ./test.sh`
// is not a run. A run counts only when nothing could have changed its
// verdict but the test itself:
//   - the file held the committed content when the run started, and was
//     not touched until it ended (same content, same inode and ctime: a job
//     that rewrites the script before running it, or while it runs, even
//     putting it back after, does not run the student's test);
//   - its environment held nothing that changes how a shell, the dynamic
//     linker or Python behaves (BASH_ENV, ENV, SHELLOPTS, BASH_FUNC_*,
//     LD_*, PYTHONPATH, ...), and no PATH folder the job could write;
//   - no process the job's own commands started ran beside it, except the
//     shells waiting for it (something beside it could change the files it
//     reads while it runs). What a test script started, and left running,
//     is the tests' own: a daemon a server left behind does not void the
//     next test.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "protocol/probe_protocol.h"

namespace ipc::checks {

struct ScriptRun {
  int pid = 0;
  std::vector<std::string> argv;
  std::optional<int> exit_code;
  std::optional<int> term_signal;
  bool ended = false;  // an exit was recorded
  // Why it does not count, each a short phrase ("the file was changed
  // before it ran", "BASH_ENV was set"); empty when it counts.
  std::vector<std::string> problems;

  bool Counts() const { return problems.empty(); }
  bool Passed() const { return Counts() && ended && exit_code == 0; }
};

struct RunPolicy {
  // The SHA-256 of each watched file as committed ("" when the tree lacks
  // it); indexed like Step::watch.
  std::vector<std::string> committed_sha256;
  // Variables that change how a shell, the dynamic linker or Python
  // behaves: names, or prefixes ending in '*'.
  std::vector<std::string> unsafe_env = DefaultUnsafeEnv();
  // The rubric's workdir, for PATH folders the job can write ("" = none:
  // only relative entries and the system folders count).
  std::string workdir;

  static std::vector<std::string> DefaultUnsafeEnv();
};

// Runs of each watched file (Step::watch index -> runs, in start order).
std::map<int, std::vector<ScriptRun>> FindScriptRuns(const std::vector<protocol::TraceEvent>& trace,
                                                     const RunPolicy& policy);

// The watched files (Step::watch indexes) whose content when the job was
// over (the trace's end event) differs from the committed one: the job
// changed them. Empty when the trace has no end event (it was cut short).
std::vector<int> ChangedByJob(const std::vector<protocol::TraceEvent>& trace,
                              const RunPolicy& policy);

// The variables of `env` ("NAME=value") the policy refuses, as phrases:
// "BASH_ENV", "PATH (with /work/bin, which the job can write)".
std::vector<std::string> UnsafeVariables(const std::vector<std::string>& env,
                                         const RunPolicy& policy);
// Whether a variable name is one the policy refuses.
bool IsUnsafeName(const std::string& name, const RunPolicy& policy);

// The index of a shell's script operand in `argv` (after its options), or
// nullopt when it runs no script file (`-c`, `-s`, no operand).
std::optional<std::size_t> ShellScriptOperand(const std::vector<std::string>& argv);
// Whether the program (argv[0] or exe) is a POSIX-style shell.
bool IsShell(const std::string& argv0, const std::string& exe);

}  // namespace ipc::checks
