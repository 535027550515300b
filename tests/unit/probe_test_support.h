// Shared pieces of the probe's host tests: a private temp directory, C
// helper programs compiled on the fly, and one-call step runners. Helpers
// are compiled through the probe's own RunStep: the probe's reaper waits for
// every child of the test process, so system()/popen() would lose their
// exit status to it.
#pragma once

#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "probe/proc.h"
#include "probe/step_runner.h"
#include "protocol/probe_protocol.h"

namespace ipc::probe::testing {

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "ipc-probe-test-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& leaf) const { return path_ + "/" + leaf; }

 private:
  std::string path_;
};

inline void WriteFile(const std::string& path, const std::string& data) {
  std::ofstream(path, std::ios::binary) << data;
}

// The test process adopts orphans like the probe does as PID 1, so that
// setsid daemons stay visible (and killable) as its descendants.
inline void BecomeSubreaper() { ::prctl(PR_SET_CHILD_SUBREAPER, 1); }

// What RunStep needs besides the step: the step's directory, the probe's
// private one, and (for traced steps) the probe binary the test target
// was built with.
inline StepEnv Env(const std::string& dir, const std::string& private_dir) {
  StepEnv env;
  env.spawn = SpawnContext{dir, private_dir};
#ifdef IPC_PROBE_PATH
  env.probe_path = IPC_PROBE_PATH;
#endif
  return env;
}

inline protocol::StepResult Run(const protocol::ProcessSpec& spec, const std::string& dir,
                                const std::string& private_dir) {
  protocol::Step step;
  step.id = "t";
  step.process = spec;
  return RunStep(step, Env(dir, private_dir));
}

inline protocol::ProcessSpec Spec(std::vector<std::string> argv,
                                  protocol::StdoutMode mode = protocol::StdoutMode::kPipe) {
  protocol::ProcessSpec s;
  s.argv = std::move(argv);
  s.stdout_mode = mode;
  s.timeout_s = 60;
  return s;
}

// Compiles `source` (C) into dir/name; returns the binary's path.
inline std::string CompileC(const TempDir& dir, const std::string& name,
                            const std::string& source) {
  WriteFile(dir / (name + ".c"), source);
  auto r = Run(Spec({"gcc", "-O0", "-o", dir / name, dir / (name + ".c")}), dir.path(), dir.path());
  EXPECT_EQ(r.process.exit_code, 0) << r.process.error << r.process.stderr_data;
  return dir / name;
}

// A shell snippet that starts `sleep SECONDS` as a daemon in its own session
// and prints its pid once it really is in that session: setsid(1) runs in
// the parent's process group until it calls setsid(), so a killpg at the end
// of the step could otherwise still catch it. The fifo read makes the
// snippet wait for that. `redirect` applies to the daemon ("" keeps the
// step's stdout open in it).
inline std::string StartDaemon(const std::string& seconds, const std::string& redirect) {
  return "mkfifo daemon.fifo; setsid sh -c 'echo $$ > daemon.fifo; exec sleep " + seconds + "' " +
         redirect + " & cat daemon.fifo; rm -f daemon.fifo";
}

// Running or sleeping (not gone, not a zombie).
inline bool Alive(pid_t pid) {
  auto st = ReadProcStatus(pid);
  return st && st->state != 'Z' && st->state != 'X';
}

}  // namespace ipc::probe::testing
