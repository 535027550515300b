// Run one local program to completion: argv, bytes on stdin, capped
// stdout/stderr, a deadline. The only place that spawns processes; it keeps
// Boost.Process (7 s to compile) inside process.cc.
//
// The child gets: stdin/stdout/stderr as pipes owned here, every other
// inherited descriptor closed at exec, its own process group, an empty
// signal mask and default dispositions. The parent reads both outputs and
// feeds stdin from one poll() loop, so a child that floods its output and
// never reads its input cannot deadlock either side.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace ipc::container {

struct ProcessOptions {
  std::vector<std::string> argv;  // argv[0] is looked up on PATH if it has no '/'
  std::string stdin_data;         // written, then stdin is closed (EOF)
  std::uint64_t output_cap = 1u << 20;  // bytes kept per stream; rest counted
  // At the deadline the whole process group gets SIGKILL. When the child
  // exits, what is left of its group is killed too (it would hold the pipes
  // open); a process that left the group (setsid) is only waited for until
  // the deadline.
  std::chrono::milliseconds deadline{std::chrono::seconds(60)};
  // Added to (or replacing entries of) the inherited environment.
  std::map<std::string, std::string> env;
};

struct ProcessResult {
  bool spawned = false;
  std::string spawn_error;        // why it could not start (spawned == false)
  std::optional<int> exit_code;   // normal exit
  std::optional<int> term_signal; // killed by this signal
  bool deadline_hit = false;      // the child was still running at the deadline; killed
  std::string stdout_data;        // first output_cap bytes
  std::string stderr_data;
  std::uint64_t stdout_bytes = 0; // everything produced, kept or not
  std::uint64_t stderr_bytes = 0;
  double wall_s = 0;

  bool Succeeded() const { return exit_code && *exit_code == 0; }
  // "exit 3", "signal 9", "deadline", "not started: ..." for messages.
  std::string Describe() const;
};

// Never throws for the child's behaviour; a spawn failure is reported in
// the result. Blocks the calling thread until the child is reaped.
ProcessResult RunProcess(const ProcessOptions& options);

// Absolute path of `name` on PATH, or "" when there is none.
std::string FindOnPath(const std::string& name);

}  // namespace ipc::container
