// files_present: the repository holds these paths at the graded ref.
//   files: [.gitignore, data/notes.txt, data/]   (trailing / = folder)
//   partial: true        points in proportion to the files present
#include <algorithm>

#include "checks/types.h"
#include "util/strings.h"

namespace ipc::checks {
namespace {

struct Params {
  std::vector<std::string> files;
  bool partial = true;
};

Params Parse(const rubric::Check& check) {
  auto r = ParamsReader(check);
  Params p;
  p.files = r.RequireStringList("files");
  if (p.files.empty()) r.FailKey("files", "'files' must list at least one path");
  p.partial = r.OptBool("partial").value_or(true);
  r.RejectUnknown();
  return p;
}

// Why `want` is not satisfied by the snapshot, or "" when it is.
std::string Problem(const fetch::Snapshot& snap, const std::string& want) {
  const bool want_dir = !want.empty() && want.back() == '/';
  const std::string path = want_dir ? want.substr(0, want.size() - 1) : want;
  for (const auto& e : snap.entries) {
    if (e.path != path) continue;
    if (want_dir) return e.type == fetch::EntryType::kDir ? "" : want + " is not a folder";
    switch (e.type) {
      case fetch::EntryType::kFile:
      case fetch::EntryType::kExecutable:
        return "";
      case fetch::EntryType::kSymlink:
        return want + " is a symbolic link, not a file";
      case fetch::EntryType::kDir:
        return want + " is a folder, not a file";
      case fetch::EntryType::kSubmodule:
        return want + " is a submodule, not a file";
    }
  }
  return want + " is missing";
}

class FilesPresent : public CheckType {
 public:
  std::string Name() const override { return "files_present"; }
  void Validate(const rubric::Check& c, const rubric::Rubric&) const override { Parse(c); }
  Outcome Score(const rubric::Check& c, const Evidence& ev) const override {
    const Params p = Parse(c);
    std::vector<std::string> problems;
    for (const auto& f : p.files) {
      std::string why = Problem(*ev.snapshot, f);
      if (!why.empty()) problems.push_back(why);
    }
    Outcome o;
    o.expected = "present: " + Join(p.files, ", ");
    const double present = static_cast<double>(p.files.size() - problems.size());
    if (problems.empty()) {
      o = Outcome::Pass();
      o.expected = "present: " + Join(p.files, ", ");
      o.student = "all present";
      return o;
    }
    o.status = report::CheckStatus::kFail;
    o.fraction = p.partial ? present / static_cast<double>(p.files.size()) : 0;
    o.student = Join(problems, ", ");
    o.message = "Add or fix in the repository at the graded ref: " + Join(problems, ", ") + ".";
    return o;
  }
};

}  // namespace

std::unique_ptr<CheckType> MakeFilesPresentType() { return std::make_unique<FilesPresent>(); }

}  // namespace ipc::checks
