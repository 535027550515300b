// The rubric's top level, limits, late policy and parts; checks are in
// rubric_checks.cc. Every error names file:line:col (see yaml_reader.h).
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>

#include "fetch/fetcher.h"
#include "rubric/iso8601.h"
#include "rubric/loader_internal.h"
#include "rubric/yaml_scalar.h"
#include "util/sha256.h"

namespace ipc::rubric {
namespace {

using internal::NonEmpty;

// Docker takes the memory limit in bytes as an int64: 2^43 MiB is 2^63 bytes.
constexpr long long kMaxMemoryMb = (1LL << 43) - 1;

std::string ReadFile(const std::string& path) {
  // stdio rather than ifstream: fopen/fread set errno, so the message can
  // say why ("No such file or directory", "Is a directory").
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "rb"),
                                                    &std::fclose);
  if (!f) throw RubricError(path + ": cannot read rubric: " + std::strerror(errno));
  std::string bytes;
  char buf[8192];
  std::size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, f.get())) > 0) bytes.append(buf, n);
  if (std::ferror(f.get())) {
    throw RubricError(path + ": cannot read rubric: " + std::strerror(errno));
  }
  return bytes;
}

std::vector<std::string> NonEmptyList(const NodeReader& r, const std::string& key,
                                      std::vector<std::string> items) {
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (items[i].empty()) {
      r.FailValue(key, "'" + key + "' item " + std::to_string(i + 1) + " is empty");
    }
  }
  return items;
}

void RequirePositive(const NodeReader& r, const std::string& key, double v) {
  if (!(v > 0)) {
    r.FailValue(key, "'" + key + "' must be greater than 0, got " + FormatNumber(v));
  }
}

void RequireFraction(const NodeReader& r, const std::string& key, double v) {
  if (v < 0 || v > 1) {
    r.FailValue(key, "'" + key + "' must be between 0 and 1, got " + FormatNumber(v));
  }
}

Limits ReadLimits(const YAML::Node& node, const std::string& path) {
  NodeReader r(node, path, "limits");
  r.MarkKnown({"memory_mb", "pids", "cpus", "wall_s"});
  r.RejectUnknown();
  Limits limits;
  if (auto v = r.OptInt("memory_mb")) {
    RequirePositive(r, "memory_mb", static_cast<double>(*v));
    if (*v > kMaxMemoryMb) {
      r.FailValue("memory_mb", "'memory_mb' must be at most " + std::to_string(kMaxMemoryMb));
    }
    limits.memory_mb = static_cast<std::uint64_t>(*v);
  }
  if (auto v = r.OptInt("pids")) {
    RequirePositive(r, "pids", static_cast<double>(*v));
    if (*v > INT_MAX) r.FailValue("pids", "'pids' must be at most " + std::to_string(INT_MAX));
    limits.pids = static_cast<int>(*v);
  }
  if (auto v = r.OptNumber("cpus")) {
    RequirePositive(r, "cpus", *v);
    limits.cpus = *v;
  }
  if (auto v = r.OptNumber("wall_s")) {
    RequirePositive(r, "wall_s", *v);
    limits.wall_s = *v;
  }
  return limits;
}

// `key`'s time, or a file:line:col error at its value.
std::int64_t ReadDeadline(NodeReader& r, const std::string& key, const std::string& text) {
  std::string why;
  const auto t = ParseIsoDateTime(text, &why);
  if (!t) {
    r.FailValue(key, "bad '" + key + "' " + scalar::Quote(text) + ": " + why +
                         " (expected YYYY-MM-DDTHH:MM:SS then Z or +HH:MM/-HH:MM, "
                         "e.g. 2026-10-31T23:59:00-04:00)");
  }
  return *t;
}

