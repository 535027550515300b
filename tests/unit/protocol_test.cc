// The probe protocol (v2, boxes): JSON round trips of Plan/Box/Step and
// Report/StepResult (with arbitrary bytes), every decoding error path, and
// report framing against forged or doubled frames. The rules that span
// fields and boxes are in protocol_plan_rules_test.cc, the tracer's event
// encoding in protocol_trace_log_test.cc.
#include <algorithm>

#include "protocol_test_support.h"

namespace ipc::protocol {
namespace {

using nlohmann::json;
using testing::AllBytes;
using testing::PlanError;
using testing::SamplePlan;

Report SampleReport() {
  Report r;
  r.nonce = "0123abcd";
  StepResult a;
  a.id = "cat/student/binary";
  a.process.started = true;
  a.process.pid = 12;
  a.process.exit_code = 0;
  a.process.stdout_data = AllBytes();
  a.process.stderr_data = "\x80\x81 not utf-8";
  a.process.stdout_bytes = 1ull << 40;
  a.process.stderr_bytes = 12;
  a.process.wall_s = 0.25;
  a.process.cpu_s = 0.125;
  ProcessResult failed;
  failed.started = true;
  failed.pid = 11;
  failed.exit_code = 1;
  failed.stdout_data = "first try\xff";
  failed.stdout_bytes = 10;
  a.earlier_attempts = {failed, failed};
  a.earlier_attempts[1].pid = 13;
  r.steps.push_back(a);
  StepResult b;
  b.id = "listener/student-pty";
  b.process.started = true;
  b.process.pid = 40;
  b.process.term_signal = SIGKILL;
  b.process.timed_out = true;
  SignalObservation o;
  o.ready = true;
  o.ready_by = "sigcgt";
  o.ready_wait_s = 0.05;
  o.cpu_while_waiting_s = 0.01;
  o.signal_sent = true;
  o.pid_line = "Listener PID: 40\xff";
  o.state = "S";
  o.caught = {SIGINT, SIGUSR1};
  b.signal = o;
  r.steps.push_back(b);
  StepResult c;
  c.id = "missing";
  c.process.error = "argv[0] 'nope': not found in PATH";
  r.steps.push_back(c);
  StepResult d;
  d.id = "cat/student/hog";
  d.process.started = true;
  d.process.pid = 41;
  d.process.term_signal = SIGKILL;
  d.process.oom_killed = true;
  r.steps.push_back(d);
  StepResult e;
  e.id = "files/stat";
  e.process.started = true;
  PathStat there;
  there.path = "litterbox/treasure.txt";
  there.exists = true;
  there.type = "file";
  there.mode = 0640;
  there.size = 15;
  there.uid = 1000;
  there.gid = 100;
  there.user = "garfield";
  there.group = "users";
  PathStat absent;
  absent.path = "no such";
  e.stats = {there, absent};
  r.steps.push_back(e);
  StepResult f;
  f.id = "ci/job";
  f.process.started = true;
  f.process.pid = 50;
  f.process.exit_code = 0;
  TraceEvent exec;
  exec.kind = TraceEvent::Kind::kExec;
  exec.pid = 51;
  exec.ppid = 50;
  exec.t = 0.5;
  exec.argv = {"bash", "tests/run.sh", "line\nbreak"};
  exec.exe = "/usr/bin/bash";
  exec.cwd = "/root";
  exec.hits = {{0, 1, std::string(64, 'a'), "2049:77:1700000000.5"}};
  exec.env = {"PATH=/bin", "CI=true"};
  TraceEvent exit;
  exit.kind = TraceEvent::Kind::kExit;
  exit.pid = 51;
  exit.t = 0.75;
  exit.exit_code = 3;
  exit.sha256_at_exit = {std::string(64, 'b')};
  exit.stamps_at_exit = {"2049:77:1700000001.5"};
  f.trace = {exec, exit};
  f.trace_truncated = true;
  r.steps.push_back(f);
  return r;
}

std::string ReportError(const std::function<void(json&)>& edit) {
  json j = ToJson(SampleReport());
  edit(j);
  try {
    ReportFromJson(j);
  } catch (const ProtocolError& e) {
    return e.what();
  }
  return "(accepted)";
}

TEST(Base64, RoundTripsEveryLengthAndByte) {
  const std::string all = AllBytes();
  for (std::size_t n = 0; n <= all.size(); ++n) {
    const std::string in = all.substr(all.size() - n);
    auto out = Base64Decode(Base64Encode(in));
    ASSERT_TRUE(out) << n;
    EXPECT_EQ(*out, in) << n;
  }
  EXPECT_EQ(Base64Encode("foob"), "Zm9vYg==");  // RFC 4648 test vector
  EXPECT_EQ(Base64Encode("fooba"), "Zm9vYmE=");
}

TEST(Base64, RejectsMalformedInputAndSaysWhere) {
  std::size_t at = 99;
  EXPECT_FALSE(Base64Decode("Zm9", &at));  // not a multiple of 4
  EXPECT_EQ(at, 3u);
  EXPECT_FALSE(Base64Decode("Zm*v", &at));
  EXPECT_EQ(at, 2u);
  EXPECT_FALSE(Base64Decode("Zg==Zg==", &at));  // padding in the middle
  EXPECT_EQ(at, 2u);
  EXPECT_FALSE(Base64Decode("Z===", &at));
}

TEST(PlanJson, RoundTripsEveryFieldOfEveryBoxAndStep) {
  const Plan plan = SamplePlan();
  ASSERT_NO_THROW(ValidatePlan(plan));
  const json j = ToJson(plan);
  // Survives a trip through text too (what crosses the container boundary).
  EXPECT_EQ(PlanFromJson(json::parse(j.dump())), plan);
}

TEST(PlanJson, BytesTravelAsBase64) {
  const json j = ToJson(SamplePlan());
  const json& cat = j["boxes"][1];
  EXPECT_EQ(Base64Decode(cat["steps"][0]["process"]["stdin_b64"].get<std::string>()),
            AllBytes() + "\xff\xfe\n");
  EXPECT_EQ(Base64Decode(cat["files"][1]["content_b64"].get<std::string>()), AllBytes());
  EXPECT_EQ(cat["files"][1]["mode"], 0600);
  EXPECT_EQ(cat["files"][1]["if_missing"], true);
  EXPECT_FALSE(cat["files"][0].contains("if_missing"));
}

TEST(PlanJson, OmitsFieldsAtTheirDefaults) {
  Plan plan = SamplePlan();
  plan.extra_trees.clear();
  plan.system_dirs.clear();
  plan.deadline_s = 0;
  plan.boxes[1].from = kFromPristine;
  const json j = ToJson(plan);
  for (const char* key : {"extra_trees", "system_dirs", "deadline_s"}) {
    EXPECT_FALSE(j.contains(key)) << key;
  }
  const json& setup = j["boxes"][0];
  for (const char* key : {"files", "attempts"}) EXPECT_FALSE(setup.contains(key)) << key;
  EXPECT_EQ(setup["save"], true);
  EXPECT_FALSE(j["boxes"][1].contains("save"));
  EXPECT_EQ(j["boxes"][1]["attempts"], 3);
  // from is always written, so a reader never has to know the default.
  EXPECT_EQ(j["boxes"][1]["from"], "pristine");
  const json& make = setup["steps"][0];
  for (const char* key : {"signal", "ready_signals", "ready_on_pause", "paths", "watch"}) {
    EXPECT_FALSE(make.contains(key)) << key;
  }
  EXPECT_EQ(make["student"], false);
  for (const char* key : {"cwd", "user", "login_shell", "stdin_b64", "env"}) {
    EXPECT_FALSE(make["process"].contains(key)) << key;
  }
  EXPECT_TRUE(make["process"].contains("timeout_s"));
  EXPECT_TRUE(make["process"].contains("output_cap"));
}

TEST(PlanJson, AStatStepHasPathsAndNoProcess) {
  const json stat = ToJson(SamplePlan())["boxes"][1]["steps"][1];
  EXPECT_EQ(stat["kind"], "stat");
  EXPECT_FALSE(stat.contains("process"));
  EXPECT_EQ(stat["paths"], json::array({".", "litterbox/treasure.txt"}));
  // And reads back without one.
  EXPECT_EQ(PlanError([](json& j) { j["boxes"][1]["steps"][1].erase("process"); }),
            "(accepted)");
}

TEST(PlanJson, AbsentOptionalFieldsTakeTheStructDefaults) {
  const json j = json::parse(R"({"version":2,"nonce":"n1","workdir":"/w","boxes":[
      {"id":"b","steps":[{"id":"a","kind":"exec","process":{"argv":["true"]}}]}]})");
  const Plan plan = PlanFromJson(j);
  EXPECT_EQ(plan.workdir, "/w");
  EXPECT_TRUE(plan.system_dirs.empty());
  EXPECT_EQ(plan.deadline_s, 0);
  EXPECT_TRUE(plan.extra_trees.empty());
  ASSERT_EQ(plan.boxes.size(), 1u);
  Box want_box;
  want_box.id = "b";
  Step want_step;
  want_step.id = "a";
  want_step.process.argv = {"true"};
  want_box.steps = {want_step};
  EXPECT_EQ(plan.boxes[0], want_box);
  EXPECT_EQ(plan.boxes[0].from, "pristine");
  EXPECT_EQ(plan.boxes[0].attempts, 1);
  EXPECT_FALSE(plan.boxes[0].save);
  // Unless it says otherwise, a step is the student's: a forgotten flag
  // never lets student code run among the grader's boxes.
  EXPECT_TRUE(plan.boxes[0].steps[0].student);
}

