// Outcome classes for programs like cat.py: what a person would call the
// result, so that honest variations (print("MEOW") with no message, the
// contents stripped or written without a newline) compare equal.
#pragma once

#include <string>

#include "protocol/probe_protocol.h"

namespace ipc::checks {

enum class OutcomeClass { kContent, kRefusal, kCrash, kTimeout, kNoStart };

struct Classified {
  OutcomeClass cls = OutcomeClass::kNoStart;
  std::string content;  // kContent: stdout with surrounding whitespace removed
  int code = 0;         // kCrash: exit code, or 128 + signal
  std::string Describe(const std::string& refusal) const;  // "printed ...", "refused (MEOW)"
};

// `refusal` is the prefix that means "refused" (MEOW in the assignment).
Classified Classify(const protocol::ProcessResult& p, const std::string& refusal);

bool SameOutcome(const Classified& a, const Classified& b);

std::string OutcomeClassName(OutcomeClass c);  // content, refusal, crash, timeout

}  // namespace ipc::checks
