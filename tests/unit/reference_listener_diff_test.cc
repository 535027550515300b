// Differential test: the seed listener.c built by gcc (as the assignment's
// Makefile builds it) against ref-listener, side by side, for each signal and
// each kind of stdout. Readiness is observed, never slept for: the handlers
// must be installed (SigCgt) and the process asleep in pause().
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "unit/reference_process.h"

namespace ipc::reftest {
namespace {

// Where the listener's stdout goes decides stdio's buffering: a pipe or a
// file is fully buffered (nothing is written before exit), a terminal is
// line buffered (each line is written at once).
enum class Sink { kPipe, kFile, kPty };

struct ListenerCase {
  int signal;
  Sink sink;
};

std::string SinkName(Sink s) {
  switch (s) {
    case Sink::kPipe: return "Pipe";
    case Sink::kFile: return "File";
    case Sink::kPty: return "Pty";
  }
  return "?";
}

void PrintTo(const ListenerCase& c, std::ostream* os) {
  *os << "SIG" << sigabbrev_np(c.signal) << " to " << SinkName(c.sink);
}

struct Observation {
  std::string stdout_text;  // with the PID replaced by <PID>
  std::string status;       // Outcome::Describe()
};

class ListenerDiffTest : public ::testing::TestWithParam<ListenerCase> {
 protected:
  // One gcc build of the seed for the whole suite.
  static void SetUpTestSuite() {
    build_dir_ = std::make_unique<TempDir>();
    seed_binary_ = *build_dir_ / "listener";
    const std::string source = SourceDir() + "/reference/seed/listener.c";
    const Outcome gcc = RunToEnd({.argv = {"/usr/bin/gcc", "-o", seed_binary_, source},
                             .env = {"PATH=/usr/local/bin:/usr/bin:/bin"}});
    ASSERT_EQ(gcc.Describe(), "exit 0") << "gcc -o listener listener.c failed:\n" << gcc.err;
  }
  static void TearDownTestSuite() { build_dir_.reset(); }

  // Runs `binary`, waits until it listens, sends the case's signal, and
  // returns what it printed and how it ended.
  Observation Observe(const std::string& binary, const TempDir& dir) {
    const ListenerCase& c = GetParam();
    SpawnOptions options{.argv = {binary}, .env = {"PATH=/usr/bin:/bin"}, .cwd = dir.path()};
    int our_end = -1;     // what we read the output from (file, pty master)
    int child_end = -1;   // what the child writes to; closed here after start
    std::string log_path;
    if (c.sink == Sink::kFile) {
      log_path = dir / "output.log";
      child_end = open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
      EXPECT_GE(child_end, 0) << log_path << ": " << std::strerror(errno);
    } else if (c.sink == Sink::kPty) {
      our_end = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
      EXPECT_GE(our_end, 0) << "posix_openpt: " << std::strerror(errno);
      EXPECT_EQ(grantpt(our_end), 0);
      EXPECT_EQ(unlockpt(our_end), 0);
      child_end = open(ptsname(our_end), O_RDWR | O_NOCTTY | O_CLOEXEC);
      EXPECT_GE(child_end, 0) << "pty slave: " << std::strerror(errno);
    }
    options.stdout_fd = child_end;

    Child child = Child::Start(options);
    if (child_end >= 0) close(child_end);  // the child holds its own copy
    const pid_t pid = child.pid();
    const bool ready = WaitUntilPausedWithHandlers(pid, {SIGINT, SIGUSR1}, std::chrono::seconds(10));
    EXPECT_TRUE(ready) << binary << " never blocked in pause() with SIGINT and SIGUSR1 handlers";
    if (ready) {
      EXPECT_EQ(kill(pid, c.signal), 0) << std::strerror(errno);
    }
    const Outcome outcome = child.Finish(std::chrono::seconds(10));

    std::string text = outcome.out;
    if (c.sink == Sink::kFile) text = ReadFile(log_path);
    if (c.sink == Sink::kPty) {
      // Once the slave is closed everywhere, the master returns what is
      // queued and then EIO.
      char buf[4096];
      ssize_t n;
      while ((n = read(our_end, buf, sizeof buf)) > 0) text.append(buf, static_cast<std::size_t>(n));
      close(our_end);
    }

    // The printed PID must be the real one; then it is masked for comparing.
    static constexpr std::string_view kPidLabel = "Listener PID: ";
    if (const auto at = text.find(kPidLabel); at != std::string::npos) {
      const auto digits = at + kPidLabel.size();
      const auto end = text.find_first_not_of("-0123456789", digits);
      EXPECT_EQ(text.substr(digits, end - digits), std::to_string(pid)) << binary;
      text.replace(digits, end - digits, "<PID>");
    }
    return {text, outcome.Describe()};
  }

  static std::unique_ptr<TempDir> build_dir_;
  static std::string seed_binary_;
};

std::unique_ptr<TempDir> ListenerDiffTest::build_dir_;
std::string ListenerDiffTest::seed_binary_;

TEST_P(ListenerDiffTest, SameOutputAndEndAsTheCProgram) {
  const ListenerCase& c = GetParam();
  const std::string ref = BinDir() + "/ref-listener";
  TempDir seed_dir, ref_dir;
  const Observation seed = Observe(seed_binary_, seed_dir);
  const Observation mine = Observe(ref, ref_dir);

  EXPECT_EQ(mine.stdout_text, seed.stdout_text);
  EXPECT_EQ(mine.status, seed.status);

  // What the assignment requires of both, stated independently of either.
  const bool caught = c.signal == SIGINT || c.signal == SIGUSR1;
  if (c.signal == SIGINT) {
    EXPECT_EQ(seed.status, "exit 1");
  }
  if (c.signal == SIGUSR1) {
    EXPECT_EQ(seed.status, "exit 0");
  }
  if (!caught) {
    EXPECT_EQ(seed.status, "signal " + std::to_string(c.signal));
  }
  const bool line_buffered = c.sink == Sink::kPty;
  // Fully buffered output dies with a process killed by a default action.
  EXPECT_EQ(seed.stdout_text.find("Listener PID: <PID>") != std::string::npos, caught || line_buffered)
      << seed.stdout_text;
  if (c.signal == SIGINT) {
    EXPECT_NE(seed.stdout_text.find("SIGINT received!"), std::string::npos);
  }
  if (c.signal == SIGUSR1) {
    EXPECT_NE(seed.stdout_text.find("SIGUSR1 received!"), std::string::npos);
  }
}

std::vector<ListenerCase> ListenerCases() {
  std::vector<ListenerCase> cases;
  for (int sig : {SIGINT, SIGUSR1, SIGTERM, SIGUSR2, SIGHUP}) {
    for (Sink sink : {Sink::kPipe, Sink::kFile, Sink::kPty}) cases.push_back({sig, sink});
  }
  return cases;
}

INSTANTIATE_TEST_SUITE_P(Reference, ListenerDiffTest, ::testing::ValuesIn(ListenerCases()),
                         [](const ::testing::TestParamInfo<ListenerCase>& p) {
                           return std::string(sigabbrev_np(p.param.signal)) + "To" + SinkName(p.param.sink);
                         });

}  // namespace
}  // namespace ipc::reftest
