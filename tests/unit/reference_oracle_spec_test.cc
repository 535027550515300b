// reference/oracle_spec.h: the description of what the reference programs
// do, as argv (ToArgs, parsed back by ref-listener / ref-cat with
// ListenerFromArgs / CatFromArgs) and as stand-in sources (ListenerC,
// CatPython). Round trips are exact; the generated sources keep awkward
// text byte for byte, which the built reference tools are the oracle for.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <string>
#include <vector>

#include "reference/oracle_spec.h"
#include "unit/reference_assignments.h"
#include "unit/reference_process.h"

namespace ipc::reftest {
namespace {

using reference::CatSpec;
using reference::ListenerSpec;

const std::vector<std::string> kEnv = {"PATH=/usr/local/bin:/usr/bin:/bin", "LANG=C.UTF-8"};

ListenerSpec Awkward() {
  ListenerSpec s;
  // Colons, '=', '%' conversions, quotes, a backslash, a tab, UTF-8, and
  // the pid in the middle.
  s.start = "a:b=c 100% %s \"q\" 'q' \\n\tPID {pid}; caf\u00e9";
  s.handlers = {{SIGTERM, "x:y:z %d \"\\\" --handle=1:2:3", 255},
                {SIGHUP, "", 0},
                {SIGUSR2, "line\nbreak", 7}};
  return s;
}

// ---------------------------------------------------------------------------
// Arguments

TEST(ListenerArgs, TheFormatIsStartThenOneHandleEachInOrder) {
  ListenerSpec s;
  s.start = "Listener PID: {pid}";
  s.handlers = {{SIGINT, "SIGINT received!", 1}, {SIGUSR1, "SIGUSR1 received!", 0}};
  EXPECT_EQ(reference::ToArgs(s),
            (std::vector<std::string>{"--start=Listener PID: {pid}", "--handle=2:1:SIGINT received!",
                                      "--handle=10:0:SIGUSR1 received!"}));
  s.start.reset();
  s.handlers.clear();
  EXPECT_EQ(reference::ToArgs(s), std::vector<std::string>{"--no-start"});
}

TEST(ListenerArgs, RoundTripKeepsEveryField) {
  std::vector<ListenerSpec> specs = {Awkward(), ListenerSpec{}};
  for (const Assignment& a : Assignments()) {
    specs.push_back(std::get<ListenerSpec>(ListenerOf(a).spec));
  }
  ListenerSpec empty_start;
  empty_start.start = "";
  specs.push_back(empty_start);
  for (const auto& spec : specs) {
    std::string err;
    const auto back = reference::ListenerFromArgs(reference::ToArgs(spec), &err);
    ASSERT_TRUE(back.has_value()) << err;
    EXPECT_EQ(*back, spec);
    EXPECT_EQ(err, "");
  }
}

TEST(ListenerArgs, RefusesWhatItDoesNotKnowAndSaysWhy) {
  const auto error_of = [](std::vector<std::string> args) {
    std::string err;
    const auto spec = reference::ListenerFromArgs(args, &err);
    EXPECT_FALSE(spec.has_value());
    return err;
  };
  EXPECT_EQ(error_of({"--start=x", "--mutant=no-usr1"}), "unknown argument '--mutant=no-usr1'");
  EXPECT_EQ(error_of({"--handle=10:0:x"}),
            "say what the listener prints first: --start=TEXT or --no-start");
  EXPECT_EQ(error_of({}), "say what the listener prints first: --start=TEXT or --no-start");
  for (const char* bad : {"--handle=10:0", "--handle=10", "--handle=x:0:t", "--handle=0:0:t",
                          "--handle=65:0:t", "--handle=10::t", "--handle=:0:t",
                          "--handle=10:1234567890:t"}) {
    EXPECT_EQ(error_of({"--no-start", bad}),
              std::string("bad ") + bad + " (expected --handle=SIGNUM:EXITCODE:TEXT)");
  }
}

TEST(CatArgs, RoundTripKeepsEveryFieldAndPassesTheRestOnInOrder) {
  std::vector<CatSpec> specs;
  for (const Assignment& a : Assignments()) specs.push_back(std::get<CatSpec>(CatOf(a).spec));
  CatSpec all;
  all.folder = "it's a=b";
  all.refusal = "NO --folder=x";
  all.refuse_traversal = true;
  all.never_open = true;
  all.always_print = "LEAKED: a=b";
  specs.push_back(all);
  CatSpec empty_line{"f", "R", false, false, std::string()};
  specs.push_back(empty_line);
  for (const auto& spec : specs) {
    std::vector<std::string> args = reference::ToArgs(spec);
    args.insert(args.begin(), "--cases");
    args.push_back("--stdin-errors=strict");
    std::vector<std::string> rest;
    std::string err;
    const auto back = reference::CatFromArgs(args, &rest, &err);
    ASSERT_TRUE(back.has_value()) << err;
    EXPECT_EQ(*back, spec);
    EXPECT_EQ(rest, (std::vector<std::string>{"--cases", "--stdin-errors=strict"}));
  }
  EXPECT_EQ(reference::ToArgs(all),
            (std::vector<std::string>{"--folder=it's a=b", "--refusal=NO --folder=x",
                                      "--refuse-traversal", "--never-open",
                                      "--always-print=LEAKED: a=b"}));
}

TEST(CatArgs, AFolderAndARefusalAreRequired) {
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{}, {"--folder=litterbox"}, {"--refusal=MEOW"}}) {
    std::vector<std::string> rest;
    std::string err;
    EXPECT_FALSE(reference::CatFromArgs(args, &rest, &err).has_value());
    EXPECT_EQ(err, "say where and how the cat works: --folder=NAME and --refusal=WORD");
  }
}

