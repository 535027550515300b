#include "pipeline/observations.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "util/error.h"
#include "util/fs.h"
#include "util/sha256.h"

namespace ipc::pipeline {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

constexpr const char* kSchema = "ipc-grader-observation/1";

json BoxJson(const protocol::Plan& plan, const protocol::Box& box) {
  protocol::Plan one;
  one.workdir = plan.workdir;
  one.system_dirs = plan.system_dirs;
  protocol::Box b = box;
  b.from = protocol::kFromPristine;  // the source is keyed by content below
  one.boxes.push_back(std::move(b));
  return protocol::ToJson(one)["boxes"][0];
}

bool StepIdsMatch(const protocol::Box& box, const std::vector<protocol::StepResult>& steps) {
  if (steps.size() != box.steps.size()) return false;
  for (std::size_t i = 0; i < steps.size(); ++i) {
    if (steps[i].id != box.steps[i].id) return false;
  }
  return true;
}

}  // namespace

std::map<std::string, std::string> BoxKeys(const protocol::Plan& plan,
                                           const std::map<std::string, const std::string*>& trees,
                                           const std::string& environment) {
  std::map<std::string, std::string> tree_keys;
  for (const auto& [name, tar] : trees) {
    if (tar != nullptr) tree_keys[name] = "tar:" + Sha256Hex(*tar);
  }
  std::map<std::string, std::string> keys;
  for (const auto& box : plan.boxes) {
    std::string source;
    if (box.from == protocol::kFromPristine) {
      source = tree_keys.count("") ? tree_keys[""] : "";
    } else if (const auto tree = protocol::TreeOfFrom(box.from)) {
      source = tree_keys.count(*tree) ? tree_keys[*tree] : "";
    } else if (const auto src = protocol::BoxOfFrom(box.from)) {
      source = keys.count(*src) ? "box:" + keys[*src] : "";
    }
    if (source.empty()) continue;  // unknown source: never reused
    const json k = {{"schema", kSchema},
                    {"environment", environment},
                    {"workdir", plan.workdir},
                    {"system_dirs", plan.system_dirs},
                    {"from", source},
                    {"box", BoxJson(plan, box)}};
    keys[box.id] = Sha256Hex(k.dump());
  }
  return keys;
}

std::string ObservationStore::PathOf(const std::string& key) const {
  return (fs::path(dir_) / key.substr(0, 2) / (key + ".json")).string();
}

std::optional<StoredBox> ObservationStore::Load(const std::string& key, const protocol::Box& box,
                                                std::string* problem) const {
  problem->clear();
  const std::string path = PathOf(key);
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  try {
    const json j = json::parse(text.str());
    if (j.value("schema", "") != kSchema || j.value("key", "") != key ||
        j.value("box", "") != box.id) {
      *problem = path + ": not the observation of box '" + box.id + "'";
      return std::nullopt;
    }
    json report = {{"version", protocol::kProtocolVersion}, {"nonce", ""}, {"steps", j.at("steps")}};
    StoredBox out;
    out.steps = protocol::ReportFromJson(report).steps;
    out.observed_at = j.value("observed_at", "");
    if (!StepIdsMatch(box, out.steps)) {
      *problem = path + ": its steps are not those of box '" + box.id + "'";
      return std::nullopt;
    }
    // Used now: the size bound removes the least recently used first.
    ::utimensat(AT_FDCWD, path.c_str(), nullptr, 0);
    return out;
  } catch (const std::exception& e) {
    *problem = path + ": unreadable (" + e.what() + ")";
    return std::nullopt;
  }
}

void ObservationStore::Save(const std::string& key, const protocol::Box& box,
                            const std::vector<protocol::StepResult>& steps,
                            const std::string& observed_at) const {
  protocol::Report r;
  r.steps = steps;
  const json j = {{"schema", kSchema},
                  {"key", key},
                  {"box", box.id},
                  {"observed_at", observed_at},
                  {"steps", protocol::ToJson(r)["steps"]}};
  try {
    const std::string path = PathOf(key);
    std::error_code ec;
    fs::create_directories(fs::path(path).parent_path(), ec);
    WriteFileAtomic(path, j.dump());
    if (max_bytes_ > 0) Trim(path);
  } catch (const std::exception&) {
    // Best effort (see the header): the next grading runs the box again.
  }
}

