#include "report/result.h"

#include "util/error.h"

namespace ipc::report {

using nlohmann::json;

std::string CheckStatusName(CheckStatus s) {
  switch (s) {
    case CheckStatus::kPass: return "pass";
    case CheckStatus::kFail: return "fail";
    case CheckStatus::kError: return "error";
    case CheckStatus::kSkipped: return "skipped";
  }
  return "error";
}

CheckStatus CheckStatusFromName(const std::string& s) {
  if (s == "pass") return CheckStatus::kPass;
  if (s == "fail") return CheckStatus::kFail;
  if (s == "error") return CheckStatus::kError;
  if (s == "skipped") return CheckStatus::kSkipped;
  throw Error("unknown check status '" + s + "'");
}

namespace {

json CheckToJson(const CheckResult& c) {
  json j = {{"id", c.id},           {"part", c.part},
            {"title", c.title},     {"status", CheckStatusName(c.status)},
            {"score", c.score},     {"max_score", c.max_score},
            {"message", c.message}, {"expected", c.expected},
            {"student", c.student}, {"reference", c.reference},
            {"visibility", c.visibility}};
  if (!c.output.empty()) j["output"] = c.output;
  if (c.insight) j["insight"] = true;
  if (c.flaky) j["flaky"] = true;
  if (!c.quotes.empty()) j["quote"] = c.quotes;
  return j;
}

template <typename T>
T Get(const json& j, const char* key, T fallback) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return fallback;
  return it->get<T>();
}

}  // namespace

json ToJson(const Result& r) {
  json parts = json::array();
  for (const auto& p : r.parts) {
    parts.push_back({{"id", p.id}, {"title", p.title}, {"score", p.score},
                     {"max_score", p.max_score}});
  }
  json checks = json::array();
  for (const auto& c : r.checks) checks.push_back(CheckToJson(c));
  json j = {
      {"schema", r.schema},
      {"student", r.student},
      {"source", r.source},
      {"ref", r.ref},
      {"ref_why", r.ref_why},
      {"commit", r.commit},
      {"commit_time", r.commit_time},
      {"status", r.status},
      {"score", r.score},
      {"max_score", r.max_score},
      {"parts", parts},
      {"checks", checks},
      {"late",
       {{"late", r.late.late},
        {"time_used", r.late.time_used},
        {"submitted_at", r.late.submitted_at},
        {"days_late", r.late.days_late},
        {"penalty", r.late.penalty},
        {"explanation", r.late.explanation}}},
      {"provenance",
       {{"grader_version", r.provenance.grader_version},
        {"rubric_path", r.provenance.rubric_path},
        {"rubric_sha256", r.provenance.rubric_sha256},
        {"image", r.provenance.image},
        {"image_id", r.provenance.image_id},
        {"engine", r.provenance.engine},
        {"graded_at", r.provenance.graded_at},
        {"engine_userns", r.provenance.engine_userns},
        {"reused", r.provenance.reused},
        {"observation_problems", r.provenance.observation_problems}}},
      {"timing", r.timing},
  };
  if (r.tag_time) j["tag_time"] = *r.tag_time;
  if (!r.error.empty()) j["error"] = r.error;
  if (!r.late.extended_to.empty()) {
    j["late"]["extended_to"] = r.late.extended_to;
    j["late"]["extension_reason"] = r.late.extension_reason;
  }
  if (r.auto_score) j["auto_score"] = *r.auto_score;
  if (!r.adjustments.empty()) {
    json adj = json::array();
    for (const auto& a : r.adjustments) {
      json e = {{"kind", a.kind},     {"target", a.target}, {"reason", a.reason},
                {"by", a.by},         {"at", a.at},         {"before", a.before},
                {"after", a.after}};
      if (a.points) e["points"] = *a.points;
      if (a.score) e["score"] = *a.score;
      if (!a.problem.empty()) e["problem"] = a.problem;
      adj.push_back(std::move(e));
    }
    j["adjustments"] = std::move(adj);
  }
  return j;
}