TEST(Signals, NamesAsRubricsWriteThemAndBack) {
  for (const char* name : {"SIGUSR1", "USR1", "10"}) {
    EXPECT_EQ(reference::SignalFromName(name), SIGUSR1) << name;
  }
  EXPECT_EQ(reference::SignalFromName("SIGINT"), SIGINT);
  EXPECT_EQ(reference::SignalFromName("TERM"), SIGTERM);
  for (const char* bad : {"", "0", "65", "1000", "SIGFOO", "sigusr1", "SIG", "-2", "10x"}) {
    EXPECT_EQ(reference::SignalFromName(bad), std::nullopt) << bad;
  }
  EXPECT_EQ(reference::SignalName(SIGUSR2), "SIGUSR2");
  EXPECT_EQ(reference::SignalName(SIGHUP), "SIGHUP");
  for (int sig = 1; sig < 32; ++sig) {
    EXPECT_EQ(reference::SignalFromName(reference::SignalName(sig)), sig) << sig;
  }
}

// ---------------------------------------------------------------------------
// Stand-in sources

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

TEST(StandIns, NothingInThemNamesTheGraderAndTheSaltMakesEachOneDiffer) {
  const ListenerSpec listener = std::get<ListenerSpec>(ListenerOf(Assignments()[0]).spec);
  CatSpec cat = std::get<CatSpec>(CatOf(Assignments()[0]).spec);
  cat.refuse_traversal = true;
  for (const std::string& source :
       {reference::ListenerC(listener, "a1"), reference::CatPython(cat, "a1")}) {
    for (const char* word : {"ipc", "grader", "reference", "stand", "mutant", "ref-", "probe"}) {
      EXPECT_EQ(Lower(source).find(word), std::string::npos) << word << " in:\n" << source;
    }
    EXPECT_NE(source.find("a1"), std::string::npos);
  }
  EXPECT_NE(reference::ListenerC(listener, "a1"), reference::ListenerC(listener, "b2"));
  EXPECT_NE(reference::CatPython(cat, "a1"), reference::CatPython(cat, "b2"));
}

TEST(StandIns, TheSaltReachesTheBinary) {
  // A test script cannot recognise a built stand-in by its hash either.
  const ListenerSpec listener = std::get<ListenerSpec>(ListenerOf(Assignments()[0]).spec);
  TempDir dir;
  std::vector<std::string> binaries;
  for (const char* salt : {"a1", "b2"}) {
    const std::string c = dir / (std::string(salt) + ".c");
    WriteFile(c, reference::ListenerC(listener, salt));
    binaries.push_back(dir / salt);
    const Outcome gcc = RunToEnd({.argv = {"/usr/bin/gcc", "-o", binaries.back(), c}, .env = kEnv});
    ASSERT_EQ(gcc.Describe(), "exit 0") << gcc.err;
  }
  EXPECT_NE(ReadFile(binaries[0]), ReadFile(binaries[1]));
}

