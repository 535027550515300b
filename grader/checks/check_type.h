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
#include "reference/oracle_yaml.h"
#include "protocol/probe_protocol.h"
#include "report/result.h"
#include "rubric/rubric.h"
#include "rubric/yaml_reader.h"

namespace ipc::checks {

// Where the tools baked into the grading image live.
inline constexpr const char* kToolsDir = "/opt/ipc-grader";

// A per-submission secret string for `local` of `check`: the same for the
// same submission, grader installation and check (so an unchanged
// submission plans the same boxes), unknown to a student who has read this
// source (it derives from the installation's secret). Stand-ins and tokens
// use it so that no Makefile or test script can predict them.
std::string Token(const std::string& seed, const std::string& check_id, const std::string& local);

class PlanBuilder {
 public:
  // `snapshot`: what the submission looks like, for types whose plan
  // depends on the student's files (gitlab_ci reads .gitlab-ci.yml).
  // `other_refs` holds the refs of CheckType::ExtraRefs that could be
  // fetched. Both may be null (some unit tests): types then plan as if the
  // files were absent. `programs`: the rubric's programs (never null in the
  // grader; unit tests of types that need none may pass null).
  PlanBuilder(protocol::Plan* plan, const fetch::Snapshot* snapshot,
              const std::map<std::string, fetch::Snapshot>* other_refs,
              const reference::Programs* programs, std::string token_seed,
              const rubric::Rubric* rubric)
      : plan_(plan), snapshot_(snapshot), other_refs_(other_refs), programs_(programs),
        token_seed_(std::move(token_seed)), rubric_(rubric) {}
  explicit PlanBuilder(protocol::Plan* plan) : plan_(plan) {}

  const fetch::Snapshot* snapshot() const { return snapshot_; }
  // The snapshot of another ref, or null when it was not fetched (a missing
  // tag). UseTree also ships that ref's tree to the probe (once) and returns
  // the box source naming it ("tree:<ref>"), or "" when missing.
  const fetch::Snapshot* RefSnapshot(const std::string& ref) const;
  std::string UseTree(const std::string& ref);
  // The source of a box that starts where check `check_id`'s box ended
  // (a `command` check, which saves its box): "box:<id>/run".
  static std::string FromCheck(const std::string& check_id);
  // The rubric's data files as box files written only where missing.
  std::vector<protocol::FileOverlay> DataFiles() const;
  const reference::Programs* programs() const { return programs_; }
  std::string Token(const rubric::Check& check, const std::string& local) const {
    return checks::Token(token_seed_, check.id, local);
  }
  // Adds a box with id "<check id>/<local>"; each step's id (a local name
  // when given) becomes "<check id>/<step id>".
  void AddBox(const rubric::Check& check, const std::string& local, protocol::Box box);
  // argv with a leading tool name ("ref-cat") resolved into kToolsDir.
  static std::vector<std::string> ResolveTools(std::vector<std::string> argv);
  // The plan with the grader's own boxes (no student step) first, each group
  // in the order added: no reference observation may follow student code.
  void Finish();
  protocol::Plan& plan() { return *plan_; }

 private:
  protocol::Plan* plan_;
  const fetch::Snapshot* snapshot_ = nullptr;
  const std::map<std::string, fetch::Snapshot>* other_refs_ = nullptr;
  const reference::Programs* programs_ = nullptr;
  std::string token_seed_;
  const rubric::Rubric* rubric_ = nullptr;
};

struct Evidence {
  const fetch::Snapshot* snapshot = nullptr;  // the graded ref
  // Other refs the rubric names (e.g. "milestone1"); missing ones are absent.
  std::map<std::string, fetch::Snapshot> other_refs;
  std::map<std::string, std::string> other_ref_errors;
  const protocol::Report* report = nullptr;   // null: container gave none
  std::string container_error;                // why there is no report
  const rubric::Rubric* rubric = nullptr;
  const reference::Programs* programs = nullptr;
  std::string token_seed;  // as given to the PlanBuilder

  // The result of step "<check id>/<local>", or null.
  const protocol::StepResult* Step(const rubric::Check& check,
                                   const std::string& local) const;
  std::string Token(const rubric::Check& check, const std::string& local) const {
    return checks::Token(token_seed, check.id, local);
  }
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
  // Refs other than the graded one that Score needs (e.g. "milestone1").
  virtual std::vector<std::string> ExtraRefs(const rubric::Check& check) const;
  // Whether the type judges the ref a check's common `ref:` names; a type
  // that would silently judge the graded ref instead refuses the key.
  virtual bool GradesOtherRefs() const { return false; }
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
// Outcome::Error when a step is missing from the report, or was not run
// (its box could not be made, the grading time ran out), else null.
std::unique_ptr<Outcome> MissingStep(const Evidence& ev,
                                     const protocol::StepResult* step);

// A step of the grader's own (a reference program, the rubric's set-up)
// that did not end normally: the grader's problem, never an expectation.
// Outcome::Error naming `what` when `p` did not start, timed out or was
// killed, else null.
std::unique_ptr<Outcome> GraderStepFailed(const std::string& what,
                                          const protocol::ProcessResult& p);

// The program (or mutant) a check names in its `key`, or a rubric error at
// that key. Types call these from Validate, so a rubric that names an
// unknown program is refused before anything runs.
const reference::Program& RequireProgram(rubric::NodeReader& r, const std::string& key,
                                         const reference::Programs& programs);
const reference::Mutant& RequireMutant(rubric::NodeReader& r, const YAML::Node& at,
                                       const std::string& name,
                                       const reference::Programs& programs);
// A check's `key` (usually "from"): "" when absent or "pristine", else the
// id of a command check earlier in the rubric, whose box this check's boxes
// start from (PlanBuilder::FromCheck). A rubric error otherwise.
std::string RequireEarlierCommand(rubric::NodeReader& r, const std::string& key,
                                  const rubric::Check& check, const rubric::Rubric& rubric);

// The rubric's programs, decoded once per rubric (cached by its sha256).
const reference::Programs& ProgramsOf(const rubric::Rubric& rubric);

}  // namespace ipc::checks
