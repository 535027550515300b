// `--cases` for a reference program: many stdin cases in one step (the
// request and records of protocol/case_batch.h), so the stdin_cases check does
// not start the reference once per case. Each case runs `one_case` in a fork
// of this process (no exec) whose fds 0, 1 and 2 are the case's stdin (its
// bytes, then EOF) and two pipes drained here with the case's cap, exactly as
// the probe would run the program on its own: the child's return value is
// its exit status, and past the case's timeout it is SIGKILLed with its
// process group.
#pragma once

#include <functional>

namespace ipc::reference {

// Reads the request from stdin and writes a record per case to stdout.
// Returns 0, or 2 (with a message on stderr) when stdin is not a request.
int RunCases(const std::function<int()>& one_case);

}  // namespace ipc::reference
