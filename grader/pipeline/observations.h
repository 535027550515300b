// Reuse of observations (issue 18): what a box observed is kept, keyed by
// everything that box's observation can depend on, and a later grading
// that plans the same box for the same inputs takes it instead of running
// it again. Scoring always runs again, so an edit of points, expected
// values or the late policy costs no container at all, and an edit of one
// container check re-runs only that check's boxes.
//
// Why a box's key can be that small: the probe puts every writable place
// back and kills every process before each box (probe/box_runner.h), so a
// box's observation depends only on
//   - the box itself as planned (files, steps, attempts, save), which holds
//     every parameter a check type turned into a step;
//   - where it starts: the tar of the tree ("pristine", "tree:NAME") or,
//     for "box:ID", the key of that box (recursively);
//   - the plan's workdir and system folders;
//   - the environment: the derived image (grading image + probe + reference
//     tools, by content hash) that ran it, and the student (a box two
//     students' trees share is observed for each: a regrade shows each
//     student their own job log).
// Not in the key, on purpose: the plan's deadline. A step the deadline cut
// short or kept from running is never kept (StepResult::cut_by_deadline).
// The residual: a reused observation equals a fresh one up to the
// nondeterminism grading already handles (a flaky test's reruns).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "protocol/probe_protocol.h"

namespace ipc::pipeline {

// The key of every box of `plan` (box id -> hex SHA-256). `trees` holds
// the tar of the submission under "" and of each extra tree by name.
std::map<std::string, std::string> BoxKeys(const protocol::Plan& plan,
                                           const std::map<std::string, const std::string*>& trees,
                                           const std::string& environment);

struct StoredBox {
  std::vector<protocol::StepResult> steps;
  std::string observed_at;  // ISO 8601, UTC
};

// A folder of observations, one file per key, in 256 subfolders by the
// key's first two hex digits. Entries are written atomically; one that
// cannot be read, or does not match the box asking for it, is never
// trusted: Load says why and the box runs again.
//
// Bounded like ccache's cache: with max_bytes > 0, each subfolder may hold
// a 256th of it. A Save that takes its subfolder over that share removes
// the subfolder's least recently used entries (a Load that takes an entry
// marks it used: its mtime) until the subfolder is at 80% of its share.
// An entry removed under a concurrent grading only costs that grading a
// box run again: a missing entry is never a wrong observation.
class ObservationStore {
 public:
  // 2 GiB: a term of regrades of a class of a few hundred (one grading of
  // a submission keeps ~0.4 MB: 58 boxes of the course's rubric).
  static constexpr std::uint64_t kDefaultMaxBytes = 2ull << 30;
  explicit ObservationStore(std::string dir, std::uint64_t max_bytes = 0)
      : dir_(std::move(dir)), max_bytes_(max_bytes) {}
  // nullopt when absent or unusable; `problem` says why when present but
  // unusable ("" when simply absent).
  std::optional<StoredBox> Load(const std::string& key, const protocol::Box& box,
                                std::string* problem) const;
  // Best effort: a store that cannot be written costs reuse, never a grade.
  void Save(const std::string& key, const protocol::Box& box,
            const std::vector<protocol::StepResult>& steps, const std::string& observed_at) const;
  std::string PathOf(const std::string& key) const;

 private:
  // Keeps the subfolder of `path` within its share (see the class).
  void Trim(const std::string& path) const;

  std::string dir_;
  std::uint64_t max_bytes_ = 0;
};

// What to run and what to take: boxes with a usable stored observation are
// taken unless a box that must run starts from them ("box:ID" needs the
// source to run in the same container).
struct ReusePlan {
  protocol::Plan to_run;                       // the boxes that must run, in plan order
  std::map<std::string, StoredBox> reused;     // box id -> stored observation
  std::vector<std::string> problems;           // unusable entries, worded
};
ReusePlan PlanReuse(const protocol::Plan& plan, const std::map<std::string, std::string>& keys,
                    const ObservationStore& store);

// Whether the steps a box reported may be kept: every step reported, none
// cut short by the deadline or not run.
bool Keepable(const protocol::Box& box, const std::vector<const protocol::StepResult*>& steps);

// The full plan's report: each box's steps from the stored observation or
// from the container's report (by step id), in plan order.
protocol::Report MergeReports(const protocol::Plan& plan, const ReusePlan& reuse,
                              const protocol::Report* fresh);

}  // namespace ipc::pipeline
