// gitignore: the repository's .gitignore makes git ignore these names.
//   entries: [prog, run.log, .bash_history, "*.pyc"]
//   file: .gitignore     the ignore file to read (entries are relative to
//                        its folder)
//   partial: true        points in proportion to the entries covered
//
// An entry is covered when git, reading only that file, would ignore what
// the entry names (checks/glob.h has the rules). Each entry becomes a few
// sample paths that must all be ignored:
//   - a plain name (prog) is the file of that name at the top of the
//     folder, where the assignment creates it: `prog`, `/prog`,
//     `**/prog` and `pro*` cover it; `prog/` (folders only) does not;
//   - a name with wildcards ("*.pyc") is sampled at the top and in a
//     subfolder, because such files appear anywhere (__pycache__/): `*.pyc`
//     and `**/*.pyc` cover it; `/*.pyc` (top level only) does not;
//   - a trailing '/' makes the entry a folder; an entry with an inner '/'
//     (build/out.o) is that exact path.
#include <fmt/format.h>

#include "checks/glob.h"
#include "checks/types.h"
#include "rubric/yaml_scalar.h"
#include "util/strings.h"

namespace ipc::checks {
namespace {

// Sample texts for a '*' in an entry: two unlike names, so a .gitignore
// line naming one concrete file (module.pyc) does not pass for "*.pyc".
constexpr const char* kStarSamples[] = {"module", "Other.name-1"};
constexpr const char* kSubfolder = "sub/dir/";

struct Params {
  std::vector<std::string> entries;
  std::string file = ".gitignore";
  bool partial = true;
};

struct Probe {
  std::string path;
  bool is_dir = false;
};

bool HasWildcard(std::string_view s) { return s.find_first_of("*?[\\") != std::string_view::npos; }

// One concrete name that `glob` (no '/') matches, '*' written as `star`.
std::string Instantiate(const std::string& glob, const std::string& star) {
  std::string out;
  for (std::size_t i = 0; i < glob.size(); ++i) {
    const char c = glob[i];
    if (c == '*') {
      while (i + 1 < glob.size() && glob[i + 1] == '*') ++i;
      out += star;
    } else if (c == '?') {
      out += 'q';
    } else if (c == '\\' && i + 1 < glob.size()) {
      out += glob[++i];
    } else if (c == '[') {
      // Pick a member of the class: the first candidate the class accepts.
      std::size_t end = glob.find(']', i + 2);
      if (end == std::string::npos) end = glob.size() - 1;
      const std::string cls = glob.substr(i, end - i + 1);
      for (char cand : std::string_view("abcxyz0123456789ABCXYZ._-")) {
        if (WildMatch(cls, std::string(1, cand))) {
          out += cand;
          break;
        }
      }
      i = end;
    } else {
      out += c;
    }
  }
  return out;
}

std::vector<Probe> Probes(const std::string& entry) {
  std::string name = entry;
  const bool is_dir = !name.empty() && name.back() == '/';
  if (is_dir) name.pop_back();
  if (name.find('/') != std::string::npos) {
    if (name.front() == '/') name.erase(0, 1);
    return {{name, is_dir}};
  }
  if (!HasWildcard(name)) return {{name, is_dir}};
  std::vector<Probe> probes;
  for (const char* folder : {"", kSubfolder}) {
    for (const char* star : kStarSamples) {
      probes.push_back({folder + Instantiate(name, star), is_dir});
    }
  }
  return probes;
}

Params Parse(const rubric::Check& check) {
  auto r = ParamsReader(check);
  Params p;
  p.entries = r.RequireStringList("entries");
  if (p.entries.empty()) r.FailKey("entries", "'entries' must list at least one name");
  for (const auto& e : p.entries) {
    if (e.empty() || e == "/" || e[0] == '!') {
      r.FailValue("entries", "entry " + rubric::scalar::Quote(e) +
                                 " names no file (write the name or glob to be ignored)");
    }
  }
  p.file = r.OptString("file").value_or(p.file);
  if (p.file.empty() || p.file.front() == '/' || p.file.back() == '/') {
    r.FailValue("file", "'file' must be a path inside the repository, e.g. .gitignore");
  }
  p.partial = r.OptBool("partial").value_or(true);
  r.RejectUnknown();
  return p;
}

std::string Where(const Params& p, const IgnoreRule& rule) {
  return fmt::format("{}:{} '{}'", p.file, rule.line, Abbrev(rule.source, 60));
}

// Why git does not ignore `probe` although the student may think so, or "".
std::string Hint(const Params& p, const std::vector<IgnoreRule>& rules,
                 const std::vector<Probe>& probes, const Probe& probe) {
  const IgnoreVerdict v = Evaluate(rules, probe.path, probe.is_dir);
  if (v.rule != nullptr && v.rule->negated) return Where(p, *v.rule) + " un-ignores it again";
  for (const auto& rule : rules) {
    if (rule.negated) continue;
    if (!probe.is_dir && rule.Matches(probe.path, true)) {
      return Where(p, rule) + " ignores only a folder of that name, not a file";
    }
    for (const auto& other : probes) {
      if (rule.Matches(other.path, other.is_dir)) {
        return Where(p, rule) + " does not reach " + probe.path +
               (probe.path.find('/') != std::string::npos ? " in a subfolder" : "");
      }
    }
    // git keeps leading spaces and trailing tabs as part of the name.
    const std::size_t b = rule.source.find_first_not_of(" \t");
    const std::size_t e = rule.source.find_last_not_of(" \t");
    if (b == std::string::npos || (b == 0 && e + 1 == rule.source.size())) continue;
    auto trimmed = ParseIgnoreLine(rule.source.substr(b, e - b + 1), rule.line);
    if (trimmed && trimmed->Matches(probe.path, probe.is_dir)) {
      return Where(p, rule) + " has spaces or tabs around the name, which git keeps";
    }
  }
  return "";
}

// The ignore file's contents, or the reason it cannot be read.
std::optional<std::string> ReadIgnoreFile(const fetch::Snapshot& snap, const std::string& file,
                                          std::string* why) {
  for (const auto& e : snap.entries) {
    if (e.path != file) continue;
    if (e.type == fetch::EntryType::kSymlink) {
      *why = "the repository's " + file + " is a symbolic link, which git does not read";
      return std::nullopt;
    }
    if (e.type == fetch::EntryType::kDir || e.type == fetch::EntryType::kSubmodule) {
      *why = "the repository's " + file + " is a folder, not a file";
      return std::nullopt;
    }
    auto data = snap.ReadFile(file);
    if (!data) *why = fmt::format("{} is {} bytes, more than the grader reads", file, e.size);
    return data;
  }
  *why = "the repository has no " + file + " at the graded ref: create it, commit and push";
  return std::nullopt;
}

class Gitignore : public CheckType {
 public:
  std::string Name() const override { return "gitignore"; }
  void Validate(const rubric::Check& c, const rubric::Rubric&) const override { Parse(c); }

