#include "staff/adjustments.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "rubric/yaml_reader.h"
#include "util/error.h"
#include "util/fs.h"

namespace ipc::staff {
namespace {

std::string Points(double p) {
  std::string s = fmt::format("{:.2f}", p);
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s;
}

std::optional<double> Number(const YAML::Node& n, std::string* why) {
  try {
    return n.as<double>();
  } catch (const YAML::Exception&) {
    *why = "is not a number";
    return std::nullopt;
  }
}

// One list item, or why it is skipped.
std::string ReadItem(const YAML::Node& item, Adjustment* a) {
  if (!item.IsMap()) return "an adjustment must be a mapping (student:, check:, points:, reason:)";
  static const std::set<std::string> kKeys = {"student", "check", "part", "total", "points",
                                              "score",   "reason", "by",  "at"};
  for (const auto& kv : item) {
    const std::string key = kv.first.as<std::string>();
    if (!kKeys.count(key)) {
      const std::string hint = rubric::DidYouMean(key, {kKeys.begin(), kKeys.end()});
      return fmt::format("unknown key '{}'{}", key, hint.empty() ? "" : " (did you mean '" + hint + "'?)");
    }
    if (!kv.second.IsScalar()) return fmt::format("'{}' must be a single value", key);
  }
  auto text = [&](const char* key) {
    return item[key] ? item[key].as<std::string>() : std::string();
  };
  a->student = text("student");
  if (a->student.empty()) return "no 'student'";
  int targets = 0;
  if (item["check"]) ++targets, a->kind = "check", a->target = text("check");
  if (item["part"]) ++targets, a->kind = "part", a->target = text("part");
  if (item["total"]) {
    ++targets;
    a->kind = "total";
    bool yes = false;
    try {
      yes = item["total"].as<bool>();
    } catch (const YAML::Exception&) {
    }
    if (!yes) return "'total' must be 'true' (the adjustment is to the whole score)";
  }
  if (targets != 1) return "give exactly one of 'check: ID', 'part: ID' or 'total: true'";
  if (a->kind != "total" && a->target.empty()) return fmt::format("'{}' is empty", a->kind);
  if (item["points"].IsDefined() == item["score"].IsDefined()) {
    return "give exactly one of 'points: +/-X' (added) or 'score: X' (replaces the automatic score)";
  }
  std::string why;
  if (item["points"]) {
    a->points = Number(item["points"], &why);
    if (!a->points) return "'points' " + why;
  } else {
    a->score = Number(item["score"], &why);
    if (!a->score) return "'score' " + why;
    if (*a->score < 0) return "'score' must not be negative";
  }
  a->reason = text("reason");
  if (a->reason.empty()) return "no 'reason' (the student reads it in the feedback)";
  a->by = text("by");
  a->at = text("at");
  return "";
}

}  // namespace

AdjustmentFile ParseAdjustments(const std::string& text, const std::string& path) {
  AdjustmentFile f;
  f.path = path;
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    throw Fatal(fmt::format("{}:{}:{}: not valid YAML: {}", path, e.mark.line + 1,
                            e.mark.column + 1, e.msg));
  }
  if (!root || root.IsNull()) return f;
  if (!root.IsSequence()) {
    throw Fatal(fmt::format("{}: must be a YAML list of adjustments (- student: ...)", path));
  }
  for (const auto& item : root) {
    Adjustment a;
    a.line = item.Mark().line + 1;
    const std::string why = ReadItem(item, &a);
    if (!why.empty()) {
      f.problems.push_back(fmt::format("{}:{}: skipped: {}", path, a.line, why));
      continue;
    }
    f.entries.push_back(std::move(a));
  }
  return f;
}

AdjustmentFile LoadAdjustments(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (!std::filesystem::exists(path)) {
      AdjustmentFile f;
      f.path = path;
      return f;
    }
    throw Fatal(fmt::format("cannot read {}: {}", path, std::strerror(errno)));
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  return ParseAdjustments(ss.str(), path);
}

