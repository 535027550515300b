// One submission's plan spread over several containers ("lanes") that run at
// the same time, for a rerun of one student on an otherwise idle machine.
//
// Why: the steps that must run alone in their container (fresh_users: the CI
// jobs and the adequacy runs use /root and the user database, and a student's
// `adduser garfield` fails if the user exists) form one serial chain of
// several seconds, while the rest of the plan waits on nothing; and the
// rubric's `cpus` limit holds each container to one core. A second and third
// container each run a share of that chain beside the first.
//
// What moves: a "unit" is every step naming one sandbox, when each of them
// is fresh_users (so what it sees of the user database does not depend on
// what ran before it). A lane that runs a unit copied from the workdir
// (sandbox_from "") first replays the plan's shared-workdir steps of the
// earlier groups (the build), so the copy is made from the same state as in
// one container; those replays' results are dropped. Everything else stays
// in lane 0, in its groups, as before. A unit copied from the pristine
// submission or another tree needs no replay. What a moved unit does not
// see is what earlier steps left outside the workdir (say in /tmp): no
// check relies on that, and a step that did would be a flaky test anyway.
//
// Scoring sees one report in the plan's order whatever the lanes: the same
// steps, each observed once.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "protocol/probe_protocol.h"

namespace ipc::pipeline {

struct Lane {
  protocol::Plan plan;
  // Per step of `plan`: its result is the graded one (false: a replay).
  std::vector<bool> owned;
};

// Relative cost of a step, to balance the lanes (any positive scale).
using StepWeight = std::function<double(const protocol::Step&)>;

// Splits `plan` over at most `max_lanes` lanes (fewer when there are fewer
// units to move). Lane 0 keeps every step that does not move. Units that
// copy the workdir are placed first, then the others, heaviest first (ties:
// plan order), each where the lane ends lightest among lanes 1..N-1, a
// replay of the build the lane would newly need counting twice (its time,
// and the CPU it takes from the others): so units needing the build share
// lanes unless spreading clearly pays, and the same plan always splits the
// same way. max_lanes <= 1
// or nothing movable: one lane, the plan as it is.
std::vector<Lane> SplitPlan(const protocol::Plan& plan, int max_lanes, const StepWeight& weight);

// The lanes' reports as one, in `plan`'s step order: each step's result from
// the lane that owns it. probe_error of any lane is kept, prefixed with the
// lane when there are several. reports[i] belongs to lanes[i].
protocol::Report MergeReports(const protocol::Plan& plan, const std::vector<Lane>& lanes,
                              std::vector<protocol::Report> reports);

}  // namespace ipc::pipeline
