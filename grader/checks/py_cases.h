// Many stdin cases of one Python script in one interpreter: the stdin_cases
// check's student side when its program is `python SCRIPT`. Starting Python
// once per case was most of that check's cost (a process start costs 30-60 ms
// of CPU on the grading machines; 31 cases per submission).
//
// The runner (py_cases_harness.py, embedded) runs each case as `python SCRIPT`
// would, in a fresh __main__ with fds 0/1/2 and sys.std* rebuilt, and puts the
// process back between cases. Whatever it cannot reproduce in-process (os._exit,
// a fatal signal, threads or atexit handlers left behind, ...) it runs again as a
// fresh `python SCRIPT`; see the harness's header for the rules. One step of the
// plan, run by the probe as the step's user (and login shell), in its folder.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/probe_protocol.h"

namespace ipc::checks {

struct PyCase {
  std::string name;  // for people reading a plan; the runner ignores it
  std::string stdin_data;
  double timeout_s = 5;
  std::size_t output_cap = 4096;  // bytes kept per stream
};

// The harness's Python source.
std::string_view PyCasesHarness();

// argv running `program` over many cases in one interpreter, or nullopt when
// program is not [python|python3|pythonX.Y, SCRIPT] (then each case is a step).
std::optional<std::vector<std::string>> PyCasesArgv(const std::vector<std::string>& program);

// Whether spec runs the runner (PyCasesArgv's argv).
bool IsPyCasesRunner(const protocol::ProcessSpec& spec);

// The runner's stdin for these cases, and back (throws on anything else).
std::string PyCasesRequest(const std::vector<PyCase>& cases);
std::vector<PyCase> PyCasesFromRequest(const std::string& request);

// The wall limit for the whole runner: every case at its limit, plus start-up.
double PyCasesTimeout(const std::vector<PyCase>& cases);
// Bytes of the runner's stdout to keep so that every case's record fits.
std::size_t PyCasesOutputCap(const std::vector<PyCase>& cases);

// The line the runner writes for case i (what PyCasesResults reads): for
// fakes of the runner in tests.
std::string PyCasesRecord(std::size_t i, const protocol::ProcessResult& r);

// Each case's result from the runner's. When the runner did not report a case
// (it did not start, was killed, or its Python cannot run it), the result is
// nullopt and *why says what the runner showed.
std::vector<std::optional<protocol::ProcessResult>> PyCasesResults(
    const protocol::ProcessResult& runner, std::size_t n, std::string* why);

}  // namespace ipc::checks
