#include "checks/check_type.h"
#include "checks/classify.h"

#include <algorithm>
#include <csignal>
#include <cstring>
#include <fmt/format.h>

namespace ipc::checks {

void PlanBuilder::Add(const rubric::Check& check, const std::string& local,
                      protocol::Step step) {
  step.id = check.id + "/" + local;
  plan_->steps.push_back(std::move(step));
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
  return protocol::SandboxFromTree(ref);
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
