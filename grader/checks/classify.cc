#include "checks/classify.h"

#include "checks/check_type.h"

namespace ipc::checks {
namespace {

std::string StripWhitespace(const std::string& s) {
  const char* ws = " \t\r\n\v\f";
  const auto b = s.find_first_not_of(ws);
  if (b == std::string::npos) return "";
  const auto e = s.find_last_not_of(ws);
  return s.substr(b, e - b + 1);
}

}  // namespace

Classified Classify(const protocol::ProcessResult& p, const std::string& refusal) {
  Classified c;
  // Timed out first: a case the probe skipped after its group's earlier
  // cases timed out is reported timed out without having started.
  if (p.timed_out) {
    c.cls = OutcomeClass::kTimeout;
    return c;
  }
  if (!p.started) return c;
  if (p.term_signal) {
    c.cls = OutcomeClass::kCrash;
    c.code = 128 + *p.term_signal;
    c.out_of_memory = p.oom_killed;
    return c;
  }
  if (!p.exit_code || *p.exit_code != 0) {
    c.cls = OutcomeClass::kCrash;
    c.code = p.exit_code.value_or(-1);
    return c;
  }
  const std::string out = StripWhitespace(p.stdout_data);
  if (!refusal.empty() && out.rfind(refusal, 0) == 0) {
    c.cls = OutcomeClass::kRefusal;
    return c;
  }
  c.cls = OutcomeClass::kContent;
  c.content = out;
  return c;
}

bool SameOutcome(const Classified& a, const Classified& b) {
  if (a.cls != b.cls) return false;
  if (a.cls == OutcomeClass::kContent) return a.content == b.content;
  if (a.cls == OutcomeClass::kCrash) return a.code == b.code;
  return true;
}

std::string OutcomeClassName(OutcomeClass c) {
  switch (c) {
    case OutcomeClass::kContent: return "content";
    case OutcomeClass::kRefusal: return "refusal";
    case OutcomeClass::kCrash: return "crash";
    case OutcomeClass::kTimeout: return "timeout";
    case OutcomeClass::kNoStart: return "did not start";
  }
  return "?";
}

std::string DescribeOutOfMemory(std::optional<std::uint64_t> memory_limit_mb) {
  std::string s = "killed by the kernel: out of memory";
  if (memory_limit_mb && *memory_limit_mb > 0) {
    s += " (the container's limit is " + std::to_string(*memory_limit_mb) + " MB)";
  }
  return s;
}

std::string Classified::Describe(const std::string& refusal,
                                 std::optional<std::uint64_t> memory_limit_mb) const {
  switch (cls) {
    case OutcomeClass::kContent: return "printed '" + Abbrev(content, 60) + "'";
    case OutcomeClass::kRefusal: return "refused (" + refusal + ")";
    case OutcomeClass::kCrash:
      if (out_of_memory) return DescribeOutOfMemory(memory_limit_mb);
      return "crashed (exit " + std::to_string(code) + ")";
    case OutcomeClass::kTimeout: return "timed out";
    case OutcomeClass::kNoStart: return "did not start";
  }
  return "?";
}

}  // namespace ipc::checks
