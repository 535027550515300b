// The files test_adequacy writes over a submission so that the student's
// own test script exercises a program of our choosing (the reference, or a
// seeded faulty version of it) instead of the student's program.
#pragma once

#include <string>
#include <vector>

#include "protocol/probe_protocol.h"

namespace ipc::checks {

// Where the build-tool stand-ins go, relative to the step's directory. Hidden
// (a leading '.') so that the `ls -l --recursive` of test_full_dd.sh does not
// list it.
inline constexpr const char* kNoBuildDir = ".ipc-grader-bin";

// The program `replace` (e.g. "listener", "cat.py") as a file that execs
// `argv` (argv[0] an absolute path) in the same process, so the pid a test
// script takes from `$!` is the pid of the program it signals:
//   *.py        a Python script (scripts run `python cat.py`, also as
//               garfield through `su -`, so it is world-readable);
//   otherwise   a `#!/bin/sh` script (scripts run `./listener`).
// Both are mode 0755 and ignore their own arguments, as the assignment's
// programs do (the reference tools reject unknown arguments).
protocol::FileOverlay ProgramShim(const std::string& replace, const std::vector<std::string>& argv);

// Stand-ins for make, gcc and cc that build nothing (exit 0, one line on
// stderr saying so). A test script that runs `make` would otherwise rebuild
// the replaced listener over the shim: the assignment's `compile:` target
// has no prerequisites and always runs gcc. Put first on PATH by
// NoBuildPath().
std::vector<protocol::FileOverlay> NoBuildTools();

// PATH for a step whose directory is `dir`: the stand-ins first, then the
// probe's fixed PATH. Absolute, so a script that cd's elsewhere keeps it.
std::string NoBuildPath(const std::string& dir);

// `s` quoted for sh (single quotes) and for a Python string literal.
std::string ShellQuote(const std::string& s);
std::string PythonQuote(const std::string& s);

}  // namespace ipc::checks
