// The rubrics' mutants: the faulty programs a student's own test scripts
// must catch (test_adequacy). For the project and both variants, every
// mutant of the rubric's `mutants:` is run twice, as the reference tool
// configured for it and as the stand-in the grader writes over the
// student's program; the two agree, and each differs from the correct
// program exactly where its description says and nowhere else.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <string>
#include <vector>

#include "rubric_text.h"
#include "reference/oracle_spec.h"
#include "reference/oracle_yaml.h"
#include "unit/reference_assignments.h"
#include "unit/reference_process.h"

namespace ipc::reftest {
namespace {

using reference::CatSpec;
using reference::ListenerSpec;
using reference::Mutant;
using reference::Program;

const std::vector<std::string> kEnv = {"PATH=/usr/local/bin:/usr/bin:/bin", "LANG=C.UTF-8"};

std::string Which(const std::string& name) {
  for (const char* dir : {"/usr/local/bin", "/usr/bin", "/bin"}) {
    const std::string path = std::string(dir) + "/" + name;
    if (access(path.c_str(), X_OK) == 0) return path;
  }
  return name;
}

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// ---------------------------------------------------------------------------
// Listener mutants

struct Ended {
  std::string out;     // stdout through a pipe, the pid masked as <PID>
  std::string status;  // "exit 1", "signal 10"
  bool operator==(const Ended&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Ended& e) {
  return os << e.status << " after printing '" << e.out << "'";
}

// Starts `argv`, waits until it blocks in pause() with the handlers of
// `spec`, sends `sig`, and says how it ended.
Ended SignalOnce(const std::vector<std::string>& argv, const ListenerSpec& spec, int sig) {
  Child child = Child::Start({.argv = argv, .env = kEnv});
  const std::string pid = std::to_string(child.pid());
  std::vector<int> handled;
  for (const auto& h : spec.handlers) handled.push_back(h.signal);
  const bool ready = WaitUntilPausedWithHandlers(child.pid(), handled, std::chrono::seconds(10));
  EXPECT_TRUE(ready) << argv[0] << " never listened";
  if (ready) kill(child.pid(), sig);
  const Outcome o = child.Finish(std::chrono::seconds(10));
  std::string out = o.out;
  for (std::size_t at; (at = out.find(pid)) != std::string::npos;) out.replace(at, pid.size(), "<PID>");
  return {out, o.Describe()};
}

// A listener stand-in built as the grader builds it: the rubric's build
// command over the generated source, in a folder of its own.
std::string BuildListener(const TempDir& dir, const Program& program,
                          const reference::ProgramSpec& spec, const std::string& salt) {
  const reference::StandIn s = reference::MakeStandIn(program, spec, salt);
  WriteFile(dir / s.path, s.content);
  std::vector<std::string> build = s.build;
  build[0] = Which(build[0]);
  const Outcome made = RunToEnd({.argv = build, .env = kEnv, .cwd = dir.path()});
  EXPECT_EQ(made.Describe(), "exit 0") << s.content << made.err;
  return dir / program.binary;
}

void CheckListenerMutant(const Program& program, const Mutant& m) {
  const auto& base = std::get<ListenerSpec>(program.spec);
  const auto& broken = std::get<ListenerSpec>(m.spec);
  // This rubric's listener mutants remove a handler; other changes are
  // covered by EveryKindOfChangeBehavesAsDecoded below.
  std::vector<int> removed;
  for (const auto& h : base.handlers) {
    const bool kept = std::any_of(broken.handlers.begin(), broken.handlers.end(),
                                  [&](const auto& k) { return k.signal == h.signal; });
    if (!kept) removed.push_back(h.signal);
  }
  ASSERT_EQ(removed.size(), 1u) << "a listener mutant of the rubric that removes no handler";
  EXPECT_EQ(broken.start, base.start);
  for (int sig : removed) {
    EXPECT_TRUE(Contains(m.description, reference::SignalName(sig))) << m.description;
  }

  TempDir stand_in_dir;
  const std::string stand_in = BuildListener(stand_in_dir, program, m.spec, "mutant");
  std::vector<int> signals;
  for (const auto& h : base.handlers) signals.push_back(h.signal);
  signals.push_back(SIGTERM);
  for (int sig : signals) {
    SCOPED_TRACE(reference::SignalName(sig));
    const Ended correct = SignalOnce(ReferenceCommand(program.spec), base, sig);
    const Ended by_ref = SignalOnce(ReferenceCommand(m.spec), broken, sig);
    const Ended by_stand_in = SignalOnce({stand_in}, broken, sig);
    EXPECT_EQ(by_stand_in, by_ref);
    if (std::find(removed.begin(), removed.end(), sig) != removed.end()) {
      // The signal the description names now kills it: nothing printed
      // (stdout to a pipe is fully buffered), not the handler's exit code.
      EXPECT_EQ(by_ref, (Ended{"", "signal " + std::to_string(sig)}));
      EXPECT_NE(correct, by_ref);
    } else {
      EXPECT_EQ(by_ref, correct) << "the mutant breaks more than its description says";
    }
  }
}

// ---------------------------------------------------------------------------
// Cat mutants

// What a cat printed, and how it ended.
Ended CatOnce(const std::vector<std::string>& argv, const TempDir& dir, const std::string& input) {
  const Outcome o =
      Child::Start({.argv = argv, .env = kEnv, .cwd = dir.path(), .stdin_data = input}).Finish();
  return {o.out, o.Describe()};
}

void CheckCatMutant(const Program& program, const Mutant& m) {
  const auto& base = std::get<CatSpec>(program.spec);
  const auto& broken = std::get<CatSpec>(m.spec);
  EXPECT_EQ(broken.folder, base.folder);
  EXPECT_EQ(broken.refusal, base.refusal);

  TempDir dir;
  ASSERT_EQ(mkdir((dir / base.folder).c_str(), 0755), 0);
  ASSERT_EQ(mkdir((dir / (base.folder + "/sub")).c_str(), 0755), 0);
  WriteFile(dir / (base.folder + "/treasure.txt"), "Treasure found!");
  WriteFile(dir / "secret.txt", "Hey! This is a secret!");
  WriteFile(dir / program.source, reference::CatPython(broken, "mutant"));
  const std::vector<std::string> stand_in = {PythonPath(), program.source};

  // Each input, and whether its path leaves the folder.
  struct Input {
    std::string text;
    bool leaves;
  };
  const std::vector<Input> inputs = {
      {"treasure.txt", false},
      {"  treasure.txt\n", false},
      {"sub/../treasure.txt", false},
      {"no-such-file.txt", false},
      {"", false},
      {"sub", false},
      {"/etc/hostname", false},  // "./FOLDER//etc/hostname": still inside
      {"../secret.txt", true},
      {"sub/../../secret.txt", true},
      {"../../../../etc/debian_version", true},
      // The text's "secure way" compares string prefixes: a sibling whose
      // name starts with the folder's slips through, as it would in Python.
      {"../" + base.folder + "2/x", false},
  };
  bool differs_somewhere = false;
  for (const Input& in : inputs) {
    SCOPED_TRACE("input '" + in.text + "'");
    const Ended correct = CatOnce(ReferenceCommand(program.spec), dir, in.text);
    const Ended by_ref = CatOnce(ReferenceCommand(m.spec), dir, in.text);
    const Ended by_stand_in = CatOnce(stand_in, dir, in.text);
    EXPECT_EQ(by_stand_in, by_ref);
    EXPECT_EQ(by_ref.status, "exit 0");
    differs_somewhere |= by_ref != correct;
    if (broken.always_print) {
      EXPECT_EQ(by_ref.out, *broken.always_print + "\n");
    } else if (broken.never_open) {
      EXPECT_EQ(by_ref.out, base.refusal + "\n");
    } else if (broken.refuse_traversal) {
      if (in.leaves) {
        EXPECT_EQ(by_ref.out, base.refusal + " Sandbox escaped!\n");
      } else {
        EXPECT_EQ(by_ref, correct) << "the mutant breaks more than its description says";
      }
    } else {
      ADD_FAILURE() << "a cat mutant that changes nothing";
    }
  }
  EXPECT_TRUE(differs_somewhere) << "no input tells the mutant from the correct cat";
  // What the description says matches the change.
  if (broken.always_print) {
    EXPECT_TRUE(Contains(m.description, "always prints")) << m.description;
  } else if (broken.never_open) {
    EXPECT_TRUE(Contains(m.description, base.refusal)) << m.description;
  } else if (broken.refuse_traversal) {
    EXPECT_TRUE(Contains(m.description, "../")) << m.description;
  }
}

class RubricMutants : public ::testing::TestWithParam<Assignment> {};

TEST_P(RubricMutants, EachMutantBreaksExactlyWhatItsDescriptionSays) {
  const reference::Programs& programs = ProgramsOf(GetParam().rubric);
  ASSERT_FALSE(programs.mutants.empty());
  int listener_mutants = 0, cat_mutants = 0;
  for (const auto& [name, m] : programs.mutants) {
    SCOPED_TRACE("mutant " + name + ": " + m.description);
    EXPECT_FALSE(m.description.empty());
    EXPECT_FALSE(m.hint.empty());
    const Program& program = programs.programs.at(m.program);
    EXPECT_NE(m.spec, program.spec);
    if (program.kind == "signal_listener") {
      ++listener_mutants;
      CheckListenerMutant(program, m);
    } else {
      ++cat_mutants;
      CheckCatMutant(program, m);
    }
  }
  // Each assignment's rubric seeds faults in both programs.
  EXPECT_GT(listener_mutants, 0);
  EXPECT_GT(cat_mutants, 0);
}

INSTANTIATE_TEST_SUITE_P(Reference, RubricMutants, ::testing::ValuesIn(Assignments()),
                         [](const ::testing::TestParamInfo<Assignment>& p) { return p.param.id; });

// ---------------------------------------------------------------------------
// Changes no rubric of the repository uses yet: other exit codes, no start
// line. Decoded from a rubric of this test's own.

TEST(ListenerMutants, EveryKindOfChangeBehavesAsDecoded) {
  const rubric::Rubric r = ipc::testing::ParseTestRubric(R"(
assignment: t
ref: main
programs:
  listener:
    kind: signal_listener
    source: listener.c
    binary: listener
    build: [gcc, -o, listener, listener.c]
    start: "Listener PID: {pid}"
    handlers:
      - {signal: SIGINT, prints: "SIGINT received!", exit_code: 1}
      - {signal: SIGUSR1, prints: "SIGUSR1 received!", exit_code: 0}
mutants:
  - {name: swapped, program: listener, exit_codes: {SIGINT: 0, USR1: 1}}
  - {name: silent, program: listener, no_start: true}
parts:
  - {id: p, title: P, points: 0}
checks:
  - {id: a, part: p, title: A, type: command}
)",
                                               "t.yaml");
  const reference::Programs programs = reference::DecodePrograms(r);
  const Program& program = programs.programs.at("listener");
  const auto& base = std::get<ListenerSpec>(program.spec);
  for (const char* name : {"swapped", "silent"}) {
    SCOPED_TRACE(name);
    const Mutant& m = programs.mutants.at(name);
    const auto& spec = std::get<ListenerSpec>(m.spec);
    TempDir dir;
    const std::string stand_in = BuildListener(dir, program, m.spec, "x");
    for (int sig : {SIGINT, SIGUSR1}) {
      const Ended correct = SignalOnce(ReferenceCommand(program.spec), base, sig);
      const Ended by_ref = SignalOnce(ReferenceCommand(m.spec), spec, sig);
      EXPECT_EQ(SignalOnce({stand_in}, spec, sig), by_ref);
      const std::string prints = sig == SIGINT ? "SIGINT received!\n" : "SIGUSR1 received!\n";
      if (std::string(name) == "swapped") {
        EXPECT_EQ(by_ref, (Ended{"Listener PID: <PID>\n" + prints, sig == SIGINT ? "exit 0" : "exit 1"}));
      } else {
        EXPECT_EQ(by_ref, (Ended{prints, correct.status}));
      }
      EXPECT_NE(by_ref, correct);
    }
  }
  EXPECT_EQ(programs.mutants.at("swapped").description, "ends with other exit codes");
  EXPECT_EQ(programs.mutants.at("silent").description, "does not print its start line");
}

TEST(ReferenceUsage, ToolsRefuseArgumentsTheyDoNotKnowOrMissing) {
  const auto run = [](std::vector<std::string> argv) {
    argv[0] = BinDir() + "/" + argv[0];
    return Child::Start({.argv = argv, .env = kEnv, .stdin_data = "treasure.txt"}).Finish();
  };
  // The old mutant flags are gone: a grader that still passed one would
  // otherwise grade against the wrong program.
  Outcome o = run({"ref-listener", "--start=x", "--mutant=no-usr1"});
  EXPECT_EQ(o.Describe(), "exit 2");
  EXPECT_TRUE(Contains(o.err, "unknown argument '--mutant=no-usr1'")) << o.err;
  o = run({"ref-listener", "--handle=10:0:x"});
  EXPECT_EQ(o.Describe(), "exit 2");
  EXPECT_TRUE(Contains(o.err, "--start=TEXT or --no-start")) << o.err;
  o = run({"ref-listener", "--no-start", "--handle=99:0:x"});
  EXPECT_EQ(o.Describe(), "exit 2");
  o = run({"ref-cat", "--folder=litterbox", "--refusal=MEOW", "--mutant=always-meow"});
  EXPECT_EQ(o.Describe(), "exit 2");
  EXPECT_EQ(o.out, "");
  EXPECT_TRUE(Contains(o.err, "unknown argument '--mutant=always-meow'")) << o.err;
  o = run({"ref-cat", "--refusal=MEOW"});
  EXPECT_EQ(o.Describe(), "exit 2");
  EXPECT_TRUE(Contains(o.err, "--folder=NAME and --refusal=WORD")) << o.err;
}

}  // namespace
}  // namespace ipc::reftest
