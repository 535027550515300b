// Which grader process a container belongs to, so that a grader starting up
// can tell a crashed (kill -9) grader's containers, which it must remove,
// from those of another grader running now on the same engine (a TA's rerun
// beside a batch), which it must leave alone.
//
// The owner id is "<boot id>/<pid namespace>/<hostname>:<pid>:<start time>".
// A process is only judged when it lives in the same boot, PID namespace and
// host as the judge (a grader in a compose container cannot see the host's
// processes): then it is alive iff /proc/PID exists with the same start time
// (so a reused PID does not count). Anything else is unknown.
#pragma once

#include <string>

namespace ipc::container {

inline constexpr const char* kOwnerLabel = "io.ipc-grader.owner";

enum class OwnerState { kAlive, kDead, kUnknown };

// This process's id (computed once).
const std::string& SelfOwnerId();

// `proc_root` is "/proc" except in tests.
OwnerState CheckOwner(const std::string& owner_id, const std::string& proc_root = "/proc");

// What ReapLeftovers does with a container of the grader's label, given its
// state ("running", "created", "exited", ...) and its owner's state. A
// running container is removed only when its owner is known dead; a created
// or exited one unless its owner is alive (it may be between `create` and
// `start`, or about to be inspected for an OOM kill), except that an exited
// one of an unknown owner goes too: nobody can tell, and keeping it forever
// is worse than racing a grader in another namespace.
// `container_state` as docker's or podman's `ps` words it.
bool ShouldReap(const std::string& container_state, OwnerState owner);

// The id of process `pid` of this scope; "" when there is no such process.
std::string OwnerIdOf(int pid);
// For tests: the id a process with these facts would have.
std::string MakeOwnerId(const std::string& scope, int pid, unsigned long long start_ticks);
// The "<boot>/<pidns>/<host>" part of this process's id.
const std::string& SelfOwnerScope();

}  // namespace ipc::container