TEST(PlanJson, NamesTheFieldPathOfEveryTypeError) {
  EXPECT_EQ(PlanError([](json& j) { j["boxes"][2]["steps"][0]["process"]["timeout_s"] = "5"; }),
            "boxes[2].steps[0].process.timeout_s: expected number");
  EXPECT_EQ(PlanError([](json& j) { j["boxes"][0]["steps"][0]["process"]["argv"][1] = 3; }),
            "boxes[0].steps[0].process.argv[1]: expected string");
  EXPECT_EQ(PlanError([](json& j) { j["boxes"][0]["steps"][0]["process"]["argv"] = "make"; }),
            "boxes[0].steps[0].process.argv: expected array");
  EXPECT_EQ(PlanError([](json& j) { j["boxes"][1]["attempts"] = 1.5; }),
            "boxes[1].attempts: expected integer");
  EXPECT_EQ(PlanError([](json& j) { j["boxes"][1]["attempts"] = 1ull << 40; }),
            "boxes[1].attempts: integer out of range");
  EXPECT_EQ(PlanError([](json& j) { j["boxes"][0]["save"] = "yes"; }),
            "boxes[0].save: expected boolean");
  EXPECT_EQ(PlanError([](json& j) { j["boxes"][1]["from"] = 1; }),
            "boxes[1].from: expected string");
  EXPECT_EQ(PlanError([](json& j) { j["boxes"][1]["files"] = json::object(); }),
            "boxes[1].files: expected array");
  EXPECT_EQ(PlanError([](json& j) { j["boxes"][1]["files"][1]["content_b64"] = "@@@@"; }),
            "boxes[1].files[1].content_b64: invalid base64 at offset 0");
  EXPECT_EQ(PlanError([](json& j) { j["boxes"][1]["files"][0]["if_missing"] = 1; }),
            "boxes[1].files[0].if_missing: expected boolean");
  EXPECT_EQ(PlanError([](json& j) { j["boxes"][0]["steps"][0]["student"] = 0; }),
            "boxes[0].steps[0].student: expected boolean");
  EXPECT_EQ(PlanError([](json& j) { j["boxes"][1]["steps"][0]["process"]["login_shell"] = 1; }),
            "boxes[1].steps[0].process.login_shell: expected boolean");
  EXPECT_EQ(PlanError([](json& j) { j["boxes"][0]["steps"][0]["process"]["output_cap"] = -1; }),
            "boxes[0].steps[0].process.output_cap: expected non-negative integer");
  EXPECT_EQ(PlanError([](json& j) { j["boxes"][1]["steps"][0]["process"]["env"] = json::array(); }),
            "boxes[1].steps[0].process.env: expected object");
  EXPECT_EQ(PlanError([](json& j) { j["boxes"][1]["steps"][0]["process"]["env"]["X"] = 1; }),
            "boxes[1].steps[0].process.env.X: expected string");
  EXPECT_EQ(PlanError([](json& j) { j["boxes"][1]["steps"][0]["process"]["stdin_b64"] = 7; }),
            "boxes[1].steps[0].process.stdin_b64: expected base64 string");
  EXPECT_EQ(
      PlanError([](json& j) { j["boxes"][1]["steps"][0]["process"]["stdin_b64"] = "QUJD*A=="; }),
      "boxes[1].steps[0].process.stdin_b64: invalid base64 at offset 4");
  EXPECT_EQ(PlanError([](json& j) { j["boxes"][2]["steps"][0]["ready_signals"] = {2, "USR1"}; }),
            "boxes[2].steps[0].ready_signals[1]: expected integer");
  EXPECT_EQ(PlanError([](json& j) { j["boxes"][2]["steps"][0]["ready_signals"] = 2; }),
            "boxes[2].steps[0].ready_signals: expected array");
  EXPECT_EQ(PlanError([](json& j) { j["boxes"][1]["steps"][1]["paths"] = "."; }),
            "boxes[1].steps[1].paths: expected array");
  EXPECT_EQ(PlanError([](json& j) { j["boxes"][2]["steps"][1]["watch"][0] = 1; }),
            "boxes[2].steps[1].watch[0]: expected string");
  EXPECT_EQ(PlanError([](json& j) { j["system_dirs"] = "/etc"; }), "system_dirs: expected array");
  EXPECT_EQ(PlanError([](json& j) { j["deadline_s"] = "60"; }), "deadline_s: expected number");
  EXPECT_EQ(PlanError([](json& j) { j["extra_trees"] = "part1"; }), "extra_trees: expected array");
  EXPECT_EQ(PlanError([](json& j) { j["extra_trees"][0] = 1; }),
            "extra_trees[0]: expected string");
  EXPECT_EQ(PlanError([](json& j) { j["boxes"][0]["steps"][0] = "exec"; }),
            "boxes[0].steps[0]: expected object");
  EXPECT_EQ(PlanError([](json& j) { j["boxes"][0]["steps"][0]["process"] = json::array(); }),
            "boxes[0].steps[0].process: expected object");
  EXPECT_EQ(PlanError([](json& j) { j["boxes"][0]["steps"] = json::object(); }),
            "boxes[0].steps: expected array");
  EXPECT_EQ(PlanError([](json& j) { j["boxes"][0] = 1; }), "boxes[0]: expected object");
  EXPECT_EQ(PlanError([](json& j) { j["boxes"] = json::object(); }), "boxes: expected array");
  EXPECT_EQ(PlanError([](json& j) { j = json::array(); }), "plan: expected object");
}

