#include "batch/outputs.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "pipeline/grade.h"
#include "report/gradebook.h"
#include "report/histogram.h"
#include "report/junit.h"
#include "report/summary.h"
#include "util/error.h"
#include "util/fs.h"

namespace ipc::batch {
namespace {

namespace fs = std::filesystem;

std::string ReadText(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot read " + path.string());
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Student folders of `dir` that hold a result.json, by name. Symlinks are
// not followed: every folder here is the grader's own.
std::vector<std::string> StudentFolders(const fs::path& dir) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (!entry.is_directory() || entry.is_symlink()) continue;
    if (!fs::is_regular_file(fs::symlink_status(entry.path() / "result.json"))) continue;
    names.push_back(entry.path().filename().string());
  }
  if (ec) throw Fatal(fmt::format("cannot list {}: {}", dir.string(), ec.message()));
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

LoadedResults LoadResults(const std::string& dir, const std::set<std::string>& only) {
  LoadedResults out;
  for (const auto& name : StudentFolders(dir)) {
    const fs::path path = fs::path(dir) / name / "result.json";
    if (!only.empty() && !only.count(name)) {
      out.warnings.push_back(
          fmt::format("{}: '{}' is not in this roster (or shard); left out of the gradebook",
                      path.string(), name));
      continue;
    }
    if (!pipeline::CheckStudentName(name).empty()) {
      out.warnings.push_back(fmt::format("{}: not a student folder name; left out", path.string()));
      continue;
    }
    try {
      report::Result r = report::ResultFromJson(nlohmann::json::parse(ReadText(path)));
      if (r.student != name) {
        out.warnings.push_back(fmt::format("{}: holds the result of '{}', not '{}'; left out",
                                           path.string(), r.student, name));
        continue;
      }
      out.results.push_back(std::move(r));
    } catch (const std::exception& e) {
      out.warnings.push_back(fmt::format("{}: unreadable ({}); left out", path.string(), e.what()));
    }
  }
  return out;
}

void WriteClassOutputs(const std::vector<report::Result>& results, const std::string& out_dir,
                       const std::vector<std::string>& notes) {
  const fs::path dir(out_dir);
  fs::create_directories(dir);
  const report::ClassSummary summary = report::Summarize(results, notes);
  const std::string svg = report::RenderHistogramSvg(
      summary.histogram, fmt::format("Score distribution ({} graded)", summary.graded));
  WriteFileAtomic((dir / "grades.csv").string(), report::RenderGradebookCsv(results));
  WriteFileAtomic((dir / "junit.xml").string(), report::RenderJunit(results));
  WriteFileAtomic((dir / "histogram.svg").string(), svg);
  WriteFileAtomic((dir / "summary.md").string(),
                  report::RenderSummaryMarkdown(summary, "histogram.svg"));
  WriteFileAtomic((dir / "summary.html").string(), report::RenderSummaryHtml(summary, svg));
}

LoadedResults MergeOutputs(const std::vector<std::string>& inputs, const std::string& out_dir) {
  std::map<std::string, std::string> where;  // student -> input folder
  std::vector<std::string> clashes;
  std::vector<std::pair<std::string, std::string>> copies;  // input, student
  for (const auto& in : inputs) {
    if (!fs::is_directory(in)) throw Fatal(in + ": not a folder (expected a batch --out folder)");
    for (const auto& name : StudentFolders(in)) {
      auto [it, added] = where.try_emplace(name, in);
      if (!added) {
        clashes.push_back(fmt::format("student '{}' is in both {} and {}", name, it->second, in));
        continue;
      }
      copies.emplace_back(in, name);
    }
  }
  if (!clashes.empty()) {
    std::string msg =
        "cannot merge: the same student was graded in two places (shards overlap, "
        "or the same roster ran twice):";
    for (const auto& c : clashes) msg += "\n  " + c;
    throw Fatal(msg);
  }
  const fs::path out(out_dir);
  fs::create_directories(out);
  for (const auto& [in, name] : copies) {
    const fs::path from = fs::path(in) / name, to = out / name;
    std::error_code ec;
    if (fs::exists(to) && fs::equivalent(from, to, ec)) continue;  // merging into an input
    fs::create_directories(to);
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(from)) {
      if (entry.is_regular_file() && !entry.is_symlink()) files.push_back(entry.path());
    }
    // result.json last: it marks a complete student folder, here as in a batch.
    std::stable_partition(files.begin(), files.end(),
                          [](const fs::path& p) { return p.filename() != "result.json"; });
    for (const auto& f : files) {
      WriteFileAtomic((to / f.filename()).string(), ReadText(f));
    }
  }
  std::set<std::string> merged;
  for (const auto& [name, in] : where) merged.insert(name);
  LoadedResults all = LoadResults(out_dir, merged);
  WriteClassOutputs(all.results, out_dir);
  return all;
}

}  // namespace ipc::batch