// Runs a listener, signals it once it listens, and returns its stdout (a
// pipe) with its status.
std::string SignalOnce(const std::vector<std::string>& argv, const ListenerSpec& spec, int sig) {
  Child child = Child::Start({.argv = argv, .env = kEnv});
  const std::string pid = std::to_string(child.pid());
  std::vector<int> handled;
  for (const auto& h : spec.handlers) handled.push_back(h.signal);
  const bool ready = WaitUntilPausedWithHandlers(child.pid(), handled, std::chrono::seconds(10));
  EXPECT_TRUE(ready) << argv[0];
  if (ready) kill(child.pid(), sig);
  const Outcome o = child.Finish(std::chrono::seconds(10));
  std::string out = o.out;
  if (const auto at = out.find(pid); at != std::string::npos) out.replace(at, pid.size(), "<PID>");
  return out + "|" + o.Describe();
}

TEST(StandIns, AListenerKeepsAwkwardTextByteForByteAsRefListenerDoes) {
  const ListenerSpec spec = Awkward();
  TempDir dir;
  WriteFile(dir / "listener.c", reference::ListenerC(spec, "s4lt"));
  const Outcome gcc = RunToEnd(
      {.argv = {"/usr/bin/gcc", "-Wall", "-o", dir / "listener", dir / "listener.c"}, .env = kEnv});
  ASSERT_EQ(gcc.Describe(), "exit 0") << gcc.err;
  EXPECT_EQ(gcc.err, "") << "the generated C compiles without a warning";
  std::vector<std::string> ref = reference::ToArgs(spec);
  ref.insert(ref.begin(), BinDir() + "/ref-listener");
  const std::string start = "a:b=c 100% %s \"q\" 'q' \\n\tPID <PID>; caf\u00e9\n";
  const std::pair<int, std::string> want[] = {
      {SIGTERM, start + "x:y:z %d \"\\\" --handle=1:2:3\n|exit 255"},
      {SIGHUP, start + "\n|exit 0"},
      {SIGUSR2, start + "line\nbreak\n|exit 7"},
      {SIGUSR1, "|signal 10"},  // not handled: the buffered start line is lost
  };
  for (const auto& [sig, expected] : want) {
    SCOPED_TRACE(reference::SignalName(sig));
    EXPECT_EQ(SignalOnce(ref, spec, sig), expected);
    EXPECT_EQ(SignalOnce({dir / "listener"}, spec, sig), expected);
  }
}

TEST(StandIns, ACatKeepsAwkwardTextByteForByteAsRefCatDoes) {
  const std::string python = PythonPath();
  std::vector<CatSpec> specs;
  CatSpec base{"it's \"the\" \\ box", "NO'PE\\ %s \"x\"", false, false, std::nullopt};
  specs.push_back(base);
  CatSpec refusing = base;
  refusing.refuse_traversal = true;
  specs.push_back(refusing);
  CatSpec never = base;
  never.never_open = true;
  specs.push_back(never);
  CatSpec always = base;
  always.always_print = "LEAKED: 'a' \"b\" \\ \t caf\u00e9";
  specs.push_back(always);
  for (const CatSpec& spec : specs) {
    TempDir dir;
    ASSERT_EQ(mkdir((dir / spec.folder).c_str(), 0755), 0);
    WriteFile(dir / (spec.folder + "/t.txt"), "inside");
    WriteFile(dir / "secret.txt", "outside");
    WriteFile(dir / "cat.py", reference::CatPython(spec, "s4lt"));
    std::vector<std::string> ref = reference::ToArgs(spec);
    ref.insert(ref.begin(), BinDir() + "/ref-cat");
    for (const char* input : {"t.txt", "../secret.txt", "nope", ""}) {
      SCOPED_TRACE(reference::ToArgs(spec).back() + " <<< " + input);
      const Outcome want =
          Child::Start({.argv = ref, .env = kEnv, .cwd = dir.path(), .stdin_data = input}).Finish();
      const Outcome got = Child::Start({.argv = {python, "cat.py"}, .env = kEnv,
                                        .cwd = dir.path(), .stdin_data = input})
                              .Finish();
      EXPECT_EQ(got.out, want.out) << got.err;
      EXPECT_EQ(got.Describe(), want.Describe());
      EXPECT_NE(want.out, "");
    }
  }
}

}  // namespace
}  // namespace ipc::reftest
