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
constexpr const char* kBoxPrefix = "box:";
constexpr int kMaxAttempts = 10;

std::string BoxPath(std::size_t b) { return "boxes[" + std::to_string(b) + "]"; }

[[noreturn]] void Fail(const std::string& where, const std::string& what) {
  throw ProtocolError(where + ": " + what);
}

// A path below the workdir: relative, and no component may walk upwards.
// Empty and "." components are refused too, so every path names exactly
// one file ("a//b" and "./a" are someone's bug).
std::string RelativePathProblem(const std::string& path) {
  if (path.empty()) return "must not be empty";
  if (path[0] == '/') return "'" + path + "' is absolute (expected a path relative to the workdir)";
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

bool Absolute(const std::string& p) { return !p.empty() && p[0] == '/' && p != "/"; }

// `inner` is `outer` or below it.
bool Within(const std::string& inner, const std::string& outer) {
  return inner == outer || inner.rfind(outer + "/", 0) == 0;
}

void CheckStep(const std::string& where, const Step& s) {
  for (std::size_t k = 0; k < s.paths.size(); ++k) {
    if (s.paths[k] == ".") continue;  // the workdir itself
    if (auto why = RelativePathProblem(s.paths[k]); !why.empty()) {
      Fail(where + ".paths[" + std::to_string(k) + "]", why);
    }
  }
  if (s.kind == Step::Kind::kStat && s.paths.empty()) Fail(where + ".paths", "a stat step needs paths");
  if (s.kind != Step::Kind::kStat && !s.paths.empty()) {
    Fail(where + ".paths", "only stat steps have paths");
  }
  if (!s.watch.empty() && s.kind != Step::Kind::kExec) {
    Fail(where + ".watch", "only exec steps can be traced");
  }
  if (!s.watch.empty() && !s.process.user.empty()) {
    Fail(where + ".watch", "a traced step runs as root (the tracer must be able to trace it)");
  }
  for (std::size_t k = 0; k < s.watch.size(); ++k) {
    if (auto why = RelativePathProblem(s.watch[k]); !why.empty()) {
      Fail(where + ".watch[" + std::to_string(k) + "]", why);
    }
  }
}

}  // namespace

std::string FromTree(const std::string& name) { return kTreePrefix + name; }
std::string FromBox(const std::string& box_id) { return kBoxPrefix + box_id; }

std::optional<std::string> TreeOfFrom(const std::string& from) {
  if (from.rfind(kTreePrefix, 0) != 0) return std::nullopt;
  return from.substr(std::string(kTreePrefix).size());
}

std::optional<std::string> BoxOfFrom(const std::string& from) {
  if (from.rfind(kBoxPrefix, 0) != 0) return std::nullopt;
  return from.substr(std::string(kBoxPrefix).size());
}

bool HasStudentStep(const Box& box) {
  for (const auto& s : box.steps) {
    if (s.student && s.kind != Step::Kind::kStat) return true;
  }
  return false;
}

void ValidatePlan(const Plan& plan) {
  if (!Absolute(plan.workdir)) {
    Fail("workdir", "expected an absolute path below /, got '" + plan.workdir + "'");
  }
  std::set<std::string> dirs;
  for (std::size_t i = 0; i < plan.system_dirs.size(); ++i) {
    const std::string& d = plan.system_dirs[i];
    const std::string where = "system_dirs[" + std::to_string(i) + "]";
    if (!Absolute(d)) Fail(where, "expected an absolute path below /, got '" + d + "'");
    if (Within(d, plan.workdir) || Within(plan.workdir, d)) {
      Fail(where, "'" + d + "' overlaps the workdir '" + plan.workdir + "'");
    }
    if (!dirs.insert(d).second) Fail(where, "duplicate '" + d + "'");
  }
  if (plan.deadline_s < 0) Fail("deadline_s", "must not be negative");
  std::set<std::string> trees;
  for (std::size_t t = 0; t < plan.extra_trees.size(); ++t) {
    const std::string where = "extra_trees[" + std::to_string(t) + "]";
    if (plan.extra_trees[t].empty()) Fail(where, "must not be empty");
    if (plan.extra_trees[t].find('\0') != std::string::npos) Fail(where, "contains a NUL byte");
    if (!trees.insert(plan.extra_trees[t]).second) {
      Fail(where, "duplicate tree '" + plan.extra_trees[t] +
                      "' (the probe would read one tar too many)");
    }
  }
  std::map<std::string, std::size_t> boxes;  // id -> index
  std::map<std::string, std::string> steps;  // id -> where
  std::optional<std::size_t> first_student;
  for (std::size_t b = 0; b < plan.boxes.size(); ++b) {
    const Box& box = plan.boxes[b];
    const std::string where = BoxPath(b);
    if (box.id.empty()) Fail(where + ".id", "must not be empty");
    if (auto [it, fresh] = boxes.emplace(box.id, b); !fresh) {
      Fail(where + ".id", "duplicate id '" + box.id + "' (first at " + BoxPath(it->second) + ")");
    }
    if (box.steps.empty()) Fail(where + ".steps", "a box needs at least one step");
    if (box.attempts < 1 || box.attempts > kMaxAttempts) {
      Fail(where + ".attempts", "must be 1 to " + std::to_string(kMaxAttempts) + ", got " +
                                    std::to_string(box.attempts));
    }
    if (box.from != kFromPristine) {
      if (const auto tree = TreeOfFrom(box.from)) {
        if (!trees.count(*tree)) {
          Fail(where + ".from", "tree '" + *tree + "' is not in extra_trees (the probe gets no tar for it)");
        }
      } else if (const auto source = BoxOfFrom(box.from)) {
        const auto it = boxes.find(*source);
        if (it == boxes.end() || it->second == b) {
          Fail(where + ".from", "box '" + *source + "' is not an earlier box of the plan");
        }
        if (!plan.boxes[it->second].save) {
          Fail(where + ".from", "box '" + *source + "' does not save what it leaves (save: false)");
        }
      } else {
        Fail(where + ".from", "expected \"pristine\", \"tree:NAME\" or \"box:ID\", got '" +
                                  box.from + "'");
      }
    }
    for (std::size_t k = 0; k < box.files.size(); ++k) {
      const std::string fw = where + ".files[" + std::to_string(k) + "]";
      if (auto why = RelativePathProblem(box.files[k].path); !why.empty()) Fail(fw + ".path", why);
      if (box.files[k].mode < 0 || box.files[k].mode > 0777) {
        Fail(fw + ".mode", "expected permission bits 0..0777, got " +
                               std::to_string(box.files[k].mode));
      }
    }
    for (std::size_t i = 0; i < box.steps.size(); ++i) {
      const std::string sw = where + ".steps[" + std::to_string(i) + "]";
      const Step& s = box.steps[i];
      if (s.id.empty()) Fail(sw + ".id", "must not be empty");
      if (auto [it, fresh] = steps.emplace(s.id, sw); !fresh) {
        Fail(sw + ".id", "duplicate id '" + s.id + "' (first at " + it->second + ")");
      }
      CheckStep(sw, s);
    }
    // No observation of the grader's own programs may follow student code:
    // whatever a student step did, it must not be able to reach them.
    if (HasStudentStep(box)) {
      if (!first_student) first_student = b;
    } else if (first_student) {
      Fail(where, "box '" + box.id + "' runs only grader steps after " + BoxPath(*first_student) +
                      " ran student code (grader boxes come first)");
    }
  }
}

}  // namespace ipc::protocol
