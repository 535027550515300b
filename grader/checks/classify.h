// Outcome classes for programs that print a file or refuse (path_cat
// programs): what a person would call the result, so that honest variations
// (print("REFUSED") with no message, the contents stripped or written
// without a newline) compare equal.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "protocol/probe_protocol.h"

namespace ipc::checks {

enum class OutcomeClass { kContent, kRefusal, kCrash, kTimeout, kNoStart };

struct Classified {
  OutcomeClass cls = OutcomeClass::kNoStart;
  std::string content;  // kContent: stdout with surrounding whitespace removed
  int code = 0;         // kCrash: exit code, or 128 + signal
  // kCrash: the kernel's OOM killer ended it (code 137). Not part of
  // SameOutcome: it only changes the words, never a comparison.
  bool out_of_memory = false;
  // "printed ...", "refused (REFUSED)", "crashed (exit 1)", "killed by the
  // kernel: out of memory (...)". `memory_limit_mb`: the rubric's
  // limits.memory_mb, when the caller has the rubric.
  std::string Describe(const std::string& refusal,
                       std::optional<std::uint64_t> memory_limit_mb = std::nullopt) const;
};

// `refusal` is the prefix that means "refused" (the program's refusal word,
// e.g. REFUSED).
Classified Classify(const protocol::ProcessResult& p, const std::string& refusal);

bool SameOutcome(const Classified& a, const Classified& b);

std::string OutcomeClassName(OutcomeClass c);  // content, refusal, crash, timeout

// The words for a process that ProcessResult::oom_killed says the kernel
// killed for memory: "killed by the kernel: out of memory (the container's
// limit is 1024 MB)", without the parenthesis when the limit is not known.
// For feedback that shows how a process ended (DescribeExit and the like),
// in place of "killed by SIGKILL", which tells a student nothing.
std::string DescribeOutOfMemory(std::optional<std::uint64_t> memory_limit_mb = std::nullopt);

}  // namespace ipc::checks