TEST(PlanJson, NamesMissingAndUnknownFields) {
  EXPECT_EQ(PlanError([](json& j) { j.erase("nonce"); }), "nonce: missing");
  EXPECT_EQ(PlanError([](json& j) { j.erase("version"); }), "version: missing");
  EXPECT_EQ(PlanError([](json& j) { j.erase("boxes"); }), "boxes: missing");
  EXPECT_EQ(PlanError([](json& j) { j["boxes"][1].erase("id"); }), "boxes[1].id: missing");
  EXPECT_EQ(PlanError([](json& j) { j["boxes"][1].erase("steps"); }), "boxes[1].steps: missing");
  EXPECT_EQ(PlanError([](json& j) { j["boxes"][1]["steps"][0].erase("id"); }),
            "boxes[1].steps[0].id: missing");
  EXPECT_EQ(PlanError([](json& j) { j["boxes"][1]["steps"][0].erase("kind"); }),
            "boxes[1].steps[0].kind: missing");
  EXPECT_EQ(PlanError([](json& j) { j["boxes"][1]["steps"][0].erase("process"); }),
            "boxes[1].steps[0].process: missing");
  EXPECT_EQ(PlanError([](json& j) { j["boxes"][1]["steps"][0]["process"].erase("argv"); }),
            "boxes[1].steps[0].process.argv: missing");
  EXPECT_EQ(PlanError([](json& j) { j["boxes"][2]["steps"][0].erase("signal"); }),
            "boxes[2].steps[0].signal: missing");
  EXPECT_EQ(PlanError([](json& j) { j["boxes"][1]["files"][0].erase("path"); }),
            "boxes[1].files[0].path: missing");
  EXPECT_EQ(PlanError([](json& j) { j["boxes"][0]["steps"][0]["process"]["timout_s"] = 1; }),
            "boxes[0].steps[0].process.timout_s: unknown field");
  EXPECT_EQ(PlanError([](json& j) { j["boxes"][0]["steps"][0]["group"] = 1; }),
            "boxes[0].steps[0].group: unknown field");
  EXPECT_EQ(PlanError([](json& j) { j["boxes"][0]["sandbox"] = "a"; }),
            "boxes[0].sandbox: unknown field");
  EXPECT_EQ(PlanError([](json& j) { j["boxes"][1]["files"][0]["owner"] = "root"; }),
            "boxes[1].files[0].owner: unknown field");
  EXPECT_EQ(PlanError([](json& j) { j["steps"] = json::array(); }), "steps: unknown field");
}

