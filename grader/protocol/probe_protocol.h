// The one definition of what the grader asks the in-container probe to do
// (a Plan) and what the probe saw (a Report). Both sides include this header;
// the JSON encoding lives in probe_protocol.cc and is the only place that
// spells field names.
//
// The probe is deliberately dumb: it runs processes exactly as told and
// reports raw observations (bytes, exit status, timings). Every judgement,
// such as "is this a refusal", "does this match the reference", is made by the
// grader on the host from these observations, so a student program that
// prints "PASSED" or fake JSON cannot change a grade.
//
// A plan is a list of boxes run one after another. A box is a fresh copy of
// the container's writable state: before it, every process of the previous
// box is killed, the system folders the plan names (/etc, /home, /tmp, ...)
// are put back as they were when the probe started (or as a saved box left
// them), and the workdir is emptied and filled with the box's tree. The rest
// of the image is read-only. So an observation depends only on the tree a
// box starts from and on the steps of that box: nothing a student step
// writes or leaves running reaches a later box.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace ipc::protocol {

inline constexpr int kProtocolVersion = 2;

// Where a child's stdout goes. A test may redirect a program's output to a
// file, where stdio is fully buffered; a pipe is also fully buffered; a
// pty is line buffered. Students' programs can differ in each.
enum class StdoutMode { kPipe, kFile, kPty };

// One process to run inside the container.
struct ProcessSpec {
  std::vector<std::string> argv;  // argv[0] resolved through PATH
  // Empty = the workdir (the box's tree); a relative path resolves against it.
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
  bool started = false;            // false: exec failed, or the step never ran (see error)
  std::string error;               // probe-side failure description
  int pid = 0;                     // pid inside the container
  std::optional<int> exit_code;    // set when it exited normally
  std::optional<int> term_signal;  // set when killed by a signal
  bool timed_out = false;          // killed by the probe's wall limit
  // The kernel's OOM killer ended it: SIGKILLed, not by the probe, and the
  // container's OOM-kill counter rose while it ran (probe/oom_ledger.h).
  // False whenever that cannot be told (no readable counter, as under
  // rootless engines), so only true is evidence.
  bool oom_killed = false;
  std::string stdout_data;         // first output_cap bytes
  std::string stderr_data;         // (pty mode: merged into stdout)
  std::uint64_t stdout_bytes = 0;  // total produced, including dropped
  std::uint64_t stderr_bytes = 0;
  double wall_s = 0;
  double cpu_s = 0;  // user+sys of the process tree

  bool operator==(const ProcessResult&) const = default;
};

// A file written into a box's workdir after the box is made, before its
// first step. `path` is relative, without "..".
struct FileOverlay {
  std::string path;
  std::string content;
  int mode = 0644;
  // Written only where nothing (not even a symlink) has that path: the
  // assignment's data files given to a program-judging box, so that a file
  // the submission lacks is charged once, by the check about that file.
  bool if_missing = false;

  bool operator==(const FileOverlay&) const = default;
};

// One path of a kStat step, as the probe saw it (lstat, no program of the
// image involved).
struct PathStat {
  std::string path;
  bool exists = false;
  std::string type;  // "file", "dir", "symlink", "fifo", "socket", "char", "block"
  int mode = 0;      // permission bits
  std::uint64_t size = 0;
  int uid = 0, gid = 0;
  std::string user, group;  // names from /etc/passwd and /etc/group; "" if none

  bool operator==(const PathStat&) const = default;
};

// One event of a traced step (Step::watch), recorded by the probe's tracer,
// a process that never runs student code: a process of the step's tree
// forked, exec'd a program, or ended.
struct TraceEvent {
  // kEnd: the last event, once the traced command and all it started are
  // gone: pid is the command's, and sha256_at_exit / stamps_at_exit hold
  // each watched file's (index = Step::watch index; "" when unreadable).
  enum class Kind { kFork, kExec, kExit, kEnd };
  Kind kind = Kind::kExec;
  int pid = 0;
  int ppid = 0;     // kFork, kExec: the parent as the tracer saw it
  double t = 0;     // seconds since the traced command started
  // kExec:
  std::vector<std::string> argv;  // capped (trace_log.h)
  std::string exe;                // what /proc/PID/exe names
  std::string cwd;
  // For each argv[i] (i >= 1) that names one of the step's watched files
  // (relative to cwd, as the program would open it): its index in
  // Step::watch, the argv index, and the file's SHA-256 when the exec
  // happened. Only then is env recorded (capped).
  struct Hit {
    int watch = 0;
    int arg = 0;
    std::string sha256;  // hex; "" when unreadable
    // "dev:inode:ctime" of the file: any write, rename, chmod or touch
    // moves ctime, which nothing in the container can set back.
    std::string stamp;
    bool operator==(const Hit&) const = default;
  };
  std::vector<Hit> hits;
  std::vector<std::string> env;  // "NAME=value", only for execs with hits
  // kExit:
  std::optional<int> exit_code;
  std::optional<int> term_signal;
  // kExit of a process with hits: each hit file's SHA-256 and stamp at
  // that moment.
  std::vector<std::string> sha256_at_exit;
  std::vector<std::string> stamps_at_exit;

  bool operator==(const TraceEvent&) const = default;
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
  // What /proc said of the process when the signal was sent (or when the
  // wait for readiness ended): its state letter ("S" asleep, "R" running,
  // ...; "" if it had ended), and the signals it catches (SigCgt) among
  // the step's ready_signals. Feedback says what was seen, not a guess.
  std::string state;
  std::vector<int> caught;

  bool operator==(const SignalObservation&) const = default;
};

