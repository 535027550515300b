// Many stdin cases of one program in one step: what a stdin_cases check asks
// of a program that can run its cases itself, and what it reports back. Two
// runners speak it: the in-process Python runner (checks/py_cases_harness.py,
// for `python SCRIPT`) and `ref-cat --cases` (reference/). Starting a process
// per case was most of that check's cost: a process start costs 30-60 ms of
// CPU on the grading machines, and a submission has 31 cases a side.
//
// Request (the runner's stdin): one JSON line
//   {"cases": [{"name", "stdin" (base64), "timeout" (s), "cap" (bytes)}, ...]}.
// Records (the runner's stdout): one line per case, kBatchTag then JSON
//   {"i", "how", "started", "error", "exit", "signal", "timed_out", "oom",
//    "out", "err" (base64, first cap bytes), "out_bytes", "err_bytes", "wall", "cpu"};
// lines without the tag are ignored.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/probe_protocol.h"

namespace ipc::protocol {

inline constexpr std::string_view kBatchTag = "IPC-CASE ";

struct BatchCase {
  std::string name;  // for people reading a plan; runners ignore it
  std::string stdin_data;
  double timeout_s = 5;
  std::size_t output_cap = 4096;  // bytes kept per stream

  bool operator==(const BatchCase&) const = default;
};

std::string BatchRequest(const std::vector<BatchCase>& cases);
// Throws ProtocolError on anything but a request.
std::vector<BatchCase> BatchFromRequest(std::string_view request);

// The runner's wall limit: every case at its limit twice (the Python runner
// may run a case again as its own process), plus start-up.
double BatchTimeout(const std::vector<BatchCase>& cases);
// Bytes of the runner's stdout to keep so that every record fits.
std::size_t BatchOutputCap(const std::vector<BatchCase>& cases);

// The line a runner writes for case i; `how` says how it ran the case.
std::string BatchRecord(std::size_t i, const ProcessResult& r, std::string_view how);

// Each case's result, from the runner's. A case without a (readable) record
// is nullopt, and then *why names what the runner showed: how it ended, the
// first unreadable record, its stderr.
std::vector<std::optional<ProcessResult>> BatchResults(const ProcessResult& runner, std::size_t n,
                                                       std::string* why);

}  // namespace ipc::protocol