TEST(PlanJson, RejectsValuesTheProbeCannotRun) {
  EXPECT_EQ(PlanError([](json& j) { j["version"] = 1; }),
            "version: unsupported protocol version 1 (this build speaks 2; grader and probe must "
            "come from the same build)");
  EXPECT_EQ(PlanError([](json& j) { j["nonce"] = "a\nb"; }),
            "nonce: expected 1..128 of [A-Za-z0-9_-]");
  EXPECT_EQ(PlanError([](json& j) { j["nonce"] = ""; }), "nonce: expected 1..128 of [A-Za-z0-9_-]");
  EXPECT_EQ(PlanError([](json& j) { j["nonce"] = std::string(129, 'a'); }),
            "nonce: expected 1..128 of [A-Za-z0-9_-]");
  EXPECT_EQ(PlanError([](json& j) { j["boxes"][0]["steps"][0]["kind"] = "run"; }),
            "boxes[0].steps[0].kind: expected \"exec\", \"signal\" or \"stat\", got \"run\"");
  EXPECT_EQ(PlanError([](json& j) { j["boxes"][0]["steps"][0]["id"] = ""; }),
            "boxes[0].steps[0].id: must not be empty");
  EXPECT_EQ(PlanError([](json& j) { j["boxes"][0]["id"] = ""; }), "boxes[0].id: must not be empty");
  EXPECT_EQ(PlanError([](json& j) { j["boxes"][0]["steps"][0]["process"]["argv"] = json::array(); }),
            "boxes[0].steps[0].process.argv: must not be empty");
  EXPECT_EQ(PlanError([](json& j) { j["boxes"][0]["steps"][0]["process"]["argv"][0] = ""; }),
            "boxes[0].steps[0].process.argv: argv[0] must not be empty");
  EXPECT_EQ(PlanError([](json& j) {
              j["boxes"][0]["steps"][0]["process"]["argv"][1] = std::string("a\0b", 3);
            }),
            "boxes[0].steps[0].process.argv[1]: contains a NUL byte");
  EXPECT_EQ(PlanError([](json& j) { j["boxes"][0]["steps"][0]["process"]["stdout_mode"] = "tty"; }),
            "boxes[0].steps[0].process.stdout_mode: expected \"pipe\", \"file\" or \"pty\", got "
            "\"tty\"");
  EXPECT_EQ(PlanError([](json& j) { j["boxes"][0]["steps"][0]["process"]["timeout_s"] = 0; }),
            "boxes[0].steps[0].process.timeout_s: must be positive");
  EXPECT_EQ(PlanError([](json& j) { j["boxes"][1]["steps"][0]["process"]["user"] = ""; }),
            "boxes[1].steps[0].process.login_shell: needs a user");
  EXPECT_EQ(PlanError([](json& j) { j["boxes"][1]["steps"][0]["process"]["env"]["A=B"] = "c"; }),
            "boxes[1].steps[0].process.env: variable name 'A=B' is empty or contains '='");
  EXPECT_EQ(PlanError([](json& j) { j["boxes"][2]["steps"][0]["signal"] = 0; }),
            "boxes[2].steps[0].signal: expected a signal number 1..64");
  EXPECT_EQ(PlanError([](json& j) { j["boxes"][2]["steps"][0]["ready_signals"][1] = 65; }),
            "boxes[2].steps[0].ready_signals[1]: expected a signal number 1..64");
  EXPECT_EQ(PlanError([](json& j) { j["boxes"][2]["steps"][0]["ready_timeout_s"] = -1; }),
            "boxes[2].steps[0].ready_timeout_s: must not be negative");
}

