// The one definition of what the grader asks the in-container probe to do
// (a Plan) and what the probe saw (a Report). Both sides include this header;
// the JSON encoding lives in probe_protocol.cc and is the only place that
// spells field names.
//
// The probe is deliberately dumb: it runs processes exactly as told and
// reports raw observations (bytes, exit status, timings). Every judgement,
// such as "is this a MEOW", "does this match the reference", is made by the
// grader on the host from these observations, so a student program that
// prints "PASSED" or fake JSON cannot change a grade.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace ipc::protocol {

inline constexpr int kProtocolVersion = 1;

// Where a child's stdout goes. The assignment's test redirects the listener
// to a file, where stdio is fully buffered; a pipe is also fully buffered; a
// pty is line buffered. Students' programs can differ in each.
enum class StdoutMode { kPipe, kFile, kPty };

// One process to run inside the container.
struct ProcessSpec {
  std::vector<std::string> argv;  // argv[0] resolved through PATH
  // Empty = the step's directory (the workdir, or its sandbox copy); a
  // relative path resolves against that directory.
  std::string cwd;
  std::string user;                        // empty = root; else run as this user
  bool login_shell = false;                // run via `su - USER -c` (cwd = home)
  std::string stdin_data;                  // bytes fed on stdin, then EOF
  std::map<std::string, std::string> env;  // added to a minimal fixed env
  StdoutMode stdout_mode = StdoutMode::kPipe;
  double timeout_s = 10;               // wall limit; SIGKILL to the group after
  std::size_t output_cap = 64 * 1024;  // bytes kept per stream; rest counted

  bool operator==(const ProcessSpec&) const = default;
};

// What happened to one process.
struct ProcessResult {
  bool started = false;            // false: exec failed (see error)
  std::string error;               // probe-side failure description
  int pid = 0;                     // pid inside the container
  std::optional<int> exit_code;    // set when it exited normally
  std::optional<int> term_signal;  // set when killed by a signal
  bool timed_out = false;          // killed by the probe's wall limit
  // The kernel's OOM killer ended it: SIGKILLed, not by the probe, and the
  // container's OOM-kill counter rose while no other step was running
  // (probe/oom_ledger.h). False whenever that cannot be told (a rise while
  // steps overlapped; no readable counter, as under rootless engines), so
  // only true is evidence.
  bool oom_killed = false;
  std::string stdout_data;         // first output_cap bytes
  std::string stderr_data;         // (pty mode: merged into stdout)
  std::uint64_t stdout_bytes = 0;  // total produced, including dropped
  std::uint64_t stderr_bytes = 0;
  double wall_s = 0;
  double cpu_s = 0;  // user+sys of the process tree

  bool operator==(const ProcessResult&) const = default;
};

// A file written into a step's directory (its sandbox) before each attempt,
// after the sandbox is made: e.g. a shim that replaces the student's
// `listener` with a seeded mutant. `path` is relative, without "..".
struct FileOverlay {
  std::string path;
  std::string content;
  int mode = 0644;

  bool operator==(const FileOverlay&) const = default;
};

// One step of the plan.
struct Step {
  enum class Kind {
    kExec,    // run `process`, report it
    kSignal,  // start `process`, wait until ready, send `signal`, wait exit
  };
  std::string id;
  Kind kind = Kind::kExec;
  ProcessSpec process;
  // kSignal only:
  int signal = 0;  // signal number to send
  // Ready when every one of ready_signals is caught (SigCgt) AND the process
  // is asleep (state S): a program that has installed its handlers but not
  // yet reached pause() would otherwise get the signal early, run the
  // handler, and then block in pause() forever. Or, with ready_on_pause,
  // when it is blocked in pause()/sigsuspend() whatever its handlers.
  // If never ready by ready_timeout_s, the signal is sent anyway (ready =
  // false in the observation) unless the process has already exited.
  std::vector<int> ready_signals;
  bool ready_on_pause = true;
  double ready_timeout_s = 5;  // bounded readiness wait
  // Steps of the same group may run concurrently; groups run in order.
  int group = 0;
  // Run in a private copy of the workdir (so mutations do not leak), made
  // at the start of the first group that names it, from the workdir's state
  // then; every later step naming it, in that group or a later one, runs in
  // that same copy. "{dir}" in argv becomes the step's directory. Name:
  // letters, digits, '.', '_', '-'.
  std::string sandbox;  // empty = the shared workdir
  // What a sandbox is copied from, when it is made:
  //   ""           the workdir as it is then (after earlier groups, e.g. make);
  //   "pristine"   the submission exactly as committed, before any step;
  //   "tree:NAME"  Plan::extra_trees entry NAME (e.g. the `part1` tag).
  // Pristine trees are unpacked from the probe's own memory, so nothing a
  // student step did to the filesystem can change them. Steps naming the same
  // sandbox must agree on sandbox_from.
  std::string sandbox_from;
  std::vector<FileOverlay> overlay;  // written before each attempt
  // The sandbox is put at the workdir's own path (e.g. /root) while the step
  // runs: the workdir is moved aside, the sandbox moved in, and both moved
  // back after. Student scripts hard-code that path (`python /root/cat.py`)
  // because the assignment mounts the repository there. Runs alone, like
  // fresh_users. Needs a sandbox.
  bool at_workdir = false;
  // kExec only: run up to `attempts` times until exit 0 (a flaky-test rerun,
  // as a CI "retry"). Every attempt after the first gets a fresh copy of the
  // sandbox (and a fresh user database when fresh_users), so a retry does not
  // see the failed attempt's leftovers. attempts > 1 needs a sandbox that no
  // other step names.
  int attempts = 1;
  // Before the step (and before each attempt): restore /etc/passwd, group,
  // shadow and gshadow to what they were when the probe started, and remove
  // home folders created since. Several checks run the assignment's
  // `adduser garfield`, which fails if the user exists. The probe runs a
  // fresh_users step alone: no other step of the plan runs at the same time
  // (within its group, steps that run alone go first, one by one, then the
  // others concurrently).
  bool fresh_users = false;

