// The JSON encoding of the probe protocol: the only place that spells field
// names. Writing omits empty strings, empty containers and unset optionals
// (numbers and booleans are always written); reading applies the struct
// defaults for what is absent, checks every type, and rejects unknown
// fields, naming the path of the offending field.
#include "protocol/probe_protocol.h"

#include <set>

#include "protocol/base64.h"
#include "protocol/json_reader.h"

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

// Names that become a directory under the sandbox root: no separators and
// nothing that walks upwards.
bool ValidSandboxName(const std::string& s) {
  if (s.empty() || s == "." || s == ".." || s.size() > 64) return false;
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
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

FileOverlay OverlayFromJson(const json& j, const std::string& path) {
  JsonReader r(j, path, "overlay");
  FileOverlay f;
  f.path = r.String("path", std::nullopt);
  f.content = r.Bytes("content_b64");
  f.mode = r.Int("mode", f.mode);
  r.RejectUnknown();
  return f;
}

json StepToJson(const Step& s) {
  json j = json::object();
  j["id"] = s.id;
  j["kind"] = s.kind == Step::Kind::kSignal ? "signal" : "exec";
  j["process"] = SpecToJson(s.process);
  j["group"] = s.group;
  PutString(j, "sandbox", s.sandbox);
  PutString(j, "sandbox_from", s.sandbox_from);
  if (!s.overlay.empty()) {
    json& list = j["overlay"] = json::array();
    for (const auto& f : s.overlay) {
      json o = json::object();
      o["path"] = f.path;
      PutBytes(o, "content_b64", f.content);
      o["mode"] = f.mode;
      list.push_back(std::move(o));
    }
  }
  if (s.at_workdir) j["at_workdir"] = true;
  if (s.attempts != 1) j["attempts"] = s.attempts;
  if (s.fresh_users) j["fresh_users"] = true;
  if (s.kind == Step::Kind::kSignal) {
    j["signal"] = s.signal;
    if (!s.ready_signals.empty()) j["ready_signals"] = s.ready_signals;
    j["ready_on_pause"] = s.ready_on_pause;
    j["ready_timeout_s"] = s.ready_timeout_s;
  }
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
  } else {
    r.Fail("kind", "expected \"exec\" or \"signal\", got \"" + kind + "\"");
  }
  const json* proc = r.Find("process");
  if (!proc) r.Fail("process", "missing");
  s.process = SpecFromJson(*proc, r.Path("process"));
  s.group = r.Int("group", 0);
  s.sandbox = r.String("sandbox", "");
  if (!s.sandbox.empty() && !ValidSandboxName(s.sandbox)) {
    r.Fail("sandbox", "'" + s.sandbox +
                          "' is not a valid name (letters, digits, '.', '_', '-'; "
                          "not '.' or '..'; at most 64)");
  }
  s.sandbox_from = r.String("sandbox_from", "");
  if (const json* overlay = r.Find("overlay")) {
    if (!overlay->is_array()) r.Fail("overlay", "expected array");
    for (std::size_t i = 0; i < overlay->size(); ++i) {
      s.overlay.push_back(OverlayFromJson((*overlay)[i], r.Path(Elem("overlay", i))));
    }
  }
  s.at_workdir = r.Bool("at_workdir", false);
  s.attempts = r.Int("attempts", 1);
  s.fresh_users = r.Bool("fresh_users", false);
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
  r.RejectUnknown();
  return s;
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
  r.RejectUnknown();
  return o;
}

}  // namespace

nlohmann::json ToJson(const Plan& plan) {
  json j = json::object();
  j["version"] = plan.version;
  j["nonce"] = plan.nonce;
  j["workdir"] = plan.workdir;
  if (!plan.extra_trees.empty()) j["extra_trees"] = plan.extra_trees;
  j["steps"] = json::array();
  for (const auto& s : plan.steps) j["steps"].push_back(StepToJson(s));
  return j;
}

Plan PlanFromJson(const nlohmann::json& j) {
  JsonReader r(j, "", "plan");
  Plan plan;
  CheckVersion(r);
  plan.nonce = r.String("nonce", std::nullopt);
  if (!ValidNonce(plan.nonce)) r.Fail("nonce", "expected 1..128 of [A-Za-z0-9_-]");
  plan.workdir = r.String("workdir", plan.workdir);
  if (plan.workdir.empty() || plan.workdir[0] != '/' || plan.workdir == "/") {
    r.Fail("workdir", "expected an absolute path below /, got '" + plan.workdir + "'");
  }
  plan.extra_trees = r.StringList("extra_trees", /*required=*/false);
  const json& steps = r.Array("steps");
  std::map<std::string, std::size_t> ids;
  for (std::size_t i = 0; i < steps.size(); ++i) {
    Step s = StepFromJson(steps[i], Elem("steps", i));
    auto [it, fresh] = ids.emplace(s.id, i);
    if (!fresh) {
      throw ProtocolError(Elem("steps", i) + ".id: duplicate id '" + s.id + "' (first at " +
                          Elem("steps", it->second) + ")");
    }
    plan.steps.push_back(std::move(s));
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
    if (!s.failed_attempts.empty()) {
      json& list = step["failed_attempts"] = json::array();
      for (const auto& a : s.failed_attempts) list.push_back(ResultToJson(a));
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
    if (const json* failed = sr.Find("failed_attempts")) {
      if (!failed->is_array()) sr.Fail("failed_attempts", "expected array");
      for (std::size_t k = 0; k < failed->size(); ++k) {
        s.failed_attempts.push_back(
            ResultFromJson((*failed)[k], sr.Path(Elem("failed_attempts", k))));
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
