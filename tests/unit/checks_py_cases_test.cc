// The stdin_cases check's in-process runner (checks/py_cases.h) against the
// real thing: every script below is run on each input both through the
// runner and as its own `python3 SCRIPT` process, and the two must agree on
// exit status, signal, timeout and stdout (and stderr, tracebacks included).
// The scripts are the cases in-process running gets wrong if done naively:
// state left behind, exits of every kind, forks, threads, atexit, leftovers.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <filesystem>
#include <string>
#include <vector>

#include "checks/py_cases.h"
#include "case_batch_support.h"
#include "protocol/case_batch.h"
#include "reference_process.h"

namespace ipc::checks {
namespace {

using reftest::Child;

constexpr std::size_t kCap = 4096;  // bytes kept per stream of a case
const std::vector<std::string> kEnv = {"PATH=/usr/local/bin:/usr/bin:/bin", "LANG=C.UTF-8"};

class PyCasesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directory(dir_ / "litterbox");
    reftest::WriteFile(dir_ / "secret.txt", "Hey! This is a secret!");
  }
  // Writes `source` as script.py; returns its path.
  std::string Script(const std::string& source) {
    const std::string path = dir_ / "script.py";
    reftest::WriteFile(path, source);
    return path;
  }
  // Each input through the runner, as PyCasesResults gives them back.
  std::vector<protocol::ProcessResult> Runner(const std::string& script,
                                              const std::vector<std::string>& inputs,
                                              double timeout_s = 10) {
    const auto argv = PyCasesArgv({reftest::PythonPath(), script});
    EXPECT_TRUE(argv.has_value());
    return testing::RunCaseBatch({.argv = argv.value_or(std::vector<std::string>{}), .env = kEnv,
                                  .cwd = dir_.path()},
                                 inputs, timeout_s, kCap);
  }
  // The same inputs, each as its own `python3 SCRIPT`, compared.
  void ExpectSameAsFresh(const std::string& source, const std::vector<std::string>& inputs,
                         bool compare_stderr = true) {
    const std::string script = Script(source);
    const auto got = Runner(script, inputs);
    ASSERT_EQ(got.size(), inputs.size());
    for (std::size_t i = 0; i < inputs.size(); ++i) {
      const reftest::Outcome want =
          Child::Start({.argv = {reftest::PythonPath(), script}, .env = kEnv,
                        .cwd = dir_.path(), .stdin_data = inputs[i]})
              .Finish();
      SCOPED_TRACE("input " + std::to_string(i) + " '" + inputs[i] + "', fresh: " +
                   want.Describe());
      EXPECT_TRUE(got[i].started) << got[i].error;
      if (WIFEXITED(want.status)) {
        EXPECT_EQ(got[i].exit_code, WEXITSTATUS(want.status));
        EXPECT_FALSE(got[i].term_signal.has_value());
      } else {
        EXPECT_EQ(got[i].term_signal, WTERMSIG(want.status));
      }
      EXPECT_EQ(got[i].stdout_data, want.out.substr(0, kCap));
      EXPECT_EQ(got[i].stdout_bytes, want.out.size());
      if (compare_stderr) {
        EXPECT_EQ(got[i].stderr_data, want.err.substr(0, kCap));
        EXPECT_EQ(got[i].stderr_bytes, want.err.size());
      }
    }
  }
  reftest::TempDir dir_;
};

TEST_F(PyCasesTest, TheAssignmentsCatOnCraftedInputs) {
  reftest::WriteFile(dir_ / "litterbox/treasure.txt", "Treasure found!");
  reftest::WriteFile(dir_ / "litterbox/binary.bin", std::string("\xff\xfe\x00\x01", 4));
  ExpectSameAsFresh(reftest::ReadFile(reftest::SourceDir() + "/reference/solution/cat.py"),
                    {"treasure.txt", "../secret.txt", "", "nope", "binary.bin",
                     std::string("trea\0sure", 9), "\xff\xfe\n", "  treasure.txt \t\n"});
}

TEST_F(PyCasesTest, EveryKindOfExit) {
  ExpectSameAsFresh(R"(import os, sys
how = sys.stdin.read().strip()
print("before", how)
if how == "code": sys.exit(3)
if how == "text": sys.exit("a message")
if how == "none": sys.exit()
if how == "wrap": exit(256 + 5)
if how == "raise": raise ValueError("bad input")
if how == "chained":
    try:
        1 / 0
    except ZeroDivisionError:
        raise KeyError("while handling")
if how == "os-exit":
    sys.stdout.flush()
    os._exit(7)
if how == "signal":
    sys.stdout.flush()
    os.kill(os.getpid(), 15)
if how == "decode": print(sys.stdin.buffer.read())
)",
                    {"code", "text", "none", "wrap", "raise", "chained", "os-exit", "signal",
                     "plain"});
}

TEST_F(PyCasesTest, NoCaseSeesWhatAnEarlierOneChanged) {
  reftest::WriteFile(dir_ / "helper.py", "counter = []\n");
  ExpectSameAsFresh(R"(import os, sys, signal, helper
helper.counter.append(1)
print(os.environ.get("MARK"), os.getcwd(), len(helper.counter), sys.argv[1:],
      sys.path[0] == os.path.dirname(os.path.abspath(__file__)), __name__,
      signal.getsignal(signal.SIGTERM), sys.getrecursionlimit(), "csv" in sys.modules)
os.environ["MARK"] = "set"
os.chdir("/")
sys.path.insert(0, "/nowhere")
signal.signal(signal.SIGTERM, signal.SIG_IGN)
sys.setrecursionlimit(500)
import csv
sys.stdin.close()
)",
                    {"a", "b", "c"});
}

