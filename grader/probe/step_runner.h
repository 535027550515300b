// Running one step of the plan from spawn to report: an exec step runs its
// process to the end (or its wall limit); a signal step first waits until
// the process is ready (bounded, see readiness.h), sends the signal, then
// waits for the end like an exec step.
#pragma once

#include "probe/spawn.h"
#include "protocol/probe_protocol.h"

namespace ipc::probe {

// Never throws for anything the process does; probe-side failures go to
// result.process.error.
protocol::StepResult RunStep(const protocol::Step& step, const SpawnContext& ctx);

// SIGKILL to `pid`, its process group and every descendant it still has
// (`su -c` runs the command in a new session, out of the group's reach).
// Only while `pid` is ours (not yet reaped).
void KillTree(pid_t pid);

}  // namespace ipc::probe