TEST(ReportJson, RoundTripsBinaryOutputStatsTracesAndOptionals) {
  const Report r = SampleReport();
  EXPECT_EQ(ReportFromJson(json::parse(ToJson(r).dump())), r);
}

TEST(ReportJson, OmitsUnsetOptionals) {
  const json j = ToJson(SampleReport());
  EXPECT_FALSE(j.contains("probe_error"));
  EXPECT_FALSE(j["steps"][0]["process"].contains("term_signal"));
  EXPECT_FALSE(j["steps"][0]["process"].contains("error"));
  for (const char* key : {"signal", "stats", "trace", "trace_truncated"}) {
    EXPECT_FALSE(j["steps"][0].contains(key)) << key;
  }
  EXPECT_FALSE(j["steps"][1]["process"].contains("exit_code"));
  EXPECT_FALSE(j["steps"][2]["process"].contains("stdout_b64"));
  EXPECT_EQ(j["steps"][1]["process"]["term_signal"], SIGKILL);
  EXPECT_FALSE(j["steps"][1].contains("earlier_attempts"));
  EXPECT_EQ(j["steps"][0]["earlier_attempts"].size(), 2u);
  // A path that does not exist says only that.
  EXPECT_EQ(j["steps"][4]["stats"][1], json::parse(R"({"path":"no such","exists":false})"));
  EXPECT_EQ(j["steps"][5]["trace_truncated"], true);
}

