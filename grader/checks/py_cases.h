// The stdin_cases check's student side when its program is `python SCRIPT`:
// every case in one interpreter, through the runner py_cases_harness.py
// (compiled in), which speaks protocol/case_batch.h.
//
// The runner runs each case as `python SCRIPT` would, in a fresh __main__ with
// fds 0/1/2 and sys.std* rebuilt, and puts the process back between cases.
// Whatever it cannot reproduce in-process (os._exit, a fatal signal, threads
// or atexit handlers left behind, ...) it runs again as a fresh `python
// SCRIPT`; see the harness's header for the rules. One step of the plan, run
// by the probe as the step's user (and login shell), in its folder.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ipc::checks {

// The runner's Python source.
std::string_view PyCasesHarness();

// argv running `program` over many cases in one interpreter, or nullopt when
// program is not [python|python3|pythonX.Y, SCRIPT] (then each case is a step).
std::optional<std::vector<std::string>> PyCasesArgv(const std::vector<std::string>& program);

}  // namespace ipc::checks
