#include "checks/test_adequacy_shim.h"

#include <fmt/format.h>

namespace ipc::checks {
namespace {

// The probe's fixed PATH (probe/spawn.h kFixedPath). Repeated here because
// the checks library does not link the probe; a step's env PATH replaces it
// whole.
constexpr const char* kProbePath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

}  // namespace

std::string ShellQuote(const std::string& s) {
  std::string out = "'";
  for (char ch : s) {
    if (ch == '\'') {
      out += "'\\''";
    } else {
      out += ch;
    }
  }
  return out + "'";
}

std::string PythonQuote(const std::string& s) {
  std::string out = "\"";
  for (unsigned char ch : s) {
    if (ch == '"' || ch == '\\') {
      out += '\\';
      out += static_cast<char>(ch);
    } else if (ch < 0x20 || ch == 0x7f) {
      out += fmt::format("\\x{:02x}", ch);
    } else {
      out += static_cast<char>(ch);  // UTF-8 is fine in a Python 3 source
    }
  }
  return out + "\"";
}

protocol::FileOverlay ProgramShim(const std::string& replace,
                                  const std::vector<std::string>& argv) {
  protocol::FileOverlay f;
  f.path = replace;
  f.mode = 0755;
  if (replace.ends_with(".py")) {
    // os.execv keeps the pid and hands stdin (not yet read: Python reads
    // sys.stdin lazily) to the program untouched.
    std::string list;
    for (const auto& a : argv) list += (list.empty() ? "" : ", ") + PythonQuote(a);
    f.content = fmt::format(
        "#!/usr/bin/env python3\n"
        "# ipc-grader: stands in for {} to see whether your test can tell\n"
        "# this program from a correct one.\n"
        "import os\n"
        "os.execv({}, [{}])\n",
        replace, PythonQuote(argv.empty() ? "" : argv[0]), list);
  } else {
    std::string cmd;
    for (const auto& a : argv) cmd += (cmd.empty() ? "" : " ") + ShellQuote(a);
    // `exec` keeps the pid, so the script's `$!` names the program itself.
    f.content = fmt::format(
        "#!/bin/sh\n"
        "# ipc-grader: stands in for {} to see whether your test can tell\n"
        "# this program from a correct one.\n"
        "exec {}\n",
        replace, cmd);
  }
  return f;
}

std::vector<protocol::FileOverlay> NoBuildTools() {
  std::vector<protocol::FileOverlay> tools;
  for (const char* tool : {"make", "gcc", "cc"}) {
    protocol::FileOverlay f;
    f.path = std::string(kNoBuildDir) + "/" + tool;
    f.mode = 0755;
    f.content = fmt::format(
        "#!/bin/sh\n"
        "echo \"ipc-grader: '{}' skipped: the program under test is a stand-in, not your build\" "
        ">&2\n"
        "exit 0\n",
        tool);
    tools.push_back(std::move(f));
  }
  return tools;
}

std::string NoBuildPath(const std::string& dir) {
  return dir + "/" + kNoBuildDir + ":" + kProbePath;
}

}  // namespace ipc::checks
