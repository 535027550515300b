// The probe's own system call filter, installed in every step's process
// just before exec (spawn.cc; for a traced step, in the tracer's child,
// tracer.cc). The grader's engine profile (docker/seccomp.json) must allow
// ptrace, because the probe's tracer runs in the same container; so without
// this a student's process could trace a sibling of its uid (a grader
// program a student's test script talks to, another process of the step)
// and read or rewrite it. Grading never needs ptrace: gcc, make, python,
// bash, adduser, su, the reference tools and the assignment's scripts do
// not call it. So each step's process gets, on top of the engine's profile:
//   - EPERM for ptrace and for every other call that reaches into another
//     process (process_vm_readv/writev, kcmp, pidfd_getfd; the engine's
//     profile refuses those too, this holds where it is not applied);
//   - the process killed (SIGSYS) for a call of another ABI: the i386 entry
//     (int 0x80) and x32 have other numbers for the same calls, so a check
//     of x86-64 numbers alone would let `ptrace` through as i386 call 26.
// A filter is inherited over fork and exec and cannot be removed, so it
// covers the whole tree the step starts. The tracer itself stays
// unfiltered: it is the probe's code, and it must ptrace.
// Not closed by it: /proc/PID/mem of a dumpable process of the same uid is
// opened by path (the kernel checks it as it would an attach, but no
// refused call is made), so a step can still read and write a sibling's
// memory that way.
#pragma once

#include <array>
#include <string>

namespace ipc::probe {

// The refused calls, by name (for messages and tests).
inline constexpr std::array<const char*, 5> kStepFilterRefused = {
    "ptrace", "process_vm_readv", "process_vm_writev", "kcmp", "pidfd_getfd"};

// Installs the filter in the calling thread (no_new_privs, then seccomp).
// Returns 0, or the errno of the call that failed. Async-signal-safe and
// allocation-free: it runs between clone and exec on the probe's memory.
int InstallStepFilter() noexcept;

// Why a step did not run when InstallStepFilter() returned `err`. Starts
// with "not run: ": the grader then reports the check as one it could not
// observe (its own error), never as the submission's failure; and a step
// never runs without the filter.
std::string DescribeStepFilterFailure(int err);

}  // namespace ipc::probe