Result ResultFromJson(const json& j) {
  try {
    Result r;
    r.schema = Get<int>(j, "schema", kResultSchemaVersion);
    r.student = j.at("student").get<std::string>();
    r.source = Get<std::string>(j, "source", "");
    r.ref = Get<std::string>(j, "ref", "");
    r.ref_why = Get<std::string>(j, "ref_why", "");
    r.commit = Get<std::string>(j, "commit", "");
    r.commit_time = Get<std::int64_t>(j, "commit_time", 0);
    if (j.contains("tag_time")) r.tag_time = j["tag_time"].get<std::int64_t>();
    r.status = j.at("status").get<std::string>();
    r.error = Get<std::string>(j, "error", "");
    r.score = Get<double>(j, "score", 0);
    r.max_score = Get<double>(j, "max_score", 0);
    for (const auto& p : Get<json>(j, "parts", json::array())) {
      r.parts.push_back({p.at("id"), Get<std::string>(p, "title", ""),
                         Get<double>(p, "score", 0), Get<double>(p, "max_score", 0)});
    }
    for (const auto& c : Get<json>(j, "checks", json::array())) {
      CheckResult cr;
      cr.id = c.at("id");
      cr.part = Get<std::string>(c, "part", "");
      cr.title = Get<std::string>(c, "title", "");
      cr.status = CheckStatusFromName(c.at("status"));
      cr.score = Get<double>(c, "score", 0);
      cr.max_score = Get<double>(c, "max_score", 0);
      cr.message = Get<std::string>(c, "message", "");
      cr.expected = Get<std::string>(c, "expected", "");
      cr.student = Get<std::string>(c, "student", "");
      cr.reference = Get<std::string>(c, "reference", "");
      cr.output = Get<std::string>(c, "output", "");
      cr.visibility = Get<std::string>(c, "visibility", "visible");
      cr.insight = Get<bool>(c, "insight", false);
      cr.flaky = Get<bool>(c, "flaky", false);
      cr.quotes = Get<std::vector<std::string>>(c, "quote", std::vector<std::string>{});
      r.checks.push_back(std::move(cr));
    }
    const json late = Get<json>(j, "late", json::object());
    r.late.late = Get<bool>(late, "late", false);
    r.late.time_used = Get<std::string>(late, "time_used", "");
    r.late.submitted_at = Get<std::int64_t>(late, "submitted_at", 0);
    r.late.days_late = Get<double>(late, "days_late", 0);
    r.late.penalty = Get<double>(late, "penalty", 0);
    r.late.explanation = Get<std::string>(late, "explanation", "");
    r.late.extended_to = Get<std::string>(late, "extended_to", "");
    r.late.extension_reason = Get<std::string>(late, "extension_reason", "");
    if (j.contains("auto_score")) r.auto_score = j["auto_score"].get<double>();
    for (const auto& a : Get<json>(j, "adjustments", json::array())) {
      AppliedAdjustment e;
      e.kind = Get<std::string>(a, "kind", "");
      e.target = Get<std::string>(a, "target", "");
      if (a.contains("points")) e.points = a["points"].get<double>();
      if (a.contains("score")) e.score = a["score"].get<double>();
      e.reason = Get<std::string>(a, "reason", "");
      e.by = Get<std::string>(a, "by", "");
      e.at = Get<std::string>(a, "at", "");
      e.before = Get<double>(a, "before", 0);
      e.after = Get<double>(a, "after", 0);
      e.problem = Get<std::string>(a, "problem", "");
      r.adjustments.push_back(std::move(e));
    }
    const json prov = Get<json>(j, "provenance", json::object());
    r.provenance.grader_version = Get<std::string>(prov, "grader_version", "");
    r.provenance.rubric_path = Get<std::string>(prov, "rubric_path", "");
    r.provenance.rubric_sha256 = Get<std::string>(prov, "rubric_sha256", "");
    r.provenance.image = Get<std::string>(prov, "image", "");
    r.provenance.image_id = Get<std::string>(prov, "image_id", "");
    r.provenance.engine = Get<std::string>(prov, "engine", "");
    r.provenance.graded_at = Get<std::string>(prov, "graded_at", "");
    r.provenance.engine_userns = Get<std::string>(prov, "engine_userns", "unknown");
    r.provenance.reused =
        Get<std::map<std::string, std::string>>(prov, "reused", std::map<std::string, std::string>{});
    r.provenance.observation_problems =
        Get<std::vector<std::string>>(prov, "observation_problems", std::vector<std::string>{});
    r.timing = Get<std::map<std::string, double>>(j, "timing", {});
    return r;
  } catch (const json::exception& e) {
    throw Error(std::string("malformed result.json: ") + e.what());
  }
}

}  // namespace ipc::report
