#include "checks/check_type.h"
#include "checks/classify.h"

#include <algorithm>
#include <csignal>
#include <cstring>
#include <fmt/format.h>

#include <map>
#include <memory>
#include <mutex>

#include "util/sha256.h"

namespace ipc::checks {

std::string Token(const std::string& seed, const std::string& check_id, const std::string& local) {
  // Letters and digits only: it goes into C and Python sources and argv.
  return Sha256Hex(seed + "\n" + check_id + "\n" + local).substr(0, 20);
}

void PlanBuilder::AddBox(const rubric::Check& check, const std::string& local, protocol::Box box) {
  box.id = check.id + "/" + local;
  for (auto& step : box.steps) step.id = check.id + "/" + step.id;
  plan_->boxes.push_back(std::move(box));
}

std::string PlanBuilder::FromCheck(const std::string& check_id) {
  return protocol::FromBox(check_id + "/run");
}

std::vector<protocol::FileOverlay> PlanBuilder::DataFiles() const {
  std::vector<protocol::FileOverlay> files;
  if (rubric_ == nullptr) return files;
  for (const auto& f : rubric_->data_files) {
    protocol::FileOverlay o;
    o.path = f.path;
    o.content = f.content;
    o.if_missing = true;
    files.push_back(std::move(o));
  }
  return files;
}

void PlanBuilder::Finish() {
  std::stable_partition(plan_->boxes.begin(), plan_->boxes.end(),
                        [](const protocol::Box& b) { return !protocol::HasStudentStep(b); });
}

const fetch::Snapshot* PlanBuilder::RefSnapshot(const std::string& ref) const {
  if (other_refs_ == nullptr) return nullptr;
  auto it = other_refs_->find(ref);
  return it == other_refs_->end() ? nullptr : &it->second;
}

std::string PlanBuilder::UseTree(const std::string& ref) {
  if (RefSnapshot(ref) == nullptr) return "";
  // Each tree crosses stdin once, however many checks use it.
  auto& trees = plan_->extra_trees;
  if (std::find(trees.begin(), trees.end(), ref) == trees.end()) trees.push_back(ref);
  return protocol::FromTree(ref);
}

std::vector<std::string> PlanBuilder::ResolveTools(std::vector<std::string> argv) {
  if (!argv.empty() && argv[0].rfind("ref-", 0) == 0 &&
      argv[0].find('/') == std::string::npos) {
    argv[0] = std::string(kToolsDir) + "/" + argv[0];
  }
  return argv;
}

const protocol::StepResult* Evidence::Step(const rubric::Check& check,
                                           const std::string& local) const {
  if (report == nullptr) return nullptr;
  const std::string id = check.id + "/" + local;
  for (const auto& s : report->steps) {
    if (s.id == id) return &s;
  }
  return nullptr;
}

Outcome Outcome::Pass(std::string message) {
  Outcome o;
  o.status = report::CheckStatus::kPass;
  o.fraction = 1;
  o.message = std::move(message);
  return o;
}

Outcome Outcome::Fail(std::string message) {
  Outcome o;
  o.status = report::CheckStatus::kFail;
  o.fraction = 0;
  o.message = std::move(message);
  return o;
}

Outcome Outcome::Error(std::string message) {
  Outcome o;
  o.status = report::CheckStatus::kError;
  o.fraction = 0;
  o.message = std::move(message);
  return o;
}

std::vector<std::string> CheckType::ExtraRefs(const rubric::Check& check) const {
  if (check.ref.empty()) return {};
  return {check.ref};
}

rubric::NodeReader ParamsReader(const rubric::Check& check) {
  rubric::NodeReader r(check.params, check.where.file, "check '" + check.id + "'");
  // Common keys are not in params; knowing them lets a typo of one
  // ("pionts") be reported with a suggestion.
  r.MarkKnown(rubric::CommonCheckKeys());
  return r;
}

std::string DescribeExit(const protocol::ProcessResult& p) {
  if (!p.started) return "did not start" + (p.error.empty() ? "" : ": " + p.error);
  if (p.timed_out) return fmt::format("timed out after {:.1f} s and was killed", p.wall_s);
  if (p.oom_killed) return DescribeOutOfMemory();
  if (p.term_signal) {
    const char* abbrev = sigabbrev_np(*p.term_signal);
    return fmt::format("killed by SIG{}", abbrev ? abbrev : std::to_string(*p.term_signal));
  }
  if (p.exit_code) return fmt::format("exit {}", *p.exit_code);
  return "no exit status";
}

std::string Abbrev(const std::string& bytes, std::size_t max) {
  std::string out;
  for (unsigned char c : bytes) {
    if (out.size() >= max) {
      out += "…";
      break;
    }
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7f) {
      out += fmt::format("\\x{:02x}", c);
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

std::unique_ptr<Outcome> MissingStep(const Evidence& ev,
                                     const protocol::StepResult* step) {
  if (step != nullptr && step->process.error.rfind("not run: ", 0) == 0) {
    // Its box could not be made, or the time ran out before it: the grader
    // could not observe it (the batch's error list shows it to staff).
    return std::make_unique<Outcome>(Outcome::Error(
        "the grader could not observe this check: its step was " + step->process.error));
  }
  if (step != nullptr) return nullptr;
  std::string why = ev.report == nullptr
                        ? "the grading container produced no report: " + ev.container_error
                        : "the probe did not report this step";
  if (ev.report != nullptr && !ev.report->probe_error.empty()) {
    why += " (" + ev.report->probe_error + ")";
  }
  return std::make_unique<Outcome>(Outcome::Error(why));
}

}  // namespace ipc::checks

namespace ipc::checks {

std::unique_ptr<Outcome> GraderStepFailed(const std::string& what,
                                          const protocol::ProcessResult& p) {
  if (p.started && !p.timed_out && !p.term_signal && !p.oom_killed) return nullptr;
  return std::make_unique<Outcome>(
      Outcome::Error(what + " " + DescribeExit(p) +
                     (p.stderr_data.empty() ? "" : ": " + Abbrev(p.stderr_data, 300))));
}

std::string RequireEarlierCommand(rubric::NodeReader& r, const std::string& key,
                                  const rubric::Check& check, const rubric::Rubric& rubric) {
  const std::string from = r.OptString(key).value_or("");
  if (from.empty() || from == "pristine") return "";
  for (const auto& earlier : rubric.checks) {
    if (&earlier == &check || earlier.id == check.id) break;
    if (earlier.id == from && earlier.type == "command") return from;
  }
  r.FailValue(key, "'" + key + "' is 'pristine' (the tree as committed) or the id of a command "
                   "check listed before this one, whose box this check starts from; got '" +
                   from + "'");
}

const reference::Programs& ProgramsOf(const rubric::Rubric& rubric) {
  static std::mutex mu;
  static std::map<std::string, std::unique_ptr<reference::Programs>> cache;
  std::lock_guard lock(mu);
  auto& slot = cache[rubric.path + "\n" + rubric.sha256];
  if (!slot) slot = std::make_unique<reference::Programs>(reference::DecodePrograms(rubric));
  return *slot;
}

const reference::Program& RequireProgram(rubric::NodeReader& r, const std::string& key,
                                         const reference::Programs& programs) {
  const std::string name = r.RequireString(key);
  const auto it = programs.programs.find(name);
  if (it == programs.programs.end()) {
    std::string known;
    for (const auto& [n, p] : programs.programs) known += (known.empty() ? "" : ", ") + n;
    r.FailValue(key, "no program '" + name + "' in the rubric's 'programs'" +
                         (known.empty() ? " (it has none)" : " (it has: " + known + ")"));
  }
  return it->second;
}

const reference::Mutant& RequireMutant(rubric::NodeReader& r, const YAML::Node& at,
                                       const std::string& name,
                                       const reference::Programs& programs) {
  const auto it = programs.mutants.find(name);
  if (it == programs.mutants.end()) {
    r.Fail(at, "no mutant '" + name + "' in the rubric's 'mutants'");
  }
  return it->second;
}

}  // namespace ipc::checks
