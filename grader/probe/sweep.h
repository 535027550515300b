// Removing every process a group of steps left behind: `setsid` daemons and
// double forks escape any process group, but not this. Runs only after all
// steps of a group have finished, so nothing it kills is still wanted.
#pragma once

#include <chrono>
#include <string>

namespace ipc::probe {

// As PID 1 (in the container): kill(-1, SIGKILL), which the kernel delivers
// to every process of the pid namespace except the caller, atomically with
// respect to fork (a child being forked either is in the list or its fork
// fails). Anywhere else (tests, a probe started by hand) it must not do
// that, it would kill the host: there it kills the probe's descendants,
// found through /proc (with PR_SET_CHILD_SUBREAPER, orphans stay
// descendants). Then waits until the reaper has collected them all.
// False with *err when processes remain after `bound`.
bool SweepProcesses(std::chrono::milliseconds bound, std::string* err);

}  // namespace ipc::probe
