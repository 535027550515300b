// The probe protocol: JSON round trips (with arbitrary bytes), every
// validation error path, and report framing against forged or doubled
// frames.
#include <gtest/gtest.h>

#include <csignal>

#include "protocol/base64.h"
#include "protocol/probe_protocol.h"

namespace ipc::protocol {
namespace {

using nlohmann::json;

std::string AllBytes() {
  std::string s;
  for (int i = 0; i < 256; ++i) s += static_cast<char>(i);
  return s;
}

Plan SamplePlan() {
  Plan plan;
  plan.nonce = "0123abcd";
  plan.workdir = "/root";
  Step build;
  build.id = "build/run";
  build.process.argv = {"make", "-C", "dir with space"};
  build.process.timeout_s = 30;
  plan.steps.push_back(build);
  Step cat;
  cat.id = "cat/student/binary";
  cat.group = 2;
  cat.sandbox = "cat";
  cat.process.argv = {"python", "cat.py"};
  cat.process.cwd = "sub";
  cat.process.user = "garfield";
  cat.process.login_shell = true;
  cat.process.stdin_data = AllBytes() + "\xff\xfe\n";
  cat.process.env = {{"PYTHONIOENCODING", "utf-8"}, {"X", ""}};
  cat.process.stdout_mode = StdoutMode::kFile;
  cat.process.output_cap = 4096;
  cat.sandbox_from = "tree:part1";
  cat.overlay = {{"listener", "#!/bin/sh\nexec /opt/ipc-grader/ref-listener\n", 0755},
                 {"litterbox/bytes.bin", AllBytes(), 0600}};
  cat.at_workdir = true;
  cat.attempts = 3;
  cat.fresh_users = true;
  plan.steps.push_back(cat);
  plan.extra_trees = {"part1", "refs/heads/odd name"};
  Step sig;
  sig.id = "listener/student-pty";
  sig.kind = Step::Kind::kSignal;
  sig.group = 1;
  sig.process.argv = {"./listener"};
  sig.process.stdout_mode = StdoutMode::kPty;
  sig.signal = SIGUSR1;
  sig.ready_signals = {SIGINT, SIGUSR1};
  sig.ready_on_pause = false;
  sig.ready_timeout_s = 2.5;
  plan.steps.push_back(sig);
  return plan;
}

Report SampleReport() {
  Report r;
  r.nonce = "0123abcd";
  StepResult a;
  a.id = "build/run";
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
  a.failed_attempts = {failed, failed};
  a.failed_attempts[1].pid = 13;
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
  return r;
}

// The error text PlanFromJson gives for a sample plan changed by `edit`.
std::string PlanError(const std::function<void(json&)>& edit) {
  json j = ToJson(SamplePlan());
  edit(j);
  try {
    PlanFromJson(j);
  } catch (const ProtocolError& e) {
    return e.what();
  }
  return "(accepted)";
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

TEST(PlanJson, RoundTripsEveryFieldIncludingBinaryStdin) {
  const Plan plan = SamplePlan();
  const json j = ToJson(plan);
  // Survives a trip through text too (what crosses the container boundary).
  EXPECT_EQ(PlanFromJson(json::parse(j.dump())), plan);
}

TEST(PlanJson, OmitsEmptyOptionalFields) {
  const json j = ToJson(SamplePlan())["steps"][0];
  EXPECT_FALSE(j.contains("sandbox"));
  EXPECT_FALSE(j.contains("signal"));
  EXPECT_FALSE(j.contains("ready_signals"));
  EXPECT_FALSE(j["process"].contains("cwd"));
  EXPECT_FALSE(j["process"].contains("user"));
  EXPECT_FALSE(j["process"].contains("login_shell"));
  EXPECT_FALSE(j["process"].contains("stdin_b64"));
  EXPECT_FALSE(j["process"].contains("env"));
  EXPECT_TRUE(j["process"].contains("timeout_s"));
}

TEST(PlanJson, OmitsTheNewStepFieldsAtTheirDefaults) {
  Plan plan = SamplePlan();
  plan.extra_trees.clear();
  const json j = ToJson(plan);
  EXPECT_FALSE(j.contains("extra_trees"));
  for (const char* key : {"sandbox_from", "overlay", "at_workdir", "attempts", "fresh_users"}) {
    EXPECT_FALSE(j["steps"][0].contains(key)) << key;
  }
  // And writes them when set (content as base64, so any bytes survive).
  const json cat = ToJson(SamplePlan())["steps"][1];
  EXPECT_EQ(cat["attempts"], 3);
  EXPECT_EQ(cat["overlay"][0]["mode"], 0755);
  EXPECT_TRUE(cat["overlay"][0]["content_b64"].is_string());
  EXPECT_EQ(ToJson(SamplePlan())["extra_trees"][0], "part1");
}

TEST(PlanJson, AbsentOptionalFieldsTakeTheStructDefaults) {
  const json j = json::parse(R"({"version":1,"nonce":"n1","steps":[
      {"id":"a","kind":"exec","process":{"argv":["true"]}}]})");
  const Plan plan = PlanFromJson(j);
  EXPECT_EQ(plan.workdir, "/root");
  ASSERT_EQ(plan.steps.size(), 1u);
  ProcessSpec want;
  want.argv = {"true"};
  EXPECT_EQ(plan.steps[0].process, want);
  Step want_step;
  want_step.id = "a";
  want_step.process = want;
  EXPECT_EQ(plan.steps[0], want_step);  // sandbox_from, overlay, attempts...
  EXPECT_TRUE(plan.extra_trees.empty());
}

TEST(PlanJson, NewFieldsAreTypeChecked) {
  EXPECT_EQ(PlanError([](json& j) { j["steps"][1]["attempts"] = "3"; }),
            "steps[1].attempts: expected integer");
  EXPECT_EQ(PlanError([](json& j) { j["steps"][1]["at_workdir"] = 1; }),
            "steps[1].at_workdir: expected boolean");
  EXPECT_EQ(PlanError([](json& j) { j["steps"][1]["fresh_users"] = "yes"; }),
            "steps[1].fresh_users: expected boolean");
  EXPECT_EQ(PlanError([](json& j) { j["steps"][1]["sandbox_from"] = 1; }),
            "steps[1].sandbox_from: expected string");
  EXPECT_EQ(PlanError([](json& j) { j["steps"][1]["overlay"] = json::object(); }),
            "steps[1].overlay: expected array");
  EXPECT_EQ(PlanError([](json& j) { j["steps"][1]["overlay"][1]["content_b64"] = "@@@@"; }),
            "steps[1].overlay[1].content_b64: invalid base64 at offset 0");
  EXPECT_EQ(PlanError([](json& j) { j["steps"][1]["overlay"][0].erase("path"); }),
            "steps[1].overlay[0].path: missing");
  EXPECT_EQ(PlanError([](json& j) { j["steps"][1]["overlay"][0]["owner"] = "root"; }),
            "steps[1].overlay[0].owner: unknown field");
  EXPECT_EQ(PlanError([](json& j) { j["extra_trees"] = "part1"; }), "extra_trees: expected array");
  EXPECT_EQ(PlanError([](json& j) { j["extra_trees"][0] = 1; }),
            "extra_trees[0]: expected string");
}

TEST(PlanRules, OverlayPathsStayInsideTheStepDirectory) {
  auto path_error = [](const std::string& path) {
    return PlanError([&](json& j) { j["steps"][1]["overlay"][0]["path"] = path; });
  };
  EXPECT_EQ(path_error("../listener"), "steps[1].overlay[0].path: '../listener' has a '..' component");
  EXPECT_EQ(path_error("a/../../b"), "steps[1].overlay[0].path: 'a/../../b' has a '..' component");
  EXPECT_EQ(path_error("/root/listener"),
            "steps[1].overlay[0].path: '/root/listener' is absolute (expected a path relative to "
            "the step's directory)");
  EXPECT_EQ(path_error(""), "steps[1].overlay[0].path: must not be empty");
  EXPECT_EQ(path_error("a//b"), "steps[1].overlay[0].path: 'a//b' has an empty or '.' component");
  EXPECT_EQ(path_error("dir/"), "steps[1].overlay[0].path: 'dir/' has an empty or '.' component");
  EXPECT_EQ(path_error("..."), "(accepted)");  // a name, not a walk upwards
  EXPECT_EQ(PlanError([](json& j) { j["steps"][1]["overlay"][1]["mode"] = 04755; }),
            "steps[1].overlay[1].mode: expected permission bits 0..0777, got 2541");
}

TEST(PlanRules, AttemptsAndAtWorkdirNeedASandboxOfTheirOwn) {
  EXPECT_EQ(PlanError([](json& j) { j["steps"][1]["attempts"] = 0; }),
            "steps[1].attempts: must be at least 1, got 0");
  EXPECT_EQ(PlanError([](json& j) { j["steps"][0]["attempts"] = 2; }),
            "steps[0].attempts: more than one attempt needs a sandbox (each retry gets a fresh "
            "copy)");
  EXPECT_EQ(PlanError([](json& j) { j["steps"][0]["attempts"] = 1; }), "(accepted)");
  EXPECT_EQ(PlanError([](json& j) {
              j["steps"][2]["attempts"] = 2;
              j["steps"][2]["sandbox"] = "sig";
            }),
            "steps[2].attempts: only exec steps can be retried (a signal step's readiness is "
            "one-shot)");
  EXPECT_EQ(PlanError([](json& j) { j["steps"][0]["at_workdir"] = true; }),
            "steps[0].at_workdir: needs a sandbox (it is the sandbox that is put at the "
            "workdir's path)");
  // Another step in the same sandbox (same source): the retry would wipe it.
  EXPECT_EQ(PlanError([](json& j) {
              j["steps"][0]["sandbox"] = "cat";
              j["steps"][0]["sandbox_from"] = "tree:part1";
            }),
            "steps[1].attempts: sandbox 'cat' is shared with another step; a retried step needs a "
            "sandbox of its own (a retry replaces it with a fresh copy)");
}

TEST(PlanRules, SandboxFromNamesAKnownSourceAndSharersAgree) {
  EXPECT_EQ(PlanError([](json& j) { j["steps"][1]["sandbox_from"] = "tree:final"; }),
            "steps[1].sandbox_from: tree 'final' is not in extra_trees (the probe gets no tar for "
            "it)");
  EXPECT_EQ(PlanError([](json& j) { j["steps"][1]["sandbox_from"] = "Pristine"; }),
            "steps[1].sandbox_from: expected \"\", \"pristine\" or \"tree:NAME\", got 'Pristine'");
  EXPECT_EQ(PlanError([](json& j) { j["steps"][1]["sandbox_from"] = "tree:"; }),
            "steps[1].sandbox_from: tree '' is not in extra_trees (the probe gets no tar for it)");
  EXPECT_EQ(PlanError([](json& j) { j["steps"][1]["sandbox_from"] = "tree:refs/heads/odd name"; }),
            "(accepted)");
  EXPECT_EQ(PlanError([](json& j) { j["steps"][0]["sandbox_from"] = "pristine"; }),
            "steps[0].sandbox_from: 'pristine' without a sandbox (there is nothing to copy into)");
  EXPECT_EQ(PlanError([](json& j) {
              j["steps"][1]["attempts"] = 1;
              j["steps"][0]["sandbox"] = "cat";
              j["steps"][0]["sandbox_from"] = "pristine";
            }),
            "steps[1].sandbox_from: 'tree:part1' but steps[0] makes sandbox 'cat' from "
            "'pristine' (steps sharing a sandbox must agree on its source)");
  EXPECT_EQ(PlanError([](json& j) { j["extra_trees"][1] = "part1"; }),
            "extra_trees[1]: duplicate tree 'part1' (the probe would read one tar too many)");
  EXPECT_EQ(PlanError([](json& j) { j["extra_trees"][1] = ""; }),
            "extra_trees[1]: must not be empty");
}

TEST(PlanRules, ValidatePlanChecksAPlanBuiltInMemory) {
  Plan plan = SamplePlan();
  EXPECT_NO_THROW(ValidatePlan(plan));
  plan.steps[1].attempts = -2;
  try {
    ValidatePlan(plan);
    ADD_FAILURE() << "accepted";
  } catch (const ProtocolError& e) {
    EXPECT_STREQ(e.what(), "steps[1].attempts: must be at least 1, got -2");
  }
}

TEST(PlanJson, NamesTheFieldPathOfEveryTypeError) {
  EXPECT_EQ(PlanError([](json& j) { j["steps"][2]["process"]["timeout_s"] = "5"; }),
            "steps[2].process.timeout_s: expected number");
  EXPECT_EQ(PlanError([](json& j) { j["steps"][0]["process"]["argv"][1] = 3; }),
            "steps[0].process.argv[1]: expected string");
  EXPECT_EQ(PlanError([](json& j) { j["steps"][0]["process"]["argv"] = "make"; }),
            "steps[0].process.argv: expected array");
  EXPECT_EQ(PlanError([](json& j) { j["steps"][0]["group"] = 1.5; }),
            "steps[0].group: expected integer");
  EXPECT_EQ(PlanError([](json& j) { j["steps"][0]["group"] = 1ull << 40; }),
            "steps[0].group: integer out of range");
  EXPECT_EQ(PlanError([](json& j) { j["steps"][1]["process"]["login_shell"] = 1; }),
            "steps[1].process.login_shell: expected boolean");
  EXPECT_EQ(PlanError([](json& j) { j["steps"][0]["process"]["output_cap"] = -1; }),
            "steps[0].process.output_cap: expected non-negative integer");
  EXPECT_EQ(PlanError([](json& j) { j["steps"][1]["process"]["env"] = json::array(); }),
            "steps[1].process.env: expected object");
  EXPECT_EQ(PlanError([](json& j) { j["steps"][1]["process"]["env"]["X"] = 1; }),
            "steps[1].process.env.X: expected string");
  EXPECT_EQ(PlanError([](json& j) { j["steps"][1]["process"]["stdin_b64"] = 7; }),
            "steps[1].process.stdin_b64: expected base64 string");
  EXPECT_EQ(PlanError([](json& j) { j["steps"][1]["process"]["stdin_b64"] = "QUJD*A=="; }),
            "steps[1].process.stdin_b64: invalid base64 at offset 4");
  EXPECT_EQ(PlanError([](json& j) {
              j["steps"][2]["ready_signals"] = {2, "USR1"};
            }),
            "steps[2].ready_signals[1]: expected integer");
  EXPECT_EQ(PlanError([](json& j) { j["steps"][2]["ready_signals"] = 2; }),
            "steps[2].ready_signals: expected array");
  EXPECT_EQ(PlanError([](json& j) { j["steps"][0] = "exec"; }), "steps[0]: expected object");
  EXPECT_EQ(PlanError([](json& j) { j["steps"][0]["process"] = json::array(); }),
            "steps[0].process: expected object");
  EXPECT_EQ(PlanError([](json& j) { j["steps"] = json::object(); }), "steps: expected array");
  EXPECT_EQ(PlanError([](json& j) { j = json::array(); }), "plan: expected object");
}

TEST(PlanJson, NamesMissingAndUnknownFields) {
  EXPECT_EQ(PlanError([](json& j) { j.erase("nonce"); }), "nonce: missing");
  EXPECT_EQ(PlanError([](json& j) { j.erase("version"); }), "version: missing");
  EXPECT_EQ(PlanError([](json& j) { j.erase("steps"); }), "steps: missing");
  EXPECT_EQ(PlanError([](json& j) { j["steps"][1].erase("id"); }), "steps[1].id: missing");
  EXPECT_EQ(PlanError([](json& j) { j["steps"][1].erase("kind"); }), "steps[1].kind: missing");
  EXPECT_EQ(PlanError([](json& j) { j["steps"][1].erase("process"); }),
            "steps[1].process: missing");
  EXPECT_EQ(PlanError([](json& j) { j["steps"][1]["process"].erase("argv"); }),
            "steps[1].process.argv: missing");
  EXPECT_EQ(PlanError([](json& j) { j["steps"][2].erase("signal"); }), "steps[2].signal: missing");
  EXPECT_EQ(PlanError([](json& j) { j["steps"][0]["process"]["timout_s"] = 1; }),
            "steps[0].process.timout_s: unknown field");
  EXPECT_EQ(PlanError([](json& j) { j["steps"][0]["sandboxx"] = "a"; }),
            "steps[0].sandboxx: unknown field");
  EXPECT_EQ(PlanError([](json& j) { j["extra"] = true; }), "extra: unknown field");
}

TEST(PlanJson, RejectsValuesTheProbeCannotRun) {
  EXPECT_EQ(PlanError([](json& j) { j["version"] = 2; }),
            "version: unsupported protocol version 2 (this build speaks 1; grader and probe must "
            "come from the same build)");
  EXPECT_EQ(PlanError([](json& j) { j["nonce"] = "a\nb"; }),
            "nonce: expected 1..128 of [A-Za-z0-9_-]");
  EXPECT_EQ(PlanError([](json& j) { j["nonce"] = ""; }), "nonce: expected 1..128 of [A-Za-z0-9_-]");
  EXPECT_EQ(PlanError([](json& j) { j["workdir"] = "root"; }),
            "workdir: expected an absolute path below /, got 'root'");
  EXPECT_EQ(PlanError([](json& j) { j["workdir"] = "/"; }),
            "workdir: expected an absolute path below /, got '/'");
  EXPECT_EQ(PlanError([](json& j) { j["steps"][0]["kind"] = "run"; }),
            "steps[0].kind: expected \"exec\" or \"signal\", got \"run\"");
  EXPECT_EQ(PlanError([](json& j) { j["steps"][0]["id"] = ""; }), "steps[0].id: must not be empty");
  EXPECT_EQ(PlanError([](json& j) { j["steps"][2]["id"] = "build/run"; }),
            "steps[2].id: duplicate id 'build/run' (first at steps[0])");
  EXPECT_EQ(PlanError([](json& j) { j["steps"][0]["process"]["argv"] = json::array(); }),
            "steps[0].process.argv: must not be empty");
  EXPECT_EQ(PlanError([](json& j) { j["steps"][0]["process"]["argv"][0] = ""; }),
            "steps[0].process.argv: argv[0] must not be empty");
  EXPECT_EQ(
      PlanError([](json& j) { j["steps"][0]["process"]["argv"][1] = std::string("a\0b", 3); }),
      "steps[0].process.argv[1]: contains a NUL byte");
  EXPECT_EQ(PlanError([](json& j) { j["steps"][0]["process"]["stdout_mode"] = "tty"; }),
            "steps[0].process.stdout_mode: expected \"pipe\", \"file\" or \"pty\", got \"tty\"");
  EXPECT_EQ(PlanError([](json& j) { j["steps"][0]["process"]["timeout_s"] = 0; }),
            "steps[0].process.timeout_s: must be positive");
  EXPECT_EQ(PlanError([](json& j) { j["steps"][1]["process"]["user"] = ""; }),
            "steps[1].process.login_shell: needs a user");
  EXPECT_EQ(PlanError([](json& j) { j["steps"][1]["process"]["env"]["A=B"] = "c"; }),
            "steps[1].process.env: variable name 'A=B' is empty or contains '='");
  EXPECT_EQ(PlanError([](json& j) { j["steps"][1]["sandbox"] = "../up"; }),
            "steps[1].sandbox: '../up' is not a valid name (letters, digits, '.', '_', '-'; not "
            "'.' or '..'; at most 64)");
  EXPECT_EQ(PlanError([](json& j) { j["steps"][1]["sandbox"] = ".."; }).substr(0, 25),
            "steps[1].sandbox: '..' is");
  EXPECT_EQ(PlanError([](json& j) { j["steps"][2]["signal"] = 0; }),
            "steps[2].signal: expected a signal number 1..64");
  EXPECT_EQ(PlanError([](json& j) { j["steps"][2]["ready_signals"][1] = 65; }),
            "steps[2].ready_signals[1]: expected a signal number 1..64");
  EXPECT_EQ(PlanError([](json& j) { j["steps"][2]["ready_timeout_s"] = -1; }),
            "steps[2].ready_timeout_s: must not be negative");
}

TEST(ReportJson, RoundTripsBinaryOutputAndOptionals) {
  const Report r = SampleReport();
  EXPECT_EQ(ReportFromJson(json::parse(ToJson(r).dump())), r);
}

TEST(ReportJson, OmitsUnsetOptionals) {
  const json j = ToJson(SampleReport());
  EXPECT_FALSE(j.contains("probe_error"));
  EXPECT_FALSE(j["steps"][0]["process"].contains("term_signal"));
  EXPECT_FALSE(j["steps"][0]["process"].contains("error"));
  EXPECT_FALSE(j["steps"][0].contains("signal"));
  EXPECT_FALSE(j["steps"][1]["process"].contains("exit_code"));
  EXPECT_FALSE(j["steps"][2]["process"].contains("stdout_b64"));
  EXPECT_EQ(j["steps"][1]["process"]["term_signal"], SIGKILL);
  EXPECT_FALSE(j["steps"][1].contains("failed_attempts"));
  EXPECT_EQ(j["steps"][0]["failed_attempts"].size(), 2u);
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
  EXPECT_EQ(ReportError([](json& r) { r["steps"][0]["failed_attempts"][0]["oom_killed"] = 1; }),
            "steps[0].failed_attempts[0].oom_killed: expected boolean");
}

TEST(ReportJson, NamesTheFieldPathOfEveryError) {
  EXPECT_EQ(ReportError([](json& j) { j["steps"][1]["signal"]["ready"] = "yes"; }),
            "steps[1].signal.ready: expected boolean");
  EXPECT_EQ(ReportError([](json& j) { j["steps"][1]["signal"]["ready_by"] = "magic"; }),
            "steps[1].signal.ready_by: expected \"sigcgt\", \"pause\" or absent, got \"magic\"");
  EXPECT_EQ(ReportError([](json& j) { j["steps"][1]["signal"]["pid_line_b64"] = "@@@@"; }),
            "steps[1].signal.pid_line_b64: invalid base64 at offset 0");
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
  EXPECT_EQ(ReportError([](json& j) { j["probe_error"] = false; }), "probe_error: expected string");
  EXPECT_EQ(ReportError([](json& j) { j = 3; }), "report: expected object");
  EXPECT_EQ(ReportError([](json& j) { j["steps"][0]["failed_attempts"] = 1; }),
            "steps[0].failed_attempts: expected array");
  EXPECT_EQ(ReportError([](json& j) { j["steps"][0]["failed_attempts"][1]["exit_code"] = "1"; }),
            "steps[0].failed_attempts[1].exit_code: expected integer");
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
  EXPECT_FALSE(Extract(b + R"({"version":1,"nonce":"0123abcd"})" + "\n" + e));
  EXPECT_EQ(err, "the probe's report is malformed: steps: missing");
  EXPECT_FALSE(Extract(b + R"({"version":1,"nonce":"other","steps":[]})" + "\n" + e));
  EXPECT_NE(err.find("names nonce 'other'"), std::string::npos) << err;
  EXPECT_FALSE(Extract(b + e));
  EXPECT_NE(err.find("malformed"), std::string::npos) << err;
}

TEST_F(ExtractTest, StudentBytesInsideTheReportCannotForgeMarkers) {
  Report r = SampleReport();
  r.steps[0].process.stdout_data = FrameReport(SampleReport()) + kReportBegin + "0123abcd\n";
  auto got = Extract(FrameReport(r));
  ASSERT_TRUE(got) << err;
  EXPECT_EQ(got->steps[0].process.stdout_data, r.steps[0].process.stdout_data);
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
