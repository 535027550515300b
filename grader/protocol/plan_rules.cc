// Plan rules that no single field can check on its own. Kept apart from the
// JSON decoding so the grader can apply them to a plan it built in memory
// (ValidatePlan) before anything crosses the container boundary.
#include <map>
#include <set>
#include <string>

#include "protocol/probe_protocol.h"

namespace ipc::protocol {
namespace {

constexpr const char* kTreePrefix = "tree:";

[[noreturn]] void Fail(std::size_t step, const std::string& field, const std::string& what) {
  throw ProtocolError("steps[" + std::to_string(step) + "]" + (field.empty() ? "" : "." + field) +
                      ": " + what);
}

// An overlay path is written below the step's directory: relative, and no
// component may walk upwards. Empty and "." components are refused too, so
// every path names exactly one file ("a//b" and "./a" are someone's bug).
std::string OverlayPathProblem(const std::string& path) {
  if (path.empty()) return "must not be empty";
  if (path[0] == '/') return "'" + path + "' is absolute (expected a path relative to the step's directory)";
  std::size_t start = 0;
  for (;;) {
    const auto slash = path.find('/', start);
    const std::string comp =
        path.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    if (comp == "..") return "'" + path + "' has a '..' component";
    if (comp.empty() || comp == ".") return "'" + path + "' has an empty or '.' component";
    if (slash == std::string::npos) return "";
    start = slash + 1;
  }
}

void CheckOneStep(const Plan& plan, std::size_t i) {
  const Step& s = plan.steps[i];
  for (std::size_t k = 0; k < s.overlay.size(); ++k) {
    const std::string field = "overlay[" + std::to_string(k) + "]";
    if (auto why = OverlayPathProblem(s.overlay[k].path); !why.empty()) {
      Fail(i, field + ".path", why);
    }
    if (s.overlay[k].mode < 0 || s.overlay[k].mode > 0777) {
      Fail(i, field + ".mode", "expected permission bits 0..0777, got " +
                                   std::to_string(s.overlay[k].mode));
    }
  }
  if (s.attempts < 1) Fail(i, "attempts", "must be at least 1, got " + std::to_string(s.attempts));
  if (s.attempts > 1 && s.kind != Step::Kind::kExec) {
    Fail(i, "attempts", "only exec steps can be retried (a signal step's readiness is one-shot)");
  }
  if (s.attempts > 1 && s.sandbox.empty()) {
    Fail(i, "attempts", "more than one attempt needs a sandbox (each retry gets a fresh copy)");
  }
  if (s.at_workdir && s.sandbox.empty()) {
    Fail(i, "at_workdir", "needs a sandbox (it is the sandbox that is put at the workdir's path)");
  }
  if (s.sandbox_from.empty()) return;
  if (s.sandbox.empty()) {
    Fail(i, "sandbox_from", "'" + s.sandbox_from + "' without a sandbox (there is nothing to copy into)");
  }
  if (s.sandbox_from == kSandboxFromPristine) return;
  const auto name = TreeOfSandboxFrom(s.sandbox_from);
  if (!name) {
    Fail(i, "sandbox_from",
         "expected \"\", \"pristine\" or \"tree:NAME\", got '" + s.sandbox_from + "'");
  }
  bool known = false;
  for (const auto& t : plan.extra_trees) known = known || t == *name;
  if (!known) {
    Fail(i, "sandbox_from", "tree '" + *name + "' is not in extra_trees (the probe gets no tar for it)");
  }
}

}  // namespace

std::string SandboxFromTree(const std::string& name) { return kTreePrefix + name; }

std::optional<std::string> TreeOfSandboxFrom(const std::string& sandbox_from) {
  const std::string prefix = kTreePrefix;
  if (sandbox_from.rfind(prefix, 0) != 0) return std::nullopt;
  return sandbox_from.substr(prefix.size());
}

void ValidatePlan(const Plan& plan) {
  std::set<std::string> trees;
  for (std::size_t t = 0; t < plan.extra_trees.size(); ++t) {
    const std::string where = "extra_trees[" + std::to_string(t) + "]";
    if (plan.extra_trees[t].empty()) throw ProtocolError(where + ": must not be empty");
    if (plan.extra_trees[t].find('\0') != std::string::npos) {
      throw ProtocolError(where + ": contains a NUL byte");
    }
    if (!trees.insert(plan.extra_trees[t]).second) {
      throw ProtocolError(where + ": duplicate tree '" + plan.extra_trees[t] +
                          "' (the probe would read one tar too many)");
    }
  }
  // First step naming each sandbox, and how many name it.
  std::map<std::string, std::size_t> first;
  std::map<std::string, int> users;
  for (std::size_t i = 0; i < plan.steps.size(); ++i) {
    CheckOneStep(plan, i);
    const Step& s = plan.steps[i];
    if (s.sandbox.empty()) continue;
    ++users[s.sandbox];
    auto [it, fresh] = first.emplace(s.sandbox, i);
    if (!fresh && plan.steps[it->second].sandbox_from != s.sandbox_from) {
      Fail(i, "sandbox_from",
           "'" + s.sandbox_from + "' but steps[" + std::to_string(it->second) +
               "] makes sandbox '" + s.sandbox + "' from '" +
               plan.steps[it->second].sandbox_from +
               "' (steps sharing a sandbox must agree on its source)");
    }
  }
  for (std::size_t i = 0; i < plan.steps.size(); ++i) {
    const Step& s = plan.steps[i];
    if (s.attempts > 1 && users[s.sandbox] > 1) {
      Fail(i, "attempts",
           "sandbox '" + s.sandbox +
               "' is shared with another step; a retried step needs a sandbox of its own "
               "(a retry replaces it with a fresh copy)");
    }
  }
}

}  // namespace ipc::protocol
