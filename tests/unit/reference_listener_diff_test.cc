// Differential test of the listener, for the project and both variants:
// ref-listener configured by the assignment's rubric (its `programs:`
// listener, as the grader passes it), the listener.c the assignment's text
// has students write (the seed, or the variant's model solution) built by
// gcc as the assignment's Makefile builds it, and the stand-in the grader
// generates from the same description (oracle_yaml.h MakeStandIn) built by
// the rubric's own build command: side by side, for each signal and each
// kind of stdout. Readiness is observed, never slept for: the handlers must
// be installed (SigCgt) and the process asleep in pause().
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>

#include "unit/reference_assignments.h"
#include "unit/reference_process.h"

namespace ipc::reftest {
namespace {

// Where the listener's stdout goes decides stdio's buffering: a pipe or a
// file is fully buffered (nothing is written before exit), a terminal is
// line buffered (each line is written at once).
enum class Sink { kPipe, kFile, kPty };

std::string SinkName(Sink s) {
  switch (s) {
    case Sink::kPipe: return "Pipe";
    case Sink::kFile: return "File";
    case Sink::kPty: return "Pty";
  }
  return "?";
}

void PrintTo(Sink s, std::ostream* os) { *os << SinkName(s); }

using ListenerCase = std::tuple<Assignment, int, Sink>;

struct Observation {
  std::string stdout_text;  // with the PID replaced by <PID>
  std::string status;       // Outcome::Describe()
};

// The path of `name` on a plain PATH (Child::Start does not search PATH).
std::string Which(const std::string& name) {
  if (name.find('/') != std::string::npos) return name;
  for (const char* dir : {"/usr/local/bin", "/usr/bin", "/bin"}) {
    const std::string path = std::string(dir) + "/" + name;
    if (access(path.c_str(), X_OK) == 0) return path;
  }
  return name;
}

// The three listeners of an assignment, built once for the suite.
struct Built {
  std::string written;   // the text's listener.c, `gcc -o listener listener.c`
  std::string stand_in;  // the grader's stand-in, built by the rubric's command
};

class ListenerDiffTest : public ::testing::TestWithParam<ListenerCase> {
 protected:
  static void SetUpTestSuite() { build_dir_ = std::make_unique<TempDir>(); }
  static void TearDownTestSuite() {
    built_.clear();
    build_dir_.reset();
  }

  // The case's assignment's two compiled listeners, built on first use
  // (ctest runs every case in a process of its own).
  static void Build(const Assignment& a, Built* b) {
    const reference::Program& program = ListenerOf(a);
    // As the assignment's Makefile builds it.
    b->written = *build_dir_ / ("written-" + a.id);
    const Outcome gcc = RunToEnd(
        {.argv = {"/usr/bin/gcc", "-o", b->written, SourceDir() + "/" + a.listener_c},
         .env = {"PATH=/usr/local/bin:/usr/bin:/bin"}});
    ASSERT_EQ(gcc.Describe(), "exit 0") << a.listener_c << ":\n" << gcc.err;
    // As the grader writes and builds a stand-in: the source over the
    // program's, then the rubric's build command in that folder.
    const std::string dir = *build_dir_ / ("stand-in-" + a.id);
    ASSERT_EQ(mkdir(dir.c_str(), 0755), 0);
    const reference::StandIn s = reference::MakeStandIn(program, program.spec, "s4lt");
    ASSERT_EQ(s.path, program.source);
    WriteFile(dir + "/" + s.path, s.content);
    std::vector<std::string> build = s.build;
    ASSERT_FALSE(build.empty());
    build[0] = Which(build[0]);
    const Outcome made =
        RunToEnd({.argv = build, .env = {"PATH=/usr/local/bin:/usr/bin:/bin"}, .cwd = dir});
    ASSERT_EQ(made.Describe(), "exit 0") << s.content << made.err;
    b->stand_in = dir + "/" + program.binary;
  }

  const Built& BuiltFor(const Assignment& a) {
    if (!built_.count(a.id)) {
      Built b;
      Build(a, &b);
      built_[a.id] = b;
    }
    return built_.at(a.id);
  }

