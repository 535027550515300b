// The JSON encoding of the probe protocol: the only place that spells field
// names. Writing omits empty strings, empty containers and unset optionals
// (numbers and booleans are always written); reading applies the struct
// defaults for what is absent, checks every type, and rejects unknown
// fields, naming the path of the offending field.
#include "protocol/probe_protocol.h"

#include <set>

#include "protocol/base64.h"
#include "protocol/json_reader.h"
#include "protocol/trace_log.h"

namespace ipc::protocol {
namespace {

using nlohmann::json;

constexpr int kMaxSignal = 64;  // SIGRTMAX on Linux

void PutString(json& j, const char* key, const std::string& s) {
  if (!s.empty()) j[key] = s;
}
void PutBytes(json& j, const char* key, const std::string& bytes) {
  if (!bytes.empty()) j[key] = Base64Encode(bytes);
}

// The nonce is spelled inside the frame markers, so it must not contain a
// newline or anything that could make one frame look like another.
bool ValidNonce(const std::string& s) {
  if (s.empty() || s.size() > 128) return false;
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

void CheckVersion(JsonReader& r) {
  const int v = r.Int("version", std::nullopt);
  if (v != kProtocolVersion) {
    r.Fail("version", "unsupported protocol version " + std::to_string(v) + " (this build speaks " +
                          std::to_string(kProtocolVersion) +
                          "; grader and probe must come from the "
                          "same build)");
  }
}

std::string Elem(const std::string& key, std::size_t i) {
  return key + "[" + std::to_string(i) + "]";
}

// ---- Plan ----

json SpecToJson(const ProcessSpec& p) {
  json j = json::object();
  j["argv"] = p.argv;
  PutString(j, "cwd", p.cwd);
  PutString(j, "user", p.user);
  if (p.login_shell) j["login_shell"] = true;
  PutBytes(j, "stdin_b64", p.stdin_data);
  if (!p.env.empty()) j["env"] = p.env;
  j["stdout_mode"] = StdoutModeName(p.stdout_mode);
  j["timeout_s"] = p.timeout_s;
  j["output_cap"] = static_cast<std::uint64_t>(p.output_cap);
  return j;
}

ProcessSpec SpecFromJson(const json& j, const std::string& path) {
  JsonReader r(j, path, "process");
  ProcessSpec p;
  p.argv = r.StringList("argv", /*required=*/true);
  if (p.argv.empty()) r.Fail("argv", "must not be empty");
  if (p.argv[0].empty()) r.Fail("argv", "argv[0] must not be empty");
  p.cwd = r.String("cwd", "");
  p.user = r.String("user", "");
  p.login_shell = r.Bool("login_shell", false);
  if (p.login_shell && p.user.empty()) r.Fail("login_shell", "needs a user");
  p.stdin_data = r.Bytes("stdin_b64");
  p.env = r.StringMap("env");
  for (const auto& [k, v] : p.env) {
    if (k.empty() || k.find('=') != std::string::npos) {
      r.Fail("env", "variable name '" + k + "' is empty or contains '='");
    }
  }
  const std::string mode = r.String("stdout_mode", "pipe");
  try {
    p.stdout_mode = StdoutModeFromName(mode);
  } catch (const ProtocolError& e) {
    r.Fail("stdout_mode", e.what());
  }
  p.timeout_s = r.Number("timeout_s", p.timeout_s);
  if (!(p.timeout_s > 0)) r.Fail("timeout_s", "must be positive");
  p.output_cap = r.Unsigned("output_cap", p.output_cap);
  r.RejectUnknown();
  return p;
}

json OverlayToJson(const FileOverlay& f) {
  json o = json::object();
  o["path"] = f.path;
  PutBytes(o, "content_b64", f.content);
  o["mode"] = f.mode;
  if (f.if_missing) o["if_missing"] = true;
  return o;
}

FileOverlay OverlayFromJson(const json& j, const std::string& path) {
  JsonReader r(j, path, "file");
  FileOverlay f;
  f.path = r.String("path", std::nullopt);
  f.content = r.Bytes("content_b64");
  f.mode = r.Int("mode", f.mode);
  f.if_missing = r.Bool("if_missing", false);
  r.RejectUnknown();
  return f;
}

const char* KindName(Step::Kind k) {
  switch (k) {
    case Step::Kind::kExec:
      return "exec";
    case Step::Kind::kSignal:
      return "signal";
    case Step::Kind::kStat:
      return "stat";
  }
  return "exec";
}

json StepToJson(const Step& s) {
  json j = json::object();
  j["id"] = s.id;
  j["kind"] = KindName(s.kind);
  j["student"] = s.student;
  if (s.kind != Step::Kind::kStat) j["process"] = SpecToJson(s.process);
  if (s.kind == Step::Kind::kSignal) {
    j["signal"] = s.signal;
    if (!s.ready_signals.empty()) j["ready_signals"] = s.ready_signals;
    j["ready_on_pause"] = s.ready_on_pause;
    j["ready_timeout_s"] = s.ready_timeout_s;
  }
  if (!s.paths.empty()) j["paths"] = s.paths;
  if (!s.watch.empty()) j["watch"] = s.watch;
  return j;
}

Step StepFromJson(const json& j, const std::string& path) {
  JsonReader r(j, path, "step");
  Step s;
  s.id = r.String("id", std::nullopt);
  if (s.id.empty()) r.Fail("id", "must not be empty");
  const std::string kind = r.String("kind", std::nullopt);
  if (kind == "exec") {
    s.kind = Step::Kind::kExec;
  } else if (kind == "signal") {
    s.kind = Step::Kind::kSignal;
  } else if (kind == "stat") {
    s.kind = Step::Kind::kStat;
  } else {
    r.Fail("kind", "expected \"exec\", \"signal\" or \"stat\", got \"" + kind + "\"");
  }
  s.student = r.Bool("student", true);
  if (s.kind != Step::Kind::kStat) {
    const json* proc = r.Find("process");
    if (!proc) r.Fail("process", "missing");
    s.process = SpecFromJson(*proc, r.Path("process"));
  }
  if (s.kind == Step::Kind::kSignal) {
    s.signal = r.Int("signal", std::nullopt);
    if (s.signal < 1 || s.signal > kMaxSignal) r.Fail("signal", "expected a signal number 1..64");
    s.ready_signals = r.IntList("ready_signals");
    for (std::size_t i = 0; i < s.ready_signals.size(); ++i) {
      if (s.ready_signals[i] < 1 || s.ready_signals[i] > kMaxSignal) {
        r.Fail(Elem("ready_signals", i), "expected a signal number 1..64");
      }
    }
    s.ready_on_pause = r.Bool("ready_on_pause", s.ready_on_pause);
    s.ready_timeout_s = r.Number("ready_timeout_s", s.ready_timeout_s);
    if (!(s.ready_timeout_s >= 0)) r.Fail("ready_timeout_s", "must not be negative");
  }
  s.paths = r.StringList("paths", /*required=*/false);
  s.watch = r.StringList("watch", /*required=*/false);
  r.RejectUnknown();
  return s;
}

json BoxToJson(const Box& b) {
  json j = json::object();
  j["id"] = b.id;
  j["from"] = b.from;
  if (!b.files.empty()) {
    json& list = j["files"] = json::array();
    for (const auto& f : b.files) list.push_back(OverlayToJson(f));
  }
  j["steps"] = json::array();
  for (const auto& s : b.steps) j["steps"].push_back(StepToJson(s));
  if (b.attempts != 1) j["attempts"] = b.attempts;
  if (b.save) j["save"] = true;
  if (!b.group.empty()) j["group"] = b.group;
  if (b.group_timeouts != 0) j["group_timeouts"] = b.group_timeouts;
  return j;
}

Box BoxFromJson(const json& j, const std::string& path) {
  JsonReader r(j, path, "box");
  Box b;
  b.id = r.String("id", std::nullopt);
  if (b.id.empty()) r.Fail("id", "must not be empty");
  b.from = r.String("from", std::string(kFromPristine));
  if (const json* files = r.Find("files")) {
    if (!files->is_array()) r.Fail("files", "expected array");
    for (std::size_t i = 0; i < files->size(); ++i) {
      b.files.push_back(OverlayFromJson((*files)[i], r.Path(Elem("files", i))));
    }
  }
  const json& steps = r.Array("steps");
  for (std::size_t i = 0; i < steps.size(); ++i) {
    b.steps.push_back(StepFromJson(steps[i], r.Path(Elem("steps", i))));
  }
  b.attempts = r.Int("attempts", 1);
  b.save = r.Bool("save", false);
  b.group = r.String("group", "");
  b.group_timeouts = r.Int("group_timeouts", 0);
  if (b.group_timeouts < 0) r.Fail("group_timeouts", "must be >= 0");
  r.RejectUnknown();
  return b;
}

// ---- Report ----

json ResultToJson(const ProcessResult& p) {
  json j = json::object();
  j["started"] = p.started;
  PutString(j, "error", p.error);
  j["pid"] = p.pid;
  if (p.exit_code) j["exit_code"] = *p.exit_code;
  if (p.term_signal) j["term_signal"] = *p.term_signal;
  j["timed_out"] = p.timed_out;
  j["oom_killed"] = p.oom_killed;
  PutBytes(j, "stdout_b64", p.stdout_data);
  PutBytes(j, "stderr_b64", p.stderr_data);
  j["stdout_bytes"] = p.stdout_bytes;
  j["stderr_bytes"] = p.stderr_bytes;
  j["wall_s"] = p.wall_s;
  j["cpu_s"] = p.cpu_s;
  return j;
}

ProcessResult ResultFromJson(const json& j, const std::string& path) {
  JsonReader r(j, path, "process");
  ProcessResult p;
  p.started = r.Bool("started", false);
  p.error = r.String("error", "");
  p.pid = r.Int("pid", 0);
  p.exit_code = r.OptInt("exit_code");
  p.term_signal = r.OptInt("term_signal");
  p.timed_out = r.Bool("timed_out", false);
  p.oom_killed = r.Bool("oom_killed", false);
  p.stdout_data = r.Bytes("stdout_b64");
  p.stderr_data = r.Bytes("stderr_b64");
  p.stdout_bytes = r.Unsigned("stdout_bytes", 0);
  p.stderr_bytes = r.Unsigned("stderr_bytes", 0);
  p.wall_s = r.Number("wall_s", 0);
  p.cpu_s = r.Number("cpu_s", 0);
  r.RejectUnknown();
  return p;
}

json ObservationToJson(const SignalObservation& o) {
  json j = json::object();
  j["ready"] = o.ready;
  PutString(j, "ready_by", o.ready_by);
  j["ready_wait_s"] = o.ready_wait_s;
  j["cpu_while_waiting_s"] = o.cpu_while_waiting_s;
  j["signal_sent"] = o.signal_sent;
  PutBytes(j, "pid_line_b64", o.pid_line);
  PutString(j, "state", o.state);
  if (!o.caught.empty()) j["caught"] = o.caught;
  return j;
}

SignalObservation ObservationFromJson(const json& j, const std::string& path) {
  JsonReader r(j, path, "signal");
  SignalObservation o;
  o.ready = r.Bool("ready", false);
  o.ready_by = r.String("ready_by", "");
  if (!o.ready_by.empty() && o.ready_by != "sigcgt" && o.ready_by != "pause") {
    r.Fail("ready_by", "expected \"sigcgt\", \"pause\" or absent, got \"" + o.ready_by + "\"");
  }
  o.ready_wait_s = r.Number("ready_wait_s", 0);
  o.cpu_while_waiting_s = r.Number("cpu_while_waiting_s", 0);
  o.signal_sent = r.Bool("signal_sent", false);
  o.pid_line = r.Bytes("pid_line_b64");
  o.state = r.String("state", "");
  o.caught = r.IntList("caught");
  r.RejectUnknown();
  return o;
}

json StatToJson(const PathStat& st) {
  json j = json::object();
  j["path"] = st.path;
  j["exists"] = st.exists;
  if (st.exists) {
    j["type"] = st.type;
    j["mode"] = st.mode;
    j["size"] = st.size;
    j["uid"] = st.uid;
    j["gid"] = st.gid;
    PutString(j, "user", st.user);
    PutString(j, "group", st.group);
  }
  return j;
}

PathStat StatFromJson(const json& j, const std::string& path) {
  JsonReader r(j, path, "stat");
  PathStat st;
  st.path = r.String("path", std::nullopt);
  st.exists = r.Bool("exists", false);
  st.type = r.String("type", "");
  st.mode = r.Int("mode", 0);
  st.size = r.Unsigned("size", 0);
  st.uid = r.Int("uid", 0);
  st.gid = r.Int("gid", 0);
  st.user = r.String("user", "");
  st.group = r.String("group", "");
  r.RejectUnknown();
  return st;
}

}  // namespace

nlohmann::json ToJson(const Plan& plan) {
  json j = json::object();
  j["version"] = plan.version;
  j["nonce"] = plan.nonce;
  j["workdir"] = plan.workdir;
  if (!plan.system_dirs.empty()) j["system_dirs"] = plan.system_dirs;
  if (plan.deadline_s > 0) j["deadline_s"] = plan.deadline_s;
  if (!plan.extra_trees.empty()) j["extra_trees"] = plan.extra_trees;
  j["boxes"] = json::array();
  for (const auto& b : plan.boxes) j["boxes"].push_back(BoxToJson(b));
  return j;
}

Plan PlanFromJson(const nlohmann::json& j) {
  JsonReader r(j, "", "plan");
  Plan plan;
  CheckVersion(r);
  plan.nonce = r.String("nonce", std::nullopt);
  if (!ValidNonce(plan.nonce)) r.Fail("nonce", "expected 1..128 of [A-Za-z0-9_-]");
  plan.workdir = r.String("workdir", plan.workdir);
  plan.system_dirs = r.StringList("system_dirs", /*required=*/false);
  plan.deadline_s = r.Number("deadline_s", 0);
  plan.extra_trees = r.StringList("extra_trees", /*required=*/false);
  const json& boxes = r.Array("boxes");
  for (std::size_t i = 0; i < boxes.size(); ++i) {
    plan.boxes.push_back(BoxFromJson(boxes[i], Elem("boxes", i)));
  }
  r.RejectUnknown();
  ValidatePlan(plan);
  return plan;
}

nlohmann::json ToJson(const Report& report) {
  json j = json::object();
  j["version"] = report.version;
  j["nonce"] = report.nonce;
  j["steps"] = json::array();
  for (const auto& s : report.steps) {
    json step = json::object();
    step["id"] = s.id;
    step["process"] = ResultToJson(s.process);
    if (s.signal) step["signal"] = ObservationToJson(*s.signal);
    if (!s.stats.empty()) {
      json& list = step["stats"] = json::array();
      for (const auto& st : s.stats) list.push_back(StatToJson(st));
    }
    if (!s.trace.empty()) {
      json& list = step["trace"] = json::array();
      for (const auto& e : s.trace) list.push_back(TraceEventToJson(e));
    }
    if (s.trace_truncated) step["trace_truncated"] = true;
    if (s.cut_by_deadline) step["cut_by_deadline"] = true;
    if (!s.earlier_attempts.empty()) {
      json& list = step["earlier_attempts"] = json::array();
      for (const auto& a : s.earlier_attempts) list.push_back(ResultToJson(a));
    }
    j["steps"].push_back(std::move(step));
  }
  PutString(j, "probe_error", report.probe_error);
  return j;
}

Report ReportFromJson(const nlohmann::json& j) {
  JsonReader r(j, "", "report");
  Report report;
  CheckVersion(r);
  report.nonce = r.String("nonce", std::nullopt);
  const json& steps = r.Array("steps");
  for (std::size_t i = 0; i < steps.size(); ++i) {
    JsonReader sr(steps[i], Elem("steps", i), "step");
    StepResult s;
    s.id = sr.String("id", std::nullopt);
    const json* proc = sr.Find("process");
    if (!proc) sr.Fail("process", "missing");
    s.process = ResultFromJson(*proc, sr.Path("process"));
    if (const json* sig = sr.Find("signal"))
      s.signal = ObservationFromJson(*sig, sr.Path("signal"));
    if (const json* stats = sr.Find("stats")) {
      if (!stats->is_array()) sr.Fail("stats", "expected array");
      for (std::size_t k = 0; k < stats->size(); ++k) {
        s.stats.push_back(StatFromJson((*stats)[k], sr.Path(Elem("stats", k))));
      }
    }
    if (const json* trace = sr.Find("trace")) {
      if (!trace->is_array()) sr.Fail("trace", "expected array");
      for (std::size_t k = 0; k < trace->size(); ++k) {
        s.trace.push_back(TraceEventFromJson((*trace)[k], sr.Path(Elem("trace", k))));
      }
    }
    s.trace_truncated = sr.Bool("trace_truncated", false);
    s.cut_by_deadline = sr.Bool("cut_by_deadline", false);
    if (const json* earlier = sr.Find("earlier_attempts")) {
      if (!earlier->is_array()) sr.Fail("earlier_attempts", "expected array");
      for (std::size_t k = 0; k < earlier->size(); ++k) {
        s.earlier_attempts.push_back(
            ResultFromJson((*earlier)[k], sr.Path(Elem("earlier_attempts", k))));
      }
    }
    sr.RejectUnknown();
    report.steps.push_back(std::move(s));
  }
  report.probe_error = r.String("probe_error", "");
  r.RejectUnknown();
  return report;
}

std::string FrameReport(const Report& report) {
  // replace: a message that quotes a non-UTF-8 file name must not make the
  // whole report unwritable (dump() throws on invalid UTF-8 by default).
  const std::string body = ToJson(report).dump(-1, ' ', false, json::error_handler_t::replace);
  return std::string(kReportBegin) + report.nonce + "\n" + body + "\n" + kReportEnd + report.nonce +
         "\n";
}

std::string StdoutModeName(StdoutMode m) {
  switch (m) {
    case StdoutMode::kPipe:
      return "pipe";
    case StdoutMode::kFile:
      return "file";
    case StdoutMode::kPty:
      return "pty";
  }
  return "pipe";
}

StdoutMode StdoutModeFromName(const std::string& name) {
  if (name == "pipe") return StdoutMode::kPipe;
  if (name == "file") return StdoutMode::kFile;
  if (name == "pty") return StdoutMode::kPty;
  throw ProtocolError("expected \"pipe\", \"file\" or \"pty\", got \"" + name + "\"");
}

}  // namespace ipc::protocol