  bool operator==(const Step&) const = default;
};

// Readiness and timing of a signal step, in addition to ProcessResult.
struct SignalObservation {
  bool ready = false;              // readiness seen before the deadline
  std::string ready_by;            // "sigcgt", "pause", or "" if never
  double ready_wait_s = 0;         // time from start to ready
  double cpu_while_waiting_s = 0;  // busy-wait detector
  bool signal_sent = false;
  // pty mode only: the first line (without its newline) of what the program
  // wrote before the signal was sent; empty in pipe and file modes.
  std::string pid_line;

  bool operator==(const SignalObservation&) const = default;
};

struct StepResult {
  std::string id;
  ProcessResult process;  // the last attempt
  std::optional<SignalObservation> signal;
  // Attempts before the last one, all failed (exit status not 0), oldest
  // first. Empty when the first attempt passed or attempts == 1.
  std::vector<ProcessResult> failed_attempts;

  bool operator==(const StepResult&) const = default;
};

// Step::sandbox_from values, spelled here only: "pristine", and "tree:NAME"
// for Plan::extra_trees entry NAME.
inline constexpr const char* kSandboxFromPristine = "pristine";
std::string SandboxFromTree(const std::string& name);
// NAME of a "tree:NAME" value; nullopt for any other.
std::optional<std::string> TreeOfSandboxFrom(const std::string& sandbox_from);

struct Plan {
  int version = kProtocolVersion;
  std::string nonce;              // echoed in the report frame; stdin only
  std::string workdir = "/root";  // where the submission is unpacked
  // Names of further trees (e.g. "part1", another ref of the same repo). On
  // stdin, after the plan line and the submission's tar, come one tar per
  // name in this order; steps use them through sandbox_from "tree:NAME".
  std::vector<std::string> extra_trees;
  std::vector<Step> steps;

  bool operator==(const Plan&) const = default;
};

struct Report {
  int version = kProtocolVersion;
  std::string nonce;
  std::vector<StepResult> steps;
  std::string probe_error;  // set when the probe itself failed

  bool operator==(const Report&) const = default;
};

// The report is written to the container's stdout framed by these markers
// followed by the nonce, so that bytes written by anything else (tini, a
// student process that found the stream) are ignored or detected.
inline constexpr const char* kReportBegin = "=====IPC-GRADER-REPORT-BEGIN ";
inline constexpr const char* kReportEnd = "=====IPC-GRADER-REPORT-END ";

nlohmann::json ToJson(const Plan& plan);
nlohmann::json ToJson(const Report& report);
// Throw ProtocolError with a precise reason on malformed input.
// PlanFromJson also applies ValidatePlan.
Plan PlanFromJson(const nlohmann::json& j);
// The rules that span fields and steps (plan_rules.cc): overlay paths,
// attempts, what needs a sandbox, sandbox_from and the trees it names,
// steps sharing a sandbox. Throws ProtocolError naming the field
// ("steps[3].attempts: ..."). The grader calls it before sending a plan, so
// a check type's mistake is found on the host, not as a probe_error.
void ValidatePlan(const Plan& plan);
Report ReportFromJson(const nlohmann::json& j);

// Extract the single report framed with `nonce` from raw container stdout.
// Returns nullopt and sets *err when there is none or more than one.
std::optional<Report> ExtractReport(const std::string& raw_stdout, const std::string& nonce,
                                    std::string* err);

// The complete frame the probe writes as its last output:
//   kReportBegin nonce "\n" <one-line JSON> "\n" kReportEnd nonce "\n".
// Byte fields are base64 inside the JSON, so no student byte sequence can
// forge a marker inside a frame. Strings that are not valid UTF-8 (an error
// message quoting a file name) are written with U+FFFD instead of throwing.
std::string FrameReport(const Report& report);

std::string StdoutModeName(StdoutMode m);
StdoutMode StdoutModeFromName(const std::string& name);  // throws

struct ProtocolError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace ipc::protocol
