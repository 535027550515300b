// Running one step of a box from spawn to report: an exec step runs its
// process to the end (or its wall limit), under the tracer when it watches
// files (tracer.h); a signal step first waits until the process is ready
// (bounded, see readiness.h), sends the signal, then waits for the end like
// an exec step; a stat step is the probe's own look at paths.
#pragma once

#include "probe/spawn.h"
#include "protocol/probe_protocol.h"

namespace ipc::probe {

// Where the probe's own binary is, for the tracer (it is the probe run with
// --trace).
struct StepEnv {
  SpawnContext spawn;
  std::string probe_path = "/opt/ipc-grader/probe";
};

// Never throws for anything the process does; probe-side failures go to
// result.process.error.
protocol::StepResult RunStep(const protocol::Step& step, const StepEnv& env);

// The kStat part: lstat of each path below `dir`, never through a symlink.
std::vector<protocol::PathStat> StatPaths(const std::string& dir,
                                          const std::vector<std::string>& paths);

// The tracer's log (its stderr) as events; false when it was cut short or
// held a line that is not an event (the last events are then missing).
bool ParseTraceLog(const std::string& log, std::vector<protocol::TraceEvent>* events);

// SIGKILL to `pid`, its process group and every descendant it still has
// (`su -c` runs the command in a new session, out of the group's reach).
// Only while `pid` is ours (not yet reaped).
void KillTree(pid_t pid);

}  // namespace ipc::probe
