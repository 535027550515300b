// The probe's work between reading stdin and writing the report: seal the
// tools, unpack the submission, then run the plan's groups in ascending
// order; in each group, first the steps that must run alone (fresh_users,
// at_workdir) one by one, then the others concurrently (one thread each),
// each in the workdir or in its sandbox; after every group, sweep away
// every process left over. One OOM ledger spans the plan, so OOM kills are
// pinned on a step only when no other step of any group ran alongside.
#pragma once

#include <string>

#include "probe/oom_ledger.h"
#include "probe/sandbox.h"
#include "protocol/probe_protocol.h"
#include "util/tar.h"

namespace ipc::probe {

struct ProbeOptions {
  // The probe's own files (file-mode stdout): never in the student's tree.
  std::string private_dir = "/run/ipc-probe";
  std::string sandbox_root = kSandboxRoot;
  // Saved workdir states for retried sandboxes; "" = sandbox_root + "-templates".
  std::string template_root;
  // The grader's programs, sealed at start and restored before each group.
  std::string tools_dir = "/opt/ipc-grader";
  // The user database and the homes fresh_users steps reset.
  std::string etc_dir = "/etc";
  std::string home_dir = "/home";
  tar::ExtractLimits limits;
  // Where the container's memory cgroup is mounted: its OOM-kill counter
  // tells the kernel's kills from others (oom_ledger.h).
  std::string cgroup_root = kCgroupRoot;
};

// Never throws for what steps do; failures of the probe itself (extraction
// refused, a sweep that did not finish) are in probe_error. An empty main
// tree means nothing to unpack; trees.extra must hold every
// plan.extra_trees name.
protocol::Report RunPlan(const protocol::Plan& plan, const Trees& trees,
                         const ProbeOptions& options);
// The submission's tar only (no extra trees).
protocol::Report RunPlan(const protocol::Plan& plan, const std::string& archive,
                         const ProbeOptions& options);

}  // namespace ipc::probe