  // Runs `argv`, waits until it listens, sends the case's signal, and
  // returns what it printed and how it ended.
  Observation Observe(const std::vector<std::string>& argv, const TempDir& dir) {
    const auto& [assignment, signal, sink] = GetParam();
    const auto& spec = std::get<reference::ListenerSpec>(ListenerOf(assignment).spec);
    SpawnOptions options{.argv = argv, .env = {"PATH=/usr/bin:/bin"}, .cwd = dir.path()};
    int our_end = -1;     // what we read the output from (file, pty master)
    int child_end = -1;   // what the child writes to; closed here after start
    std::string log_path;
    if (sink == Sink::kFile) {
      log_path = dir / "output.log";
      child_end = open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
      EXPECT_GE(child_end, 0) << log_path << ": " << std::strerror(errno);
    } else if (sink == Sink::kPty) {
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
    std::vector<int> handled;
    for (const auto& h : spec.handlers) handled.push_back(h.signal);
    const bool ready = WaitUntilPausedWithHandlers(pid, handled, std::chrono::seconds(10));
    EXPECT_TRUE(ready) << argv[0] << " never blocked in pause() with the rubric's handlers";
    if (ready) {
      EXPECT_EQ(kill(pid, signal), 0) << std::strerror(errno);
    }
    const Outcome outcome = child.Finish(std::chrono::seconds(10));

    std::string text = outcome.out;
    if (sink == Sink::kFile) text = ReadFile(log_path);
    if (sink == Sink::kPty) {
      // Once the slave is closed everywhere, the master returns what is
      // queued and then EIO.
      char buf[4096];
      ssize_t n;
      while ((n = read(our_end, buf, sizeof buf)) > 0) text.append(buf, static_cast<std::size_t>(n));
      close(our_end);
    }

    // The printed PID must be the real one; then it is masked for comparing.
    const std::string label = spec.start->substr(0, spec.start->find("{pid}"));
    if (const auto at = text.find(label); at != std::string::npos) {
      const auto digits = at + label.size();
      const auto end = text.find_first_not_of("-0123456789", digits);
      EXPECT_EQ(text.substr(digits, end - digits), std::to_string(pid)) << argv[0];
      text.replace(digits, end - digits, "<PID>");
    }
    return {text, outcome.Describe()};
  }

  static std::unique_ptr<TempDir> build_dir_;
  static std::map<std::string, Built> built_;
};

std::unique_ptr<TempDir> ListenerDiffTest::build_dir_;
std::map<std::string, Built> ListenerDiffTest::built_;

TEST_P(ListenerDiffTest, ConfiguredRefListenerTheTextsProgramAndTheStandInAgree) {
  const auto& [assignment, signal, sink] = GetParam();
  const reference::Program& program = ListenerOf(assignment);
  ASSERT_TRUE(std::get<reference::ListenerSpec>(program.spec).start.has_value());
  const Built& built = BuiltFor(assignment);
  if (HasFatalFailure()) return;
  TempDir written_dir, ref_dir, stand_in_dir;
  const Observation written = Observe({built.written}, written_dir);
  const Observation ref = Observe(ReferenceCommand(program.spec), ref_dir);
  const Observation stand_in = Observe({built.stand_in}, stand_in_dir);

  EXPECT_EQ(ref.stdout_text, written.stdout_text);
  EXPECT_EQ(ref.status, written.status);
  EXPECT_EQ(stand_in.stdout_text, written.stdout_text) << "the stand-in";
  EXPECT_EQ(stand_in.status, written.status) << "the stand-in";

  // What the assignment's text requires, stated independently of the
  // programs and of the rubric.
  bool caught = false;
  for (const auto& h : assignment.text_says) {
    if (h.signal != signal) continue;
    caught = true;
    EXPECT_EQ(written.status, "exit " + std::to_string(h.exit_code));
    EXPECT_NE(written.stdout_text.find(h.prints), std::string::npos) << written.stdout_text;
  }
  if (!caught) {
    EXPECT_EQ(written.status, "signal " + std::to_string(signal));
  }
  const bool line_buffered = sink == Sink::kPty;
  // Fully buffered output dies with a process killed by a default action.
  EXPECT_EQ(written.stdout_text.find("Listener PID: <PID>") != std::string::npos,
            caught || line_buffered)
      << written.stdout_text;
}

INSTANTIATE_TEST_SUITE_P(
    Reference, ListenerDiffTest,
    ::testing::Combine(::testing::ValuesIn(Assignments()),
                       ::testing::Values(SIGINT, SIGUSR1, SIGUSR2, SIGTERM, SIGHUP),
                       ::testing::Values(Sink::kPipe, Sink::kFile, Sink::kPty)),
    [](const ::testing::TestParamInfo<ListenerCase>& p) {
      return std::get<0>(p.param).id + "_" + sigabbrev_np(std::get<1>(p.param)) + "To" +
             SinkName(std::get<2>(p.param));
    });

}  // namespace
}  // namespace ipc::reftest
