// One planned step with everything its fields ask for, around RunStep:
// for each attempt (Step::attempts), a fresh sandbox (after the first),
// a fresh user database (fresh_users), the overlay files, the sandbox put
// at the workdir's path (at_workdir), "{dir}" in argv, the run itself with
// the OOM-kill counter read around it (oom_ledger.h), and for steps that
// run alone the sweep of whatever the attempt left running.
#pragma once

#include <string>

#include "probe/oom_ledger.h"
#include "probe/sandbox.h"
#include "probe/sealed_tools.h"
#include "probe/user_db.h"
#include "protocol/probe_protocol.h"

namespace ipc::probe {

struct StepContext {
  std::string workdir;
  std::string dir;  // the step's directory: the workdir or its sandbox
  std::string private_dir;
  const SealedTools* tools = nullptr;
  const SandboxMaker* sandboxes = nullptr;
  const UserDb* users = nullptr;
  // Nothing else runs meanwhile, so every process left over after an
  // attempt can be swept away (kill(-1) as PID 1).
  bool alone = false;
  // Readings of the container's OOM-kill counter around every attempt, to
  // set ProcessResult::oom_killed. Null: never set.
  OomLedger* oom = nullptr;
};

// Needs alone for fresh_users and at_workdir (the plan runner sees to it).
// Failures of an attempt's preparation end the step with process.error;
// failures that outlive the step (the workdir not put back, a sweep that
// did not finish) are appended to *probe_error.
protocol::StepResult RunPlannedStep(const protocol::Step& step, const StepContext& ctx,
                                    std::string* probe_error);

}  // namespace ipc::probe
