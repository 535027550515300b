// The probe's work between reading stdin and writing the report: unpack the
// submission, then run the plan's groups in ascending order, the steps of a
// group concurrently (one thread each), each in the workdir or in its
// sandbox copy; after every group, sweep away every process left over.
#pragma once

#include <string>

#include "protocol/probe_protocol.h"
#include "util/tar.h"

namespace ipc::probe {

struct ProbeOptions {
  // The probe's own files (file-mode stdout): never in the student's tree.
  std::string private_dir = "/run/ipc-probe";
  std::string sandbox_root = "/srv/ipc-sandbox";
  tar::ExtractLimits limits;
};

// Never throws for what steps do; failures of the probe itself (extraction
// refused, a sweep that did not finish) are in probe_error. An empty
// `archive` means nothing to unpack.
protocol::Report RunPlan(const protocol::Plan& plan, const std::string& archive,
                         const ProbeOptions& options);

}  // namespace ipc::probe
