// The probe's work between reading stdin and writing the report: run the
// plan's boxes one after another (protocol/probe_protocol.h says what a box
// is). For each box, as a checklist:
//   1. kill every process left (sweep.h) and every System V IPC object
//      (sysv.h);
//   2. put each system folder back (state.h): as the probe found it at its
//      start, or as the saved box the box starts from left it;
//   3. make the workdir hold the box's tree, then its files;
//   4. run the steps in order, each alone, its timeout cut to the plan's
//      deadline; the OOM-kill counter read around each (oom_ledger.h);
//   5. with attempts > 1, again from 1. until the last step exits 0;
//   6. with save, keep the workdir (and the system folders, when no step
//      was a student's) for later boxes.
// A box that cannot be made, or that the deadline leaves no time for,
// reports every step as not run, with the reason; the others still run.
#pragma once

#include <map>
#include <string>

#include "probe/oom_ledger.h"
#include "probe/state.h"
#include "protocol/probe_protocol.h"

namespace ipc::probe {

// The trees the probe got on stdin, kept in its own memory for the whole
// run: what a student step does to the file system cannot change them.
struct Trees {
  std::string main;                          // the submission
  std::map<std::string, std::string> extra;  // Plan::extra_trees name -> tar
};

struct ProbeOptions {
  // The probe's own files (file-mode stdout); made again before every box
  // (it may live in a system folder that is put back).
  std::string private_dir = "/run/ipc-probe";
  // The probe's own binary: the tracer is the probe run with --trace.
  std::string probe_path = "/opt/ipc-grader/probe";
  StateLimits limits;
  // Where the container's memory cgroup is mounted: its OOM-kill counter
  // tells the kernel's kills from others (oom_ledger.h).
  std::string cgroup_root = kCgroupRoot;
  // Where /proc is (System V IPC objects are listed there).
  std::string proc_root = "/proc";
};

// Never throws for what steps do; failures of the probe itself (a tree it
// refuses, a folder it cannot put back) are in probe_error. An empty main
// tree is an empty workdir; trees.extra must hold every plan.extra_trees
// name.
protocol::Report RunPlan(const protocol::Plan& plan, const Trees& trees,
                         const ProbeOptions& options);

}  // namespace ipc::probe