LatePolicy ReadLate(const YAML::Node& node, const std::string& path) {
  NodeReader r(node, path, "late");
  r.MarkKnown({"deadline", "time_source", "penalty_per_day", "max_penalty", "grace_minutes"});
  r.RejectUnknown();
  LatePolicy late;
  late.deadline_text = r.RequireString("deadline");
  late.deadline = ReadDeadline(r, "deadline", late.deadline_text);
  if (auto v = r.OptString("time_source")) {
    if (*v != "tag" && *v != "commit") {
      r.FailValue("time_source",
                  "'time_source' must be tag or commit, got " + scalar::Quote(*v));
    }
    late.time_source = *v;
  }
  if (auto v = r.OptNumber("penalty_per_day")) {
    RequireFraction(r, "penalty_per_day", *v);
    late.penalty_per_day = *v;
  }
  if (auto v = r.OptNumber("max_penalty")) {
    RequireFraction(r, "max_penalty", *v);
    late.max_penalty = *v;
  }
  if (auto v = r.OptNumber("grace_minutes")) {
    if (*v < 0) {
      r.FailValue("grace_minutes",
                  "'grace_minutes' must not be negative, got " + FormatNumber(*v));
    }
    late.grace_minutes = *v;
  }
  return late;
}

std::vector<Part> ReadParts(NodeReader& top, const std::string& path, const LatePolicy& late) {
  std::vector<Part> parts;
  std::map<std::string, int> first_line;
  for (const YAML::Node& item : internal::RequireList(top, "parts", "parts")) {
    NodeReader r(item, path, "part #" + std::to_string(parts.size() + 1));
    r.MarkKnown({"id", "title", "points", "deadline"});
    r.RejectUnknown();
    Part p;
    p.where = r.Where();
    p.id = internal::ReadId(r);
    if (auto [it, inserted] = first_line.emplace(p.id, p.where.line); !inserted) {
      r.FailValue("id", "duplicate part id '" + p.id + "' (first declared at line " +
                            std::to_string(it->second) + ")");
    }
    r.set_what("part '" + p.id + "'");
    p.title = r.RequireString("title");
    p.points = r.RequireNumber("points");
    if (p.points < 0) {
      r.FailValue("points", "'points' must not be negative, got " + FormatNumber(p.points));
    }
    if (auto text = r.OptString("deadline")) {
      // The penalty, grace and time source are the rubric's: one policy.
      if (!late.deadline) {
        r.FailValue("deadline",
                    "a part's 'deadline' needs the rubric's late policy: add a top-level "
                    "'late:' with its own 'deadline' and 'penalty_per_day' (see rubrics/"
                    "README.md, late)");
      }
      p.deadline_text = *text;
      p.deadline = ReadDeadline(r, "deadline", *text);
    }
    parts.push_back(std::move(p));
  }
  return parts;
}

// `ref:` is a list of candidates (tags, branches, HEAD, commits), or the
// rule {newest_tag_except: [milestone1], fallback: [HEAD]}.
void ReadRefs(NodeReader& top, const std::string& path, Rubric* rubric) {
  YAML::Node node = top.Child("ref");
  if (!node) top.Fail(top.node(), "missing required key 'ref'");
  if (!node.IsMap()) {
    rubric->refs = NonEmptyList(top, "ref", top.RequireStringList("ref"));
    if (rubric->refs.empty()) top.FailValue("ref", "'ref' must name at least one ref");
    return;
  }
  NodeReader r(node, path, "ref");
  r.MarkKnown({"newest_tag_except", "fallback"});
  r.RejectUnknown();
  rubric->part_tags = NonEmptyList(r, "newest_tag_except", r.RequireStringList("newest_tag_except"));
  std::string except;
  for (const auto& t : rubric->part_tags) {
    if (t.find(',') != std::string::npos) r.FailValue("newest_tag_except", "a tag name has no ','");
    except += (except.empty() ? "" : ",") + t;
  }
  rubric->refs = {std::string(fetch::kNewestTagExcept) + except};
  const auto fallback =
      NonEmptyList(r, "fallback", r.OptStringList("fallback").value_or(std::vector<std::string>{"HEAD"}));
  rubric->refs.insert(rubric->refs.end(), fallback.begin(), fallback.end());
}

std::vector<DataFile> ReadDataFiles(NodeReader& top, const std::string& path) {
  std::vector<DataFile> files;
  YAML::Node list = top.Child("data_files");
  if (!list) return files;
  if (!list.IsSequence()) {
    top.FailValue("data_files", "'data_files' must be a list of {path, content}");
  }
  for (const YAML::Node& item : list) {
    NodeReader r(item, path, "data file #" + std::to_string(files.size() + 1));
    r.MarkKnown({"path", "content"});
    r.RejectUnknown();
    DataFile f;
    f.where = r.Where();
    f.path = r.RequireString("path");
    if (f.path.empty() || f.path[0] == '/' || f.path.find("..") != std::string::npos ||
        f.path.back() == '/') {
      r.FailValue("path", "'path' must be a file inside the repository, got " +
                              scalar::Quote(f.path));
    }
    f.content = r.RequireString("content");
    files.push_back(std::move(f));
  }
  return files;
}

}  // namespace