TEST(ReportJson, OomKilledIsAlwaysWrittenAndAbsentMeansFalse) {
  const json j = ToJson(SampleReport());
  EXPECT_EQ(j["steps"][3]["process"]["oom_killed"], true);
  EXPECT_EQ(j["steps"][0]["process"]["oom_killed"], false);
  EXPECT_TRUE(ReportFromJson(j).steps[3].process.oom_killed);
  json without = j;
  without["steps"][3]["process"].erase("oom_killed");
  EXPECT_FALSE(ReportFromJson(without).steps[3].process.oom_killed);
  EXPECT_EQ(ReportError([](json& r) { r["steps"][3]["process"]["oom_killed"] = "yes"; }),
            "steps[3].process.oom_killed: expected boolean");
  EXPECT_EQ(ReportError([](json& r) { r["steps"][0]["earlier_attempts"][0]["oom_killed"] = 1; }),
            "steps[0].earlier_attempts[0].oom_killed: expected boolean");
}

TEST(ReportJson, NamesTheFieldPathOfEveryError) {
  EXPECT_EQ(ReportError([](json& j) { j["steps"][1]["signal"]["ready"] = "yes"; }),
            "steps[1].signal.ready: expected boolean");
  EXPECT_EQ(ReportError([](json& j) { j["steps"][1]["signal"]["ready_by"] = "magic"; }),
            "steps[1].signal.ready_by: expected \"sigcgt\", \"pause\" or absent, got \"magic\"");
  EXPECT_EQ(ReportError([](json& j) { j["steps"][1]["signal"]["pid_line_b64"] = "@@@@"; }),
            "steps[1].signal.pid_line_b64: invalid base64 at offset 0");
  EXPECT_EQ(ReportError([](json& j) { j["steps"][1]["signal"]["caught"] = {"USR1"}; }),
            "steps[1].signal.caught[0]: expected integer");
  EXPECT_EQ(ReportError([](json& j) { j["steps"][0]["process"]["stdout_b64"] = "QQ"; }),
            "steps[0].process.stdout_b64: invalid base64 at offset 2");
  EXPECT_EQ(ReportError([](json& j) { j["steps"][0]["process"]["exit_code"] = "0"; }),
            "steps[0].process.exit_code: expected integer");
  EXPECT_EQ(ReportError([](json& j) { j["steps"][0]["process"]["stdout_bytes"] = -5; }),
            "steps[0].process.stdout_bytes: expected non-negative integer");
  EXPECT_EQ(ReportError([](json& j) { j["steps"][0]["process"]["wall_s"] = nullptr; }),
            "steps[0].process.wall_s: expected number");
  EXPECT_EQ(ReportError([](json& j) { j["steps"][0]["process"]["verdict"] = "PASSED"; }),
            "steps[0].process.verdict: unknown field");
  EXPECT_EQ(ReportError([](json& j) { j["steps"][0]["score"] = 10; }),
            "steps[0].score: unknown field");
  EXPECT_EQ(ReportError([](json& j) { j["steps"][0].erase("process"); }),
            "steps[0].process: missing");
  EXPECT_EQ(ReportError([](json& j) { j["steps"][0].erase("id"); }), "steps[0].id: missing");
  EXPECT_EQ(ReportError([](json& j) { j["steps"][1]["signal"] = 1; }),
            "steps[1].signal: expected object");
  EXPECT_EQ(ReportError([](json& j) { j["steps"][4]["stats"] = json::object(); }),
            "steps[4].stats: expected array");
  EXPECT_EQ(ReportError([](json& j) { j["steps"][4]["stats"][0]["size"] = -1; }),
            "steps[4].stats[0].size: expected non-negative integer");
  EXPECT_EQ(ReportError([](json& j) { j["steps"][4]["stats"][0].erase("path"); }),
            "steps[4].stats[0].path: missing");
  EXPECT_EQ(ReportError([](json& j) { j["steps"][5]["trace"] = 1; }),
            "steps[5].trace: expected array");
  EXPECT_EQ(ReportError([](json& j) { j["steps"][5]["trace"][1]["k"] = "spawn"; }),
            "steps[5].trace[1].k: expected \"fork\", \"exec\", \"exit\" or \"end\", got \"spawn\"");
  EXPECT_EQ(ReportError([](json& j) { j["steps"][5]["trace_truncated"] = "no"; }),
            "steps[5].trace_truncated: expected boolean");
  EXPECT_EQ(ReportError([](json& j) { j["probe_error"] = false; }), "probe_error: expected string");
  EXPECT_EQ(ReportError([](json& j) { j["version"] = 1; }),
            "version: unsupported protocol version 1 (this build speaks 2; grader and probe must "
            "come from the same build)");
  EXPECT_EQ(ReportError([](json& j) { j = 3; }), "report: expected object");
  EXPECT_EQ(ReportError([](json& j) { j["steps"][0]["earlier_attempts"] = 1; }),
            "steps[0].earlier_attempts: expected array");
  EXPECT_EQ(ReportError([](json& j) { j["steps"][0]["earlier_attempts"][1]["exit_code"] = "1"; }),
            "steps[0].earlier_attempts[1].exit_code: expected integer");
}

