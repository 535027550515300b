// System V IPC objects (shared memory segments, semaphore sets, message
// queues) outlive the processes that made them: a student step could leave
// one for a later box to find. Before every box the probe removes them all.
// (POSIX shared memory and message queues live in /dev/shm and /dev/mqueue,
// which the probe puts back like any other writable folder.)
#pragma once

#include <string>

namespace ipc::probe {

// Removes every object listed in /proc/sysvipc/{shm,sem,msg} (the
// container's own IPC namespace). Objects of another owner are removed by
// a child that takes that owner's uid (the container has no
// CAP_IPC_OWNER). False with *err when one could not be removed.
bool RemoveSysvIpc(std::string* err, const std::string& proc_root = "/proc");

}  // namespace ipc::probe