std::string RenderAdjustment(const Adjustment& a) {
  YAML::Emitter out;
  out << YAML::BeginSeq << YAML::BeginMap;
  out << YAML::Key << "student" << YAML::Value << a.student;
  if (a.kind == "total") {
    out << YAML::Key << "total" << YAML::Value << true;
  } else {
    out << YAML::Key << a.kind << YAML::Value << a.target;
  }
  if (a.points) out << YAML::Key << "points" << YAML::Value << Points(*a.points);
  if (a.score) out << YAML::Key << "score" << YAML::Value << Points(*a.score);
  out << YAML::Key << "reason" << YAML::Value << YAML::DoubleQuoted << a.reason;
  if (!a.by.empty()) out << YAML::Key << "by" << YAML::Value << a.by;
  if (!a.at.empty()) out << YAML::Key << "at" << YAML::Value << a.at;
  out << YAML::EndMap << YAML::EndSeq;
  return std::string(out.c_str()) + "\n";
}

void AppendAdjustment(const std::string& path, const Adjustment& a) {
  const std::filesystem::path p(path);
  std::error_code ec;
  if (p.has_parent_path()) std::filesystem::create_directories(p.parent_path(), ec);
  // A lock file beside it: the file itself is replaced by a rename, so a
  // lock on it would not exclude a second writer.
  const std::string lock_path = path + ".lock";
  const int lock = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock < 0) throw Fatal(fmt::format("cannot open {}: {}", lock_path, std::strerror(errno)));
  if (::flock(lock, LOCK_EX) != 0) {
    ::close(lock);
    throw Fatal(fmt::format("cannot lock {}: {}", lock_path, std::strerror(errno)));
  }
  try {
    std::string text;
    if (std::ifstream in{path, std::ios::binary}) {
      std::ostringstream ss;
      ss << in.rdbuf();
      text = ss.str();
    }
    // What is already there must read back, or an append would bury the
    // error under a new entry.
    ParseAdjustments(text, path);
    if (text.empty()) {
      text = "# Manual adjustments (grader adjust; docs/BATCH.md). Applied at every grading.\n";
    }
    if (text.back() != '\n') text += '\n';
    text += RenderAdjustment(a);
    WriteFileAtomic(path, text);
  } catch (...) {
    ::close(lock);
    throw;
  }
  ::close(lock);
}

std::string CheckTarget(const rubric::Rubric& rubric, const std::string& kind,
                        const std::string& target) {
  if (kind == "total") return "";
  std::vector<std::string> ids;
  if (kind == "check") {
    if (rubric.FindCheck(target)) return "";
    for (const auto& c : rubric.checks) ids.push_back(c.id);
  } else {
    if (rubric.FindPart(target)) return "";
    for (const auto& p : rubric.parts) ids.push_back(p.id);
  }
  const std::string hint = rubric::DidYouMean(target, ids);
  std::string list;
  for (const auto& id : ids) list += (list.empty() ? "" : ", ") + id;
  return fmt::format("the rubric {} has no {} '{}'{}; its {}s: {}", rubric.path, kind, target,
                     hint.empty() ? "" : " (did you mean '" + hint + "'?)", kind, list);
}

std::string DescribeAdjustment(const Adjustment& a) {
  const std::string what = a.kind == "total" ? "total" : a.kind + " " + a.target;
  const std::string change = a.points ? (*a.points >= 0 ? "+" : "") + Points(*a.points)
                                      : "= " + Points(*a.score);
  std::string who = a.by;
  if (!a.at.empty()) who += (who.empty() ? "" : ", ") + a.at;
  return fmt::format("{}  {}  {}{}: {}", a.student, what, change,
                     who.empty() ? "" : "  (" + who + ")", a.reason);
}

}  // namespace ipc::staff