void ObservationStore::Trim(const std::string& path) const {
  const std::uint64_t share = std::max<std::uint64_t>(max_bytes_ / 256, 1);
  struct Entry {
    fs::file_time_type used;
    std::uint64_t bytes;
    fs::path path;
  };
  std::vector<Entry> entries;
  std::uint64_t total = 0;
  std::error_code ec;
  for (fs::directory_iterator it(fs::path(path).parent_path(), ec), end; !ec && it != end;
       it.increment(ec)) {
    std::error_code e2;
    if (!it->is_regular_file(e2) || it->path().extension() != ".json") continue;
    const std::uint64_t bytes = it->file_size(e2);
    const fs::file_time_type used = it->last_write_time(e2);
    if (e2) continue;  // gone meanwhile (another grader trimmed it)
    entries.push_back({used, bytes, it->path()});
    total += bytes;
  }
  if (total <= share) return;
  // Oldest first; the entry just written is the newest and goes last.
  std::sort(entries.begin(), entries.end(),
            [](const Entry& a, const Entry& b) { return a.used < b.used; });
  const std::uint64_t target = share / 10 * 8;
  for (const Entry& e : entries) {
    if (total <= target) break;
    if (e.path == fs::path(path)) continue;
    std::error_code e2;
    fs::remove(e.path, e2);
    total -= e.bytes;
  }
}

ReusePlan PlanReuse(const protocol::Plan& plan, const std::map<std::string, std::string>& keys,
                    const ObservationStore& store) {
  ReusePlan out;
  std::set<std::string> must_run;
  for (const auto& box : plan.boxes) {
    const auto key = keys.find(box.id);
    if (key == keys.end()) {
      must_run.insert(box.id);
      continue;
    }
    std::string problem;
    if (auto stored = store.Load(key->second, box, &problem)) {
      out.reused.emplace(box.id, std::move(*stored));
    } else {
      if (!problem.empty()) out.problems.push_back(problem);
      must_run.insert(box.id);
    }
  }
  // A box that runs needs the box it starts from in the same container:
  // sources come before their users, so one pass from the end suffices.
  for (auto it = plan.boxes.rbegin(); it != plan.boxes.rend(); ++it) {
    if (!must_run.count(it->id)) continue;
    if (const auto src = protocol::BoxOfFrom(it->from)) {
      must_run.insert(*src);
      out.reused.erase(*src);
    }
  }
  out.to_run = plan;
  out.to_run.boxes.clear();
  std::set<std::string> trees;
  for (const auto& box : plan.boxes) {
    if (!must_run.count(box.id)) continue;
    out.to_run.boxes.push_back(box);
    if (const auto tree = protocol::TreeOfFrom(box.from)) trees.insert(*tree);
  }
  // Only the trees the remaining boxes start from cross stdin.
  out.to_run.extra_trees.clear();
  for (const auto& name : plan.extra_trees) {
    if (trees.count(name)) out.to_run.extra_trees.push_back(name);
  }
  return out;
}

bool Keepable(const protocol::Box& box, const std::vector<const protocol::StepResult*>& steps) {
  if (steps.size() != box.steps.size()) return false;
  for (const auto* s : steps) {
    if (s == nullptr || s->cut_by_deadline) return false;
    if (!s->process.started && s->process.error.rfind("not run", 0) == 0) return false;
  }
  return true;
}

protocol::Report MergeReports(const protocol::Plan& plan, const ReusePlan& reuse,
                              const protocol::Report* fresh) {
  protocol::Report out;
  std::map<std::string, const protocol::StepResult*> by_id;
  if (fresh != nullptr) {
    out.probe_error = fresh->probe_error;
    for (const auto& s : fresh->steps) by_id[s.id] = &s;
  }
  for (const auto& box : plan.boxes) {
    if (const auto it = reuse.reused.find(box.id); it != reuse.reused.end()) {
      for (const auto& s : it->second.steps) out.steps.push_back(s);
      continue;
    }
    for (const auto& step : box.steps) {
      if (const auto f = by_id.find(step.id); f != by_id.end()) out.steps.push_back(*f->second);
    }
  }
  return out;
}

}  // namespace ipc::pipeline
