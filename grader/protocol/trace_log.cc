#include "protocol/trace_log.h"

#include "protocol/base64.h"
#include "protocol/json_reader.h"

namespace ipc::protocol {
namespace {

using nlohmann::json;

const char* KindName(TraceEvent::Kind k) {
  switch (k) {
    case TraceEvent::Kind::kFork:
      return "fork";
    case TraceEvent::Kind::kExec:
      return "exec";
    case TraceEvent::Kind::kExit:
      return "exit";
    case TraceEvent::Kind::kEnd:
      return "end";
  }
  return "exec";
}

json Base64List(const std::vector<std::string>& v) {
  json list = json::array();
  for (const auto& s : v) list.push_back(Base64Encode(s));
  return list;
}

std::vector<std::string> FromBase64List(JsonReader& r, const std::string& key) {
  std::vector<std::string> out;
  for (const auto& s : r.StringList(key, /*required=*/false)) {
    auto bytes = Base64Decode(s);
    if (!bytes) r.Fail(key, "not base64");
    out.push_back(std::move(*bytes));
  }
  return out;
}

}  // namespace

json TraceEventToJson(const TraceEvent& e) {
  json j = json::object();
  j["k"] = KindName(e.kind);
  j["pid"] = e.pid;
  if (e.kind == TraceEvent::Kind::kFork || e.kind == TraceEvent::Kind::kExec) j["ppid"] = e.ppid;
  j["t"] = e.t;
  if (e.kind == TraceEvent::Kind::kExec) {
    j["argv"] = Base64List(e.argv);
    if (!e.exe.empty()) j["exe"] = Base64Encode(e.exe);
    if (!e.cwd.empty()) j["cwd"] = Base64Encode(e.cwd);
    if (!e.hits.empty()) {
      json& hits = j["hits"] = json::array();
      for (const auto& h : e.hits) {
        json o = json::object();
        o["watch"] = h.watch;
        o["arg"] = h.arg;
        if (!h.sha256.empty()) o["sha256"] = h.sha256;
        if (!h.stamp.empty()) o["stamp"] = h.stamp;
        hits.push_back(std::move(o));
      }
    }
    if (!e.env.empty()) j["env"] = Base64List(e.env);
  }
  if (e.exit_code) j["exit_code"] = *e.exit_code;
  if (e.term_signal) j["term_signal"] = *e.term_signal;
  if (!e.sha256_at_exit.empty()) j["sha256_at_exit"] = e.sha256_at_exit;
  if (!e.stamps_at_exit.empty()) j["stamps_at_exit"] = e.stamps_at_exit;
  return j;
}

TraceEvent TraceEventFromJson(const json& j, const std::string& path) {
  JsonReader r(j, path, "event");
  TraceEvent e;
  const std::string kind = r.String("k", std::nullopt);
  if (kind == "fork") {
    e.kind = TraceEvent::Kind::kFork;
  } else if (kind == "exec") {
    e.kind = TraceEvent::Kind::kExec;
  } else if (kind == "exit") {
    e.kind = TraceEvent::Kind::kExit;
  } else if (kind == "end") {
    e.kind = TraceEvent::Kind::kEnd;
  } else {
    r.Fail("k", "expected \"fork\", \"exec\", \"exit\" or \"end\", got \"" + kind + "\"");
  }
  e.pid = r.Int("pid", std::nullopt);
  e.ppid = r.Int("ppid", 0);
  e.t = r.Number("t", 0);
  e.argv = FromBase64List(r, "argv");
  e.exe = r.Bytes("exe");
  e.cwd = r.Bytes("cwd");
  if (const json* hits = r.Find("hits")) {
    if (!hits->is_array()) r.Fail("hits", "expected array");
    for (std::size_t i = 0; i < hits->size(); ++i) {
      JsonReader hr((*hits)[i], r.Path("hits[" + std::to_string(i) + "]"), "hit");
      TraceEvent::Hit h;
      h.watch = hr.Int("watch", std::nullopt);
      h.arg = hr.Int("arg", std::nullopt);
      h.sha256 = hr.String("sha256", "");
      h.stamp = hr.String("stamp", "");
      hr.RejectUnknown();
      e.hits.push_back(std::move(h));
    }
  }
  e.env = FromBase64List(r, "env");
  e.exit_code = r.OptInt("exit_code");
  e.term_signal = r.OptInt("term_signal");
  e.sha256_at_exit = r.StringList("sha256_at_exit", /*required=*/false);
  e.stamps_at_exit = r.StringList("stamps_at_exit", /*required=*/false);
  r.RejectUnknown();
  return e;
}

std::string TraceLine(const TraceEvent& e) { return TraceEventToJson(e).dump() + "\n"; }

std::optional<TraceEvent> ParseTraceLine(std::string_view line, std::string* err) {
  try {
    return TraceEventFromJson(json::parse(line), "");
  } catch (const json::exception& ex) {
    *err = std::string("not JSON: ") + ex.what();
  } catch (const ProtocolError& ex) {
    *err = ex.what();
  }
  return std::nullopt;
}

}  // namespace ipc::protocol
