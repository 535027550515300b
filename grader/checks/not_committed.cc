// not_committed: nothing at the graded ref matches these patterns (built
// binaries, logs, shell history, Python caches).
//   patterns: [prog, run.log, .bash_history, "*.pyc", __pycache__/]
//
// Patterns are gitignore patterns (checks/glob.h) matched against every path
// of the snapshot: one without an inner '/' matches a name at any depth
// (`prog` finds src/prog), a trailing '/' matches a folder and so
// everything under it. A committed folder is reported once, as the folder,
// not file by file: `git rm -r --cached` fixes it in one command.
#include <fmt/format.h>

#include <set>

#include "checks/glob.h"
#include "checks/types.h"
#include "rubric/yaml_scalar.h"

namespace ipc::checks {
namespace {

constexpr std::size_t kMaxListed = 10;

struct Params {
  std::vector<std::string> patterns;
  std::vector<IgnoreRule> rules;
};

Params Parse(const rubric::Check& check) {
  auto r = ParamsReader(check);
  Params p;
  p.patterns = r.RequireStringList("patterns");
  if (p.patterns.empty()) r.FailKey("patterns", "'patterns' must list at least one pattern");
  const YAML::Node list = r.Child("patterns");
  for (std::size_t i = 0; i < p.patterns.size(); ++i) {
    const YAML::Node at = list.IsSequence() ? list[i] : list;
    const std::string& text = p.patterns[i];
    if (!text.empty() && text[0] == '!') {
      r.Fail(at, "pattern " + rubric::scalar::Quote(text) +
                     ": negation ('!') has no meaning here; list only what must not be committed");
    }
    auto rule = ParseIgnoreLine(text, 0);
    if (!rule || rule->source != text || text.size() > kMaxPatternBytes) {
      r.Fail(at, "pattern " + rubric::scalar::Quote(text) +
                     " is not a gitignore pattern (empty, a comment, '/' alone, trailing "
                     "spaces or too long)");
    }
    p.rules.push_back(std::move(*rule));
  }
  r.RejectUnknown();
  return p;
}

const IgnoreRule* FirstMatch(const Params& p, std::string_view path, bool is_dir) {
  for (const auto& rule : p.rules) {
    if (rule.Matches(path, is_dir)) return &rule;
  }
  return nullptr;
}

struct Offender {
  std::string path;  // a folder ends in '/'
  const IgnoreRule* rule = nullptr;
};

std::vector<Offender> Find(const Params& p, const fetch::Snapshot& snap) {
  std::vector<Offender> found;
  std::set<std::string> folders;
  for (const auto& e : snap.entries) {
    // Folders are judged through what is in them (git stores no empty
    // folder), which also works when a listing has no folder entries.
    if (e.type == fetch::EntryType::kDir) continue;
    bool under_folder = false;
    for (std::size_t slash = e.path.find('/'); slash != std::string::npos;
         slash = e.path.find('/', slash + 1)) {
      const std::string folder = e.path.substr(0, slash);
      if (const IgnoreRule* rule = FirstMatch(p, folder, true)) {
        if (folders.insert(folder).second) found.push_back({folder + "/", rule});
        under_folder = true;
        break;
      }
    }
    if (under_folder) continue;
    // git matches a submodule (gitlink) as a folder.
    if (const IgnoreRule* rule = FirstMatch(p, e.path, e.type == fetch::EntryType::kSubmodule)) {
      found.push_back({e.path, rule});
    }
  }
  return found;
}

class NotCommitted : public CheckType {
 public:
  std::string Name() const override { return "not_committed"; }
  void Validate(const rubric::Check& c, const rubric::Rubric&) const override { Parse(c); }

  Outcome Score(const rubric::Check& c, const Evidence& ev) const override {
    const Params p = Parse(c);
    std::string patterns;
    for (const auto& x : p.patterns) patterns += (patterns.empty() ? "" : ", ") + x;
    const std::vector<Offender> found = Find(p, *ev.snapshot);
    if (found.empty()) {
      Outcome o = Outcome::Pass();
      o.expected = "nothing committed that matches " + patterns;
      o.student = "none committed";
      return o;
    }
    std::string listed;
    bool any_folder = false;
    for (std::size_t i = 0; i < found.size() && i < kMaxListed; ++i) {
      const Offender& f = found[i];
      any_folder |= f.path.back() == '/';
      listed += fmt::format("{}{} (matches '{}')", i == 0 ? "" : ", ", Abbrev(f.path, 120),
                            f.rule->source);
    }
    if (found.size() > kMaxListed) listed += fmt::format(" and {} more", found.size() - kMaxListed);
    Outcome o = Outcome::Fail(fmt::format(
        "committed but should not be: {}. Remove each from the repository (your copy stays) "
        "with `git rm --cached <path>`{}, add it to .gitignore, then commit and push.",
        listed, any_folder ? " (`git rm -r --cached <folder>` for a folder)" : ""));
    o.expected = "nothing committed that matches " + patterns;
    o.student = fmt::format("{} committed: {}", found.size(), listed);
    return o;
  }
};

}  // namespace

std::unique_ptr<CheckType> MakeNotCommittedType() { return std::make_unique<NotCommitted>(); }

}  // namespace ipc::checks
