// The probe's tracer: records what a command's process tree does (every
// fork, exec and exit, with exit statuses) from outside it, with ptrace.
// A CI check must know whether the job really ran each test script and how
// each run ended; the job's own log is written by the student's commands
// and proves nothing, and a recorder inside the job's tree could be fooled
// by it. The tracer never runs student code: it forks once, and its child
// execs the command; everything below that is watched, none of it can
// write the tracer's log (a pipe end only the tracer holds; the tracer is
// not dumpable, so /proc/PID/fd of it cannot be opened without
// CAP_SYS_PTRACE, which the container lacks), and with PTRACE_O_EXITKILL a
// killed tracer takes the traced tree with it.
//
// It is the probe binary itself, started by the probe as
//   probe --trace [--watch PATH]... -- COMMAND ARG...
// The command's stdout is the tracer's stdout; its stderr goes there too
// (a CI job merges them anyway). The tracer's own stderr is the log: one
// TraceEvent per line (protocol/trace_log.h). The tracer ends the way the
// command's first process ended (same exit code, or the same signal),
// after it has SIGKILLed what the command left running.
//
// Every process of the command runs under the probe's system call filter
// (step_filter.h), as an untraced step's do; the tracer itself does not. A
// filter that cannot be installed: the command does not run, the tracer
// says why on the command's stdout and in its log (the log then holds a
// line that is no event) and exits 127.
//
// What a traced process can tell: TracerPid in /proc/self/status is not 0,
// and each fork and exec costs a little more. docs/SECURITY.md says why
// that is acceptable.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace ipc::probe {

inline constexpr const char* kTraceFlag = "--trace";

// argv as after the probe's own name: "--trace", options, "--", command.
// Returns the process's exit status, or does not return when it re-raises
// the command's fatal signal.
int TracerMain(const std::vector<std::string>& args);

// The probe's argv for tracing `command` with `watch` (absolute paths).
std::vector<std::string> TracerArgv(const std::string& probe_path,
                                    const std::vector<std::string>& watch,
                                    const std::vector<std::string>& command);

// From the tracer's log: why the command never ran (the step filter could
// not be installed in it; step_filter.h, "not run: ..."), or "" when it ran.
std::string TracedCommandNotRun(const std::string& log);

}  // namespace ipc::probe
