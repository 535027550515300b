// The tracer's events as JSON (trace_log.h): every kind round-trips, byte
// strings travel as base64 so no byte of a student's argv or environment
// can break a log line or a field, a log line is exactly one line, and a
// line that is not an event is refused with the reason.
#include <gtest/gtest.h>

#include <algorithm>

#include "protocol/base64.h"
#include "protocol/trace_log.h"

namespace ipc::protocol {
namespace {

using nlohmann::json;
using Kind = TraceEvent::Kind;

TraceEvent Fork() {
  TraceEvent e;
  e.kind = Kind::kFork;
  e.pid = 101;
  e.ppid = 100;
  e.t = 0.125;
  return e;
}

TraceEvent Exec() {
  TraceEvent e;
  e.kind = Kind::kExec;
  e.pid = 101;
  e.ppid = 100;
  e.t = 0.25;
  e.argv = {"bash", "tests/run.sh", std::string("new\nline\0nul", 12), "\xff\xfe"};
  e.exe = "/usr/bin/bash";
  e.cwd = "/root/with\nnewline";
  TraceEvent::Hit hit;
  hit.watch = 1;
  hit.arg = 1;
  hit.sha256 = std::string(64, 'c');
  hit.stamp = "2049:1234:1700000000.123456789";
  TraceEvent::Hit unreadable;
  unreadable.watch = 0;
  unreadable.arg = 3;
  e.hits = {hit, unreadable};
  e.env = {"PATH=/bin", "EVIL=}\n{\"k\":\"end\"}"};
  return e;
}

TraceEvent Exit() {
  TraceEvent e;
  e.kind = Kind::kExit;
  e.pid = 101;
  e.t = 0.5;
  e.term_signal = 9;
  e.sha256_at_exit = {std::string(64, 'd'), ""};
  e.stamps_at_exit = {"2049:1234:1700000001.0", ""};
  return e;
}

TraceEvent End() {
  TraceEvent e;
  e.kind = Kind::kEnd;
  e.pid = 100;
  e.t = 0.75;
  e.sha256_at_exit = {"", std::string(64, 'e')};
  e.stamps_at_exit = {"", "1:2:3.4"};
  return e;
}

TEST(TraceLog, EveryKindRoundTripsThroughJsonAndThroughALine) {
  for (const TraceEvent& e : {Fork(), Exec(), Exit(), End()}) {
    SCOPED_TRACE(TraceEventToJson(e).dump());
    EXPECT_EQ(TraceEventFromJson(json::parse(TraceEventToJson(e).dump()), "trace[0]"), e);
    const std::string line = TraceLine(e);
    ASSERT_FALSE(line.empty());
    EXPECT_EQ(line.back(), '\n');
    EXPECT_EQ(std::count(line.begin(), line.end(), '\n'), 1) << "one event, one line";
    std::string err;
    const auto back = ParseTraceLine(std::string_view(line).substr(0, line.size() - 1), &err);
    ASSERT_TRUE(back) << err;
    EXPECT_EQ(*back, e);
  }
}

TEST(TraceLog, ExitStatusesSurviveBothWays) {
  TraceEvent code = Exit();
  code.term_signal.reset();
  code.exit_code = 0;  // zero is a status, not "unset"
  EXPECT_EQ(TraceEventFromJson(TraceEventToJson(code), ""), code);
  EXPECT_EQ(TraceEventToJson(code)["exit_code"], 0);
  EXPECT_FALSE(TraceEventToJson(code).contains("term_signal"));
}

TEST(TraceLog, ByteStringsAreBase64AndPlainFieldsAreNot) {
  const json j = TraceEventToJson(Exec());
  EXPECT_EQ(j["k"], "exec");
  EXPECT_EQ(j["argv"][2], Base64Encode(std::string("new\nline\0nul", 12)));
  EXPECT_EQ(j["exe"], Base64Encode("/usr/bin/bash"));
  EXPECT_EQ(j["cwd"], Base64Encode("/root/with\nnewline"));
  EXPECT_EQ(j["env"][1], Base64Encode("EVIL=}\n{\"k\":\"end\"}"));
  EXPECT_EQ(j["hits"][0]["sha256"], std::string(64, 'c'));
  EXPECT_EQ(j["hits"][0]["stamp"], "2049:1234:1700000000.123456789");
  EXPECT_FALSE(j["hits"][1].contains("sha256")) << "unreadable: left out";
}

TEST(TraceLog, FieldsOfOtherKindsAreLeftOut) {
  const json fork = TraceEventToJson(Fork());
  EXPECT_EQ(fork, json::parse(R"({"k":"fork","pid":101,"ppid":100,"t":0.125})"));
  const json exit = TraceEventToJson(Exit());
  for (const char* key : {"ppid", "argv", "exe", "cwd", "hits", "env", "exit_code"}) {
    EXPECT_FALSE(exit.contains(key)) << key;
  }
  EXPECT_EQ(exit["term_signal"], 9);
  EXPECT_FALSE(TraceEventToJson(End()).contains("ppid"));
}

TEST(TraceLog, ALineThatIsNotAnEventIsRefusedWithTheReason) {
  std::string err;
  EXPECT_FALSE(ParseTraceLine("ipc-grader tracer: cannot trace the command", &err));
  EXPECT_EQ(err.rfind("not JSON: ", 0), 0u) << err;
  EXPECT_FALSE(ParseTraceLine(R"({"k":"spawn","pid":1})", &err));
  EXPECT_EQ(err, "k: expected \"fork\", \"exec\", \"exit\" or \"end\", got \"spawn\"");
  EXPECT_FALSE(ParseTraceLine(R"({"k":"exit"})", &err));
  EXPECT_EQ(err, "pid: missing");
  EXPECT_FALSE(ParseTraceLine(R"({"k":"exec","pid":1,"argv":["@@@@"]})", &err));
  EXPECT_EQ(err, "argv: not base64");
  EXPECT_FALSE(ParseTraceLine(R"({"k":"exec","pid":1,"hits":[{"watch":0}]})", &err));
  EXPECT_EQ(err, "hits[0].arg: missing");
  EXPECT_FALSE(ParseTraceLine(R"({"k":"exit","pid":1,"verdict":"passed"})", &err));
  EXPECT_EQ(err, "verdict: unknown field");
  EXPECT_FALSE(ParseTraceLine("[]", &err));
  EXPECT_FALSE(err.empty());
}

TEST(TraceLog, ErrorsInAReportNameTheEventsPath) {
  json j = TraceEventToJson(Exec());
  j["hits"][1]["watch"] = "zero";
  try {
    TraceEventFromJson(j, "steps[5].trace[2]");
    ADD_FAILURE() << "accepted";
  } catch (const ProtocolError& e) {
    EXPECT_STREQ(e.what(), "steps[5].trace[2].hits[1].watch: expected integer");
  }
}

}  // namespace
}  // namespace ipc::protocol
