// Reading /proc for one process. Works inside the grading container as root
// without CAP_SYS_PTRACE: /proc/PID/status and /proc/PID/stat are world-
// readable; /proc/PID/syscall needs ptrace-read access, which the probe has
// over a child running as root (same uid, dumpable after exec) but not over
// one that switched to another user (then it reads as unavailable).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <vector>

namespace ipc::probe {

struct ProcStatus {
  char state = '?';              // R, S, D, T, Z, ...
  std::uint64_t sig_caught = 0;  // SigCgt: bit (n-1) set = handler for signal n
  pid_t ppid = 0;
};
std::optional<ProcStatus> ReadProcStatus(pid_t pid);

// The system call the process is blocked in, from /proc/PID/syscall:
// nullopt when unreadable (gone, or no ptrace access); -1 when it is
// running (not in a system call).
std::optional<long> ReadBlockedSyscall(pid_t pid);

// utime + stime of the process itself (not its children), in seconds.
std::optional<double> ReadCpuSeconds(pid_t pid);

// Every process visible in /proc (thread-group leaders).
std::vector<pid_t> ListPids();

// Every live descendant of `root` (not `root` itself), from the ppid links in
// /proc. A snapshot: processes forked after the scan are not in it.
std::vector<pid_t> Descendants(pid_t root);

}  // namespace ipc::probe