TEST(StdoutMode, NamesRoundTripAndUnknownNamesThrow) {
  for (auto m : {StdoutMode::kPipe, StdoutMode::kFile, StdoutMode::kPty}) {
    EXPECT_EQ(StdoutModeFromName(StdoutModeName(m)), m);
  }
  EXPECT_THROW(StdoutModeFromName("terminal"), ProtocolError);
}

// ---- ExtractReport ----

struct ExtractTest : ::testing::Test {
  std::optional<Report> Extract(const std::string& raw) {
    err.clear();
    return ExtractReport(raw, "0123abcd", &err);
  }
  std::string err;
};

TEST_F(ExtractTest, FindsTheFrameAmidJunkBeforeAndAfter) {
  const Report r = SampleReport();
  auto got = Extract("junk\x01\xff from tini\n" + FrameReport(r) + "trailing junk\n");
  ASSERT_TRUE(got) << err;
  EXPECT_EQ(*got, r);
}

TEST_F(ExtractTest, AcceptsAFrameWhoseLastNewlineWasCut) {
  std::string framed = FrameReport(SampleReport());
  framed.pop_back();
  EXPECT_TRUE(Extract(framed)) << err;
}

TEST_F(ExtractTest, FrameIsOneLineOfJsonBetweenMarkers) {
  const std::string framed = FrameReport(SampleReport());
  EXPECT_EQ(framed.rfind(std::string(kReportBegin) + "0123abcd\n{", 0), 0u);
  EXPECT_EQ(std::count(framed.begin(), framed.end(), '\n'), 3);
}