TEST_F(PyCasesTest, WaysOfReadingStdinAndWritingOutput) {
  ExpectSameAsFresh(R"(import os, sys
first = input()
rest = os.read(0, 100)
print(first[::-1], rest)
sys.stdout.write("no newline")
os.write(1, b"[raw fd]")
print("to stderr", file=sys.stderr)
print("x" * 10000)
)",
                    {"abc\ndef\n", "one line", "\xe9t\xe9\nmore"}, /*compare_stderr=*/true);
}

TEST_F(PyCasesTest, ForksThreadsAtexitAndLeftoverChildren) {
  ExpectSameAsFresh(R"(import atexit, os, subprocess, sys, threading
how = sys.stdin.read().strip()
if how == "fork":
    pid = os.fork()
    if pid == 0:
        print("child")
        sys.exit(4)
    _, status = os.waitpid(pid, 0)
    print("parent saw", os.waitstatus_to_exitcode(status))
if how == "atexit":
    atexit.register(lambda: print("bye from atexit"))
if how == "thread":
    t = threading.Thread(target=lambda: print("from a thread"))
    t.start()
if how == "shell":
    os.system("echo from a shell")
print("end", how)
)",
                    {"fork", "atexit", "thread", "shell", "plain"});
}

// A case can reach the runner itself: rebind what the standard modules hold
// (which the next case would see), or find the worker's pipe and write on it.
TEST_F(PyCasesTest, ACaseThatTampersWithTheRunnerIsRunAgainOnItsOwn) {
  ExpectSameAsFresh(R"(import json, os, stat, sys
how = sys.stdin.read()
print(how, os.getcwd() == os.path.abspath("."), json.dumps([1]))
if how == "patch":
    os.getcwd = lambda: "/patched"
    json.dumps = lambda *a, **k: "patched"
    os.write = lambda fd, data: len(data)
if how == "garble":
    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        try:
            if fd > 2 and stat.S_ISFIFO(os.fstat(fd).st_mode):
                os.write(fd, b"not a record\n")
        except OSError:
            pass
)",
                    {"plain", "patch", "after-patch", "garble", "after-garble"});
}

TEST_F(PyCasesTest, ACaseThatRunsPastItsTimeoutIsTimedOutAndTheNextStillRuns) {
  const auto got = Runner(Script(R"(import sys
if sys.stdin.read() == "hang":
    print("hanging", flush=True)
    while True:
        pass
print("fine")
)"),
                          {"hang", "ok"}, /*timeout_s=*/0.5);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_TRUE(got[0].timed_out);
  EXPECT_EQ(got[0].stdout_data, "hanging\n");
  EXPECT_FALSE(got[1].timed_out);
  EXPECT_EQ(got[1].exit_code, 0);
  EXPECT_EQ(got[1].stdout_data, "fine\n");
}

TEST_F(PyCasesTest, OutputBeyondTheCapIsCountedNotKept) {
  const auto got = Runner(Script("print('y' * 100000)\n"), {"", ""});
  for (const auto& r : got) {
    EXPECT_EQ(r.stdout_data, std::string(4096, 'y'));
    EXPECT_EQ(r.stdout_bytes, 100001u);
  }
}

TEST(PyCasesArgv, OnlyPythonWithAScript) {
  EXPECT_TRUE(PyCasesArgv({"python", "cat.py"}));
  EXPECT_TRUE(PyCasesArgv({"python3", "{dir}/cat.py"}));
  EXPECT_TRUE(PyCasesArgv({"/usr/bin/python3.11", "cat.py"}));
  EXPECT_FALSE(PyCasesArgv({"python", "-c", "print(1)"}));
  EXPECT_FALSE(PyCasesArgv({"python", "cat.py", "extra"}));
  EXPECT_FALSE(PyCasesArgv({"./cat.py"}));
  EXPECT_FALSE(PyCasesArgv({"pythonista", "cat.py"}));
  // The probe replaces "{dir}" in every argument: the source must not hold it.
  EXPECT_EQ(PyCasesHarness().find("{dir}"), std::string_view::npos);
  // Its records carry the tag the decoder looks for.
  EXPECT_NE(PyCasesHarness().find("TAG = \"" + std::string(protocol::kBatchTag) + "\""),
            std::string_view::npos);
}

TEST(BatchResults, MissingRecordsAreNamedWithWhatTheRunnerShowed) {
  protocol::ProcessResult one;
  one.started = true;
  one.exit_code = 0;
  one.stdout_data = "MEOW\n";
  one.stdout_bytes = 5;
  protocol::ProcessResult runner;
  runner.started = true;
  runner.term_signal = SIGKILL;
  runner.stderr_data = "Killed";
  runner.stdout_data = "noise\n" + protocol::BatchRecord(0, one, "fake") + "IPC-CASE {not json\n";
  std::string why;
  const auto got = protocol::BatchResults(runner, 2, &why);
  ASSERT_TRUE(got[0].has_value());
  EXPECT_EQ(*got[0], one);
  EXPECT_FALSE(got[1].has_value());
  EXPECT_NE(why.find("reported 1 of 2 cases"), std::string::npos) << why;
  EXPECT_NE(why.find("killed by signal 9"), std::string::npos) << why;
  EXPECT_NE(why.find("unreadable record"), std::string::npos) << why;
  EXPECT_NE(why.find("Killed"), std::string::npos) << why;
}

}  // namespace
}  // namespace ipc::checks