// One step of a box.
struct Step {
  enum class Kind {
    kExec,    // run `process`, report it
    kSignal,  // start `process`, wait until ready, send `signal`, wait exit
    kStat,    // the probe looks at `paths` in the workdir itself
  };
  std::string id;  // unique in the plan: "<check id>/<local name>"
  Kind kind = Kind::kExec;
  ProcessSpec process;  // kExec, kSignal
  // Whether the step runs code of the submission (a student program, a
  // student script, the student's Makefile). False for the grader's own
  // steps: reference programs and the rubric's set-ups. The probe runs every
  // box without student steps before the first box with one, so no
  // reference observation can depend on student code.
  bool student = true;
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
  double ready_timeout_s = 5;
  // kStat only: paths relative to the workdir.
  std::vector<std::string> paths;
  // kExec only: run the process under the probe's tracer, which records
  // every fork, exec and exit in its tree (StepResult::trace), and notes
  // execs that name one of these files (relative to the workdir).
  std::vector<std::string> watch;

  bool operator==(const Step&) const = default;
};

// What a box starts from, spelled here only:
//   "pristine"   the submission's tree as committed;
//   "tree:NAME"  Plan::extra_trees entry NAME (e.g. the `milestone1` tag);
//   "box:ID"     what the earlier box ID (with save) left.
inline constexpr const char* kFromPristine = "pristine";
std::string FromTree(const std::string& name);
std::string FromBox(const std::string& box_id);
std::optional<std::string> TreeOfFrom(const std::string& from);  // NAME of "tree:NAME"
std::optional<std::string> BoxOfFrom(const std::string& from);   // ID of "box:ID"

struct Box {
  std::string id;
  std::string from = kFromPristine;
  std::vector<FileOverlay> files;  // written before the first step
  std::vector<Step> steps;         // run one after another, in order
  // Up to `attempts` runs of the whole box, each from a fresh box, until
  // its last step exits 0 (a flaky test's rerun, as a CI retry).
  int attempts = 1;
  // Keep what the box leaves for later boxes (from "box:ID"): the workdir;
  // and the system folders too when no step of the box is a student step
  // (a student step's writes outside the workdir never reach a later box).
  bool save = false;
  // Boxes of one group (e.g. the cases of one check) in a row: once
  // `group_timeouts` of them in a row ended with a timed-out step, the
  // group's later boxes are skipped, each step reported timed out and not
  // started ("skipped: ..."): a program that hangs costs its own check a
  // few timeouts, not the grading's whole time. 0 = never skipped.
  std::string group;
  int group_timeouts = 0;

  bool operator==(const Box&) const = default;
};

struct Plan {
  int version = kProtocolVersion;
  std::string nonce;              // echoed in the report frame; stdin only
  // Where each box's tree is: an absolute path, the rubric's `workdir`
  // (required: a plan without one is invalid, plan_rules.cc).
  std::string workdir;
  // Writable folders other than the workdir that the probe puts back before
  // every box (the container mounts them writable; the rest is read-only).
  std::vector<std::string> system_dirs;
  // Seconds from the probe's start after which no step starts; a running
  // step's timeout is cut to end by then. Steps not run say so. 0 = none.
  double deadline_s = 0;
  // Names of further trees (e.g. "milestone1", another ref of the same repo). On
  // stdin, after the plan line and the submission's tar, come one tar per
  // name in this order; boxes use them through from "tree:NAME".
  std::vector<std::string> extra_trees;
  std::vector<Box> boxes;

  bool operator==(const Plan&) const = default;
};

struct StepResult {
  std::string id;
  ProcessResult process;  // the last attempt (kStat: started, error)
  std::optional<SignalObservation> signal;
  std::vector<PathStat> stats;    // kStat
  std::vector<TraceEvent> trace;  // steps with watch
  bool trace_truncated = false;   // the tracer's log hit its cap
  // The plan's deadline, not the step's own timeout, bounded this run (or
  // kept it from starting): what it saw depends on how long the boxes
  // before it took, so the observation is not kept for reuse.
  bool cut_by_deadline = false;
  // Earlier attempts of the step's box, oldest first: those whose last step
  // did not exit 0. Empty when the first attempt passed or attempts == 1.
  std::vector<ProcessResult> earlier_attempts;

  bool operator==(const StepResult&) const = default;
};

struct Report {
  int version = kProtocolVersion;
  std::string nonce;
  std::vector<StepResult> steps;  // every step of the plan, in plan order
  std::string probe_error;        // set when the probe itself failed

  bool operator==(const Report&) const = default;
};

// The report is written to the container's stdout framed by these markers
// followed by the nonce, so that bytes written by anything else (a student
// process that found the stream) are ignored or detected.
inline constexpr const char* kReportBegin = "=====IPC-GRADER-REPORT-BEGIN ";
inline constexpr const char* kReportEnd = "=====IPC-GRADER-REPORT-END ";

nlohmann::json ToJson(const Plan& plan);
nlohmann::json ToJson(const Report& report);
// Throw ProtocolError with a precise reason on malformed input.
// PlanFromJson also applies ValidatePlan.
Plan PlanFromJson(const nlohmann::json& j);
// The rules that span fields and boxes (plan_rules.cc): ids, overlay paths,
// attempts, where a box comes from, the order of student and grader boxes.
// Throws ProtocolError naming the field ("boxes[3].from: ..."). The grader
// calls it before sending a plan, so a check type's mistake is found on the
// host, not as a probe_error.
void ValidatePlan(const Plan& plan);
Report ReportFromJson(const nlohmann::json& j);

// Whether any step of the box runs student code.
bool HasStudentStep(const Box& box);

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