TEST_F(ExtractTest, NoFrameIsAnError) {
  EXPECT_FALSE(Extract("Traceback ... Killed\n"));
  EXPECT_NE(err.find("no probe report"), std::string::npos) << err;
}

TEST_F(ExtractTest, AForgedFrameWithAnotherNonceIsRejectedEvenBesideTheRealOne) {
  Report forged = SampleReport();
  forged.nonce = "guessed";
  EXPECT_FALSE(Extract(FrameReport(forged)));
  EXPECT_NE(err.find("another nonce"), std::string::npos) << err;
  EXPECT_FALSE(Extract(FrameReport(forged) + FrameReport(SampleReport())));
  EXPECT_NE(err.find("another nonce"), std::string::npos) << err;
  // A nonce that only extends ours is still another nonce.
  EXPECT_FALSE(Extract(std::string(kReportBegin) + "0123abcdX\n{}\n" + kReportEnd + "0123abcdX\n"));
  EXPECT_NE(err.find("another nonce"), std::string::npos) << err;
}

TEST_F(ExtractTest, TwoFramesWithTheRightNonceMeanTampering) {
  const std::string one = FrameReport(SampleReport());
  EXPECT_FALSE(Extract(one + one));
  EXPECT_NE(err.find("tampered"), std::string::npos) << err;
}

TEST_F(ExtractTest, AStrayEndMarkerMeansTampering) {
  const std::string one = FrameReport(SampleReport());
  EXPECT_FALSE(Extract(one + kReportEnd + "0123abcd\n"));
  EXPECT_NE(err.find("tampered"), std::string::npos) << err;
}

TEST_F(ExtractTest, ACutOffFrameIsAnError) {
  const std::string one = FrameReport(SampleReport());
  EXPECT_FALSE(Extract(one.substr(0, one.size() / 2)));
  EXPECT_NE(err.find("cut off"), std::string::npos) << err;
}

TEST_F(ExtractTest, BadJsonOrBadReportInsideAFrameIsAnError) {
  const std::string b = std::string(kReportBegin) + "0123abcd\n";
  const std::string e = std::string(kReportEnd) + "0123abcd\n";
  EXPECT_FALSE(Extract(b + "{not json\n" + e));
  EXPECT_NE(err.find("not valid JSON"), std::string::npos) << err;
  EXPECT_FALSE(Extract(b + R"({"version":2,"nonce":"0123abcd"})" + "\n" + e));
  EXPECT_EQ(err, "the probe's report is malformed: steps: missing");
  EXPECT_FALSE(Extract(b + R"({"version":2,"nonce":"other","steps":[]})" + "\n" + e));
  EXPECT_NE(err.find("names nonce 'other'"), std::string::npos) << err;
  EXPECT_FALSE(Extract(b + e));
  EXPECT_NE(err.find("malformed"), std::string::npos) << err;
}

TEST_F(ExtractTest, StudentBytesInsideTheReportCannotForgeMarkers) {
  Report r = SampleReport();
  r.steps[0].process.stdout_data = FrameReport(SampleReport()) + kReportBegin + "0123abcd\n";
  r.steps[5].trace[0].argv.push_back(FrameReport(SampleReport()));
  auto got = Extract(FrameReport(r));
  ASSERT_TRUE(got) << err;
  EXPECT_EQ(*got, r);
}

TEST(FrameReport, WritesInvalidUtf8InStringsAsReplacementCharacters) {
  Report r = SampleReport();
  r.probe_error = "cannot open '\xff'";
  std::string err;
  auto got = ExtractReport(FrameReport(r), r.nonce, &err);
  ASSERT_TRUE(got) << err;
  EXPECT_EQ(got->probe_error, "cannot open '\xEF\xBF\xBD'");
}

}  // namespace
}  // namespace ipc::protocol