namespace internal {

YAML::Node LoadDocument(const std::string& text, const std::string& path) {
  std::vector<YAML::Node> docs;
  try {
    docs = YAML::LoadAll(text);
  } catch (const YAML::Exception& e) {
    throw RubricError(LocationOf(e.mark, path).ToString() + ": YAML syntax error: " + e.msg);
  }
  // A trailing "---" yields an empty document that says nothing.
  while (!docs.empty() && docs.back().IsNull()) docs.pop_back();
  if (docs.empty()) {
    throw RubricError(path + ":1:1: rubric: the file holds no YAML document");
  }
  if (docs.size() > 1) {
    throw RubricError(LocationOf(docs[1].Mark(), path).ToString() +
                      ": rubric: a second YAML document starts here; a rubric is one document");
  }
  return docs[0];
}

YAML::Node RequireList(NodeReader& top, const std::string& key, const std::string& noun) {
  YAML::Node list = top.Child(key);
  if (!list) top.Fail(top.node(), "missing required key '" + key + "'");
  if (!list.IsSequence()) {
    top.FailValue(key, "'" + key + "' must be a list of " + noun + ", got " + DescribeNode(list));
  }
  if (list.size() == 0) top.FailValue(key, "'" + key + "' must not be empty");
  return list;
}

std::string ReadId(NodeReader& r) {
  std::string id = r.RequireString("id");
  const bool ok = !id.empty() && id.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_-") ==
                                     std::string::npos;
  if (!ok) r.FailValue("id", "'id' must match [a-z0-9_-]+, got " + scalar::Quote(id));
  return id;
}

std::string NonEmpty(const NodeReader& r, const std::string& key, std::string value) {
  if (value.empty()) r.FailValue(key, "'" + key + "' must not be empty");
  return value;
}

}  // namespace internal

Rubric ParseRubric(const std::string& yaml_text, const std::string& path) {
  NodeReader top(internal::LoadDocument(yaml_text, path), path, "rubric");
  top.MarkKnown({"assignment", "title", "text", "image", "image_fallbacks", "workdir", "ref",
                 "limits", "late", "parts", "checks", "data_files", "programs", "mutants"});
  top.RejectUnknown();

  Rubric rubric;
  rubric.path = path;
  rubric.sha256 = ipc::Sha256Hex(yaml_text);
  rubric.assignment = NonEmpty(top, "assignment", top.RequireString("assignment"));
  rubric.title = top.OptString("title").value_or("");
  // The image and the workdir are the assignment's: the engine assumes
  // neither (a missing one is a file:line:col error).
  rubric.image = NonEmpty(top, "image", top.RequireString("image"));
  if (auto v = top.OptStringList("image_fallbacks")) {
    rubric.image_fallbacks = NonEmptyList(top, "image_fallbacks", *v);
  }
  rubric.workdir = top.RequireString("workdir");
  if (rubric.workdir.empty() || rubric.workdir.front() != '/') {
    top.FailValue("workdir",
                  "'workdir' must be an absolute path, got " + scalar::Quote(rubric.workdir));
  }
  ReadRefs(top, path, &rubric);
  rubric.text_paths = top.OptStringList("text").value_or(std::vector<std::string>{});
  if (YAML::Node n = top.Child("limits")) rubric.limits = ReadLimits(n, path);
  if (YAML::Node n = top.Child("late")) rubric.late = ReadLate(n, path);
  rubric.parts = ReadParts(top, path, rubric.late);
  rubric.data_files = ReadDataFiles(top, path);
  rubric.programs = top.Child("programs");
  rubric.mutants = top.Child("mutants");
  internal::ReadChecks(top, &rubric);
  internal::AttachParams(yaml_text, &rubric);
  return rubric;
}

Rubric LoadRubric(const std::string& path) { return ParseRubric(ReadFile(path), path); }

}  // namespace ipc::rubric