  Outcome Score(const rubric::Check& c, const Evidence& ev) const override {
    const Params p = Parse(c);
    const std::string expected = "ignored by " + p.file + ": " + Join(p.entries, ", ");
    std::string why;
    const auto data = ReadIgnoreFile(*ev.snapshot, p.file, &why);
    if (!data) {
      Outcome o = Outcome::Fail(why);
      o.expected = expected;
      o.student = "no readable " + p.file;
      return o;
    }
    const std::vector<IgnoreRule> rules = ParseIgnoreFile(*data);
    std::vector<std::string> covered, missing, notes;
    for (const auto& entry : p.entries) {
      const std::vector<Probe> probes = Probes(entry);
      const Probe* miss = nullptr;
      for (const auto& probe : probes) {
        if (!Evaluate(rules, probe.path, probe.is_dir).ignored) {
          miss = &probe;
          break;
        }
      }
      if (miss == nullptr) {
        covered.push_back(entry);
        continue;
      }
      missing.push_back(entry);
      const std::string hint = Hint(p, rules, probes, *miss);
      if (!hint.empty()) notes.push_back(entry + ": " + hint);
    }
    if (missing.empty()) {
      Outcome o = Outcome::Pass();
      o.expected = expected;
      o.student = "all ignored";
      return o;
    }
    Outcome o = Outcome::Fail(fmt::format(
        "{} does not ignore {}{}. Add each on its own line of {}.", p.file, Join(missing, ", "),
        notes.empty() ? "" : " (" + Join(notes, "; ") + ")", p.file));
    o.fraction =
        p.partial ? static_cast<double>(covered.size()) / static_cast<double>(p.entries.size()) : 0;
    o.expected = expected;
    o.student = (covered.empty() ? "" : "ignored: " + Join(covered, ", ") + "; ") +
                "not ignored: " + Join(missing, ", ");
    return o;
  }
};

}  // namespace

std::unique_ptr<CheckType> MakeGitignoreType() { return std::make_unique<Gitignore>(); }

}  // namespace ipc::checks
