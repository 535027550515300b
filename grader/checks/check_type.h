// A check type: one kind of thing the rubric can ask for (files present, a
// build, a signal round trip, a stdin matrix...). Each type lives in its own
// file in this folder and does three things:
//   Validate: decode its own rubric keys (errors at file:line:col);
//   Plan:     add the steps the probe must run inside the container;
//   Score:    turn the probe's raw observations (and the git snapshot) into
//             an outcome. Scoring happens on the host, never in the container.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "fetch/fetcher.h"
#include "protocol/probe_protocol.h"
#include "report/result.h"
#include "rubric/rubric.h"
#include "rubric/yaml_reader.h"

namespace ipc::checks {

// Where the tools baked into the grading image live.
inline constexpr const char* kToolsDir = "/opt/ipc-grader";

class PlanBuilder {
 public:
  explicit PlanBuilder(protocol::Plan* plan) : plan_(plan) {}
  // What the submission looks like, for types whose plan depends on the
  // student's files (gitlab_ci reads .gitlab-ci.yml). `other_refs` holds the
  // refs of CheckType::ExtraRefs that could be fetched. Null when unknown
  // (some unit tests): types then plan as if the files were absent.
  PlanBuilder(protocol::Plan* plan, const fetch::Snapshot* snapshot,
              const std::map<std::string, fetch::Snapshot>* other_refs)
      : plan_(plan), snapshot_(snapshot), other_refs_(other_refs) {}
  const fetch::Snapshot* snapshot() const { return snapshot_; }
  // The snapshot of another ref, or null when it was not fetched (a missing
  // tag). UseTree also ships that ref's tree to the probe (once) and returns
  // the sandbox_from value naming it ("tree:<ref>"), or "" when missing.
  const fetch::Snapshot* RefSnapshot(const std::string& ref) const;
  std::string UseTree(const std::string& ref);
  // Adds a step with id "<check id>/<local>".
  void Add(const rubric::Check& check, const std::string& local,
           protocol::Step step);
  // argv with a leading tool name ("ref-cat") resolved into kToolsDir.
  static std::vector<std::string> ResolveTools(std::vector<std::string> argv);
  protocol::Plan& plan() { return *plan_; }

 private:
  protocol::Plan* plan_;
  const fetch::Snapshot* snapshot_ = nullptr;
  const std::map<std::string, fetch::Snapshot>* other_refs_ = nullptr;
};

struct Evidence {
  const fetch::Snapshot* snapshot = nullptr;  // the graded ref
  // Other refs the rubric names (e.g. "part1"); missing ones are absent.
  std::map<std::string, fetch::Snapshot> other_refs;
  std::map<std::string, std::string> other_ref_errors;
  const protocol::Report* report = nullptr;   // null: container gave none
  std::string container_error;                // why there is no report
  const rubric::Rubric* rubric = nullptr;

  // The result of step "<check id>/<local>", or null.
  const protocol::StepResult* Step(const rubric::Check& check,
                                   const std::string& local) const;
};

struct Outcome {
  report::CheckStatus status = report::CheckStatus::kFail;
  double fraction = 0;     // of the check's points, in [0, 1]
  std::string message;
  std::string expected;
  std::string student;
  std::string reference;
  std::string output;
  bool flaky = false;

  static Outcome Pass(std::string message = "");
  static Outcome Fail(std::string message);
  static Outcome Error(std::string message);
};

class CheckType {
 public:
  virtual ~CheckType() = default;
  virtual std::string Name() const = 0;
  // Decode and check `check.params`; throw rubric::RubricError.
  virtual void Validate(const rubric::Check& check,
                        const rubric::Rubric& rubric) const = 0;
  virtual void Plan(const rubric::Check& /*check*/,
                    const rubric::Rubric& /*rubric*/,
                    PlanBuilder& /*plan*/) const {}
  // Refs other than the graded one that Score needs (e.g. "part1").
  virtual std::vector<std::string> ExtraRefs(const rubric::Check& check) const;
  virtual Outcome Score(const rubric::Check& check,
                        const Evidence& evidence) const = 0;
};

const CheckType* FindType(const std::string& name);
std::vector<std::string> TypeNames();

// Validates every check's type and params; throws rubric::RubricError.
void ValidateChecks(const rubric::Rubric& rubric);

// A NodeReader over a check's params, named after the check.
rubric::NodeReader ParamsReader(const rubric::Check& check);

// Evidence helpers shared by the types.
// "exit 0", "killed by SIGTERM", "timed out after 5 s", "did not start: ..."
std::string DescribeExit(const protocol::ProcessResult& p);
// Shortened for a one-line observation; non-printable bytes escaped.
std::string Abbrev(const std::string& bytes, std::size_t max = 160);
// Outcome::Error when a step is missing from the report, else null.
std::unique_ptr<Outcome> MissingStep(const Evidence& ev,
                                     const protocol::StepResult* step);

}  // namespace ipc::checks
