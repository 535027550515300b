// reference/oracle_yaml.h: a rubric's `programs:` and `mutants:` decoded
// into oracle_spec.h's descriptions, the reference tool's argv, and the
// stand-ins. Errors are compared as exact text, file:line:col included.
#include <gtest/gtest.h>
#include <signal.h>

#include <string>
#include <vector>

#include "rubric_text.h"
#include "reference/oracle_spec.h"
#include "reference/oracle_yaml.h"
#include "rubric/rubric.h"

namespace ipc::reference {
namespace {

constexpr const char* kFile = "rubrics/o.yaml";

// `sections` (the programs: and mutants: of a rubric, from line 3) in a
// rubric that loads.
rubric::Rubric RubricWith(const std::string& sections) {
  return ipc::testing::ParseTestRubric("assignment: t\nref: main\n" + sections +
                                 "parts:\n  - {id: p, title: P, points: 0}\n"
                                 "checks:\n  - {id: a, part: p, title: A, type: command}\n",
                             kFile);
}

Programs Decode(const std::string& sections) { return DecodePrograms(RubricWith(sections)); }

std::string ErrorOf(const std::string& sections) {
  try {
    Decode(sections);
  } catch (const rubric::RubricError& e) {
    return e.what();
  }
  return "<no error>";
}

constexpr const char* kPrograms = R"(programs:
  listener:
    kind: signal_listener
    source: src/listener.c
    binary: listener
    build: [gcc, -o, listener, src/listener.c]
    start: "Listener PID: {pid}"
    handlers:
      - {signal: SIGINT, prints: "SIGINT received!", exit_code: 1}
      - {signal: USR1, prints: "SIGUSR1 received!"}
      - {signal: "15", prints: "bye", exit_code: 255}
  quiet:
    kind: signal_listener
    source: quiet.c
    binary: quiet
    build: make
    handlers:
      - {signal: SIGHUP, prints: "hup"}
  dog:
    kind: path_cat
    source: dog.py
    folder: doghouse
    refusal: WOOF
)";

TEST(DecodePrograms, EveryKeyOfAProgram) {
  const Programs p = Decode(kPrograms);
  ASSERT_EQ(p.programs.size(), 3u);
  EXPECT_TRUE(p.mutants.empty());
  const Program& l = p.programs.at("listener");
  EXPECT_EQ(l.name, "listener");
  EXPECT_EQ(l.kind, "signal_listener");
  EXPECT_EQ(l.source, "src/listener.c");
  EXPECT_EQ(l.binary, "listener");
  EXPECT_EQ(l.build, (std::vector<std::string>{"gcc", "-o", "listener", "src/listener.c"}));
  ListenerSpec want;
  want.start = "Listener PID: {pid}";
  // Signals by name, short name or number; exit code 0 when not given.
  want.handlers = {{SIGINT, "SIGINT received!", 1}, {SIGUSR1, "SIGUSR1 received!", 0},
                   {SIGTERM, "bye", 255}};
  EXPECT_EQ(std::get<ListenerSpec>(l.spec), want);
  // No start: no start line; a build command may be one word.
  const Program& q = p.programs.at("quiet");
  EXPECT_EQ(q.build, std::vector<std::string>{"make"});
  EXPECT_FALSE(std::get<ListenerSpec>(q.spec).start.has_value());
  const Program& d = p.programs.at("dog");
  EXPECT_EQ(d.kind, "path_cat");
  EXPECT_EQ(d.source, "dog.py");
  EXPECT_EQ(d.binary, "");
  EXPECT_TRUE(d.build.empty());
  EXPECT_EQ(std::get<CatSpec>(d.spec), (CatSpec{"doghouse", "WOOF", false, false, std::nullopt}));
}

TEST(DecodePrograms, ARubricWithoutProgramsHasNone) {
  const Programs p = Decode("");
  EXPECT_TRUE(p.programs.empty());
  EXPECT_TRUE(p.mutants.empty());
}

TEST(DecodePrograms, EachMutantIsItsProgramWithOneChange) {
  const Programs p = Decode(std::string(kPrograms) + R"(mutants:
  - {name: no-int, program: listener, remove_handler: INT}
  - {name: codes, program: listener, exit_codes: {SIGINT: 0, "15": 3}}
  - {name: mute, program: listener, no_start: true, description: "says nothing", hint: "look"}
  - {name: fence, program: dog, refuse_traversal: true}
  - {name: woof, program: dog, never_open: true}
  - {name: leak, program: dog, always_print: "LEAKED"}
)");
  ASSERT_EQ(p.mutants.size(), 6u);
  const auto base = std::get<ListenerSpec>(p.programs.at("listener").spec);
  auto listener = [&](const std::string& name) { return std::get<ListenerSpec>(p.mutants.at(name).spec); };
  auto cat = [&](const std::string& name) { return std::get<CatSpec>(p.mutants.at(name).spec); };

  ListenerSpec want = base;
  want.handlers.erase(want.handlers.begin());
  EXPECT_EQ(listener("no-int"), want);
  want = base;
  want.handlers[0].exit_code = 0;
  want.handlers[2].exit_code = 3;
  EXPECT_EQ(listener("codes"), want);
  want = base;
  want.start.reset();
  EXPECT_EQ(listener("mute"), want);
  EXPECT_EQ(cat("fence"), (CatSpec{"doghouse", "WOOF", true, false, std::nullopt}));
  EXPECT_EQ(cat("woof"), (CatSpec{"doghouse", "WOOF", false, true, std::nullopt}));
  EXPECT_EQ(cat("leak"), (CatSpec{"doghouse", "WOOF", false, false, "LEAKED"}));

  EXPECT_EQ(p.mutants.at("no-int").program, "listener");
  EXPECT_EQ(p.mutants.at("leak").program, "dog");
  // Descriptions: the rubric's, else one that says what changed.
  EXPECT_EQ(p.mutants.at("mute").description, "says nothing");
  EXPECT_EQ(p.mutants.at("mute").hint, "look");
  EXPECT_EQ(p.mutants.at("no-int").description, "has no SIGINT handler");
  EXPECT_EQ(p.mutants.at("codes").description, "ends with other exit codes");
  EXPECT_EQ(p.mutants.at("fence").description, "refuses names that leave its folder");
  EXPECT_EQ(p.mutants.at("woof").description, "never prints the file (it always says WOOF)");
  EXPECT_EQ(p.mutants.at("leak").description, "always prints \"LEAKED\", whatever the input");
  EXPECT_EQ(p.mutants.at("leak").hint,
            "make the test compare what the program does with what it should do, and exit "
            "non-zero when they differ");
}

TEST(ReferenceArgv, TheToolForTheKindThenItsArguments) {
  const Programs p = Decode(kPrograms);
  const auto& listener = p.programs.at("listener").spec;
  const auto& dog = p.programs.at("dog").spec;
  EXPECT_EQ(ReferenceTool(listener), "ref-listener");
  EXPECT_EQ(ReferenceTool(dog), "ref-cat");
  std::vector<std::string> want = {"ref-listener"};
  for (const auto& a : ToArgs(std::get<ListenerSpec>(listener))) want.push_back(a);
  EXPECT_EQ(ReferenceArgv(listener), want);
  EXPECT_EQ(ReferenceArgv(dog),
            (std::vector<std::string>{"ref-cat", "--folder=doghouse", "--refusal=WOOF"}));
}

TEST(MakeStandIn, TheSourceOverTheProgramsAndItsBuild) {
  const Programs p = Decode(kPrograms);
  const Program& l = p.programs.at("listener");
  ListenerSpec other = std::get<ListenerSpec>(l.spec);
  other.handlers.pop_back();
  const StandIn s = MakeStandIn(l, other, "salt1");
  EXPECT_EQ(s.path, "src/listener.c");
  EXPECT_EQ(s.content, ListenerC(other, "salt1"));
  EXPECT_EQ(s.build, l.build);
  EXPECT_EQ(s.mode, 0644);
  const Program& d = p.programs.at("dog");
  const StandIn c = MakeStandIn(d, d.spec, "salt2");
  EXPECT_EQ(c.path, "dog.py");
  EXPECT_EQ(c.content, CatPython(std::get<CatSpec>(d.spec), "salt2"));
  EXPECT_TRUE(c.build.empty());
}

TEST(DecodePrograms, ErrorsPointAtTheOffendingKeyOrValue) {
  const auto program = [](const std::string& body) {
    return "programs:\n  p:\n" + body;  // body from line 5
  };
  const std::string listener =
      "    kind: signal_listener\n    source: l.c\n    binary: l\n    build: [cc, l.c]\n";
  // Line 5 onwards is the program's body.
  EXPECT_EQ(ErrorOf(program("    kind: fifo\n    source: f\n")),
            "rubrics/o.yaml:5:11: program 'p': unknown program kind 'fifo' (the reference "
            "implements signal_listener and path_cat)");
  EXPECT_EQ(ErrorOf(program("    kind: path_cat\n    source: ../cat.py\n    folder: b\n    refusal: R\n")),
            "rubrics/o.yaml:6:13: program 'p': 'source' must be a path inside the repository, got "
            "'../cat.py'");
  EXPECT_EQ(ErrorOf(program("    kind: path_cat\n    source: c.py\n    folder: /box\n    refusal: R\n")),
            "rubrics/o.yaml:7:13: program 'p': 'folder' must be a folder of the repository, e.g. "
            "litterbox");
  EXPECT_EQ(ErrorOf(program("    kind: path_cat\n    source: c.py\n    folder: b\n    refusal: ''\n")),
            "rubrics/o.yaml:8:14: program 'p': 'refusal' must be one word or line, e.g. MEOW");
  EXPECT_EQ(ErrorOf(program("    kind: path_cat\n    source: c.py\n    folder: b\n    refusal: R\n"
                            "    refusals: S\n")),
            "rubrics/o.yaml:9:5: program 'p': unknown key 'refusals' (did you mean 'refusal'?)");
  EXPECT_EQ(ErrorOf(program(listener + "    handlers: []\n")),
            "rubrics/o.yaml:9:5: program 'p': 'handlers' must be a non-empty list of {signal, "
            "prints, exit_code}");
  EXPECT_EQ(ErrorOf(program(listener + "    handlers:\n      - {signal: SIGUSR9, prints: x}\n")),
            "rubrics/o.yaml:10:18: program 'p' handler: unknown signal 'SIGUSR9' (write it as "
            "SIGUSR1, USR1 or 10)");
  EXPECT_EQ(ErrorOf(program(listener + "    handlers:\n      - {signal: INT, prints: x}\n"
                                       "      - {signal: SIGINT, prints: y}\n")),
            "rubrics/o.yaml:11:18: program 'p' handler: a second handler for this signal");
  EXPECT_EQ(ErrorOf(program(listener + "    handlers:\n      - {signal: INT, prints: x, exit_code: 256}\n")),
            "rubrics/o.yaml:10:45: program 'p' handler: 'exit_code' must be 0 to 255");
  EXPECT_EQ(ErrorOf(program(listener + "    handlers:\n      - {signal: INT, print: x}\n")),
            "rubrics/o.yaml:10:9: program 'p' handler: missing required key 'prints' (is 'print' "
            "on line 10 a misspelling?)");
  EXPECT_EQ(ErrorOf("programs: [listener]\n"),
            "rubrics/o.yaml:3:11: 'programs' maps a name to a program");
}

TEST(DecodePrograms, MutantErrorsPointAtTheMutant) {
  const std::string base = kPrograms;  // 23 lines from line 3: mutants: is line 26
  EXPECT_EQ(ErrorOf(base + "mutants: {a: b}\n"), "rubrics/o.yaml:26:10: 'mutants' must be a list");
  EXPECT_EQ(ErrorOf(base + "mutants:\n  - {name: m, program: cat, never_open: true}\n"),
            "rubrics/o.yaml:27:24: mutant 'm': no program 'cat' in 'programs'");
  EXPECT_EQ(ErrorOf(base + "mutants:\n  - {name: m, program: dog, never_open: true}\n"
                           "  - {name: m, program: dog, always_print: x}\n"),
            "rubrics/o.yaml:28:12: mutant 'm': duplicate mutant name 'm'");
  EXPECT_EQ(ErrorOf(base + "mutants:\n  - {name: m, program: quiet, remove_handler: SIGINT}\n"),
            "rubrics/o.yaml:27:47: mutant 'm': program 'quiet' has no handler for SIGINT");
  EXPECT_EQ(ErrorOf(base + "mutants:\n  - {name: m, program: quiet, exit_codes: {USR2: 1}}\n"),
            "rubrics/o.yaml:27:44: mutant 'm' exit_codes: program 'quiet' has no handler for "
            "'USR2'");
  EXPECT_EQ(ErrorOf(base + "mutants:\n  - {name: m, program: quiet}\n"),
            "rubrics/o.yaml:27:5: mutant 'm': a signal_listener mutant changes something: "
            "remove_handler, exit_codes or no_start");
  EXPECT_EQ(ErrorOf(base + "mutants:\n  - {name: m, program: dog, never_open: false}\n"),
            "rubrics/o.yaml:27:5: mutant 'm': a path_cat mutant changes something: "
            "refuse_traversal, never_open or always_print");
  EXPECT_EQ(ErrorOf(base + "mutants:\n  - {name: m, program: dog, never_open: true, colour: red}\n"),
            "rubrics/o.yaml:27:47: mutant 'm': unknown key 'colour' (expected one of: name, "
            "program, refuse_traversal, never_open, always_print, description, hint)");
}

// As the rubric's own top level does (RubricErrors.UnknownTopLevelKeyBeatsMissingKey):
// a misspelt key is named, not the missing key it causes. Decoding checks
// what a program or mutant lacks before it looks for keys it does not know,
// so the typo is never mentioned.
TEST(DecodePrograms, AMisspeltKeyIsNamedRatherThanWhatItLeavesMissing) {
  const std::string base = kPrograms;
  EXPECT_EQ(ErrorOf(base + "mutants:\n  - {name: m, program: dog, never_opn: true}\n"),
            "rubrics/o.yaml:27:29: mutant 'm': unknown key 'never_opn' (did you mean "
            "'never_open'?)");
  EXPECT_EQ(ErrorOf("programs:\n  p:\n    kind: signal_listener\n    source: l.c\n"
                    "    binary: l\n    build: [cc, l.c]\n    handler:\n      - {signal: INT, prints: x}\n"),
            "rubrics/o.yaml:9:5: program 'p': unknown key 'handler' (did you mean 'handlers'?)");
}

TEST(DecodePrograms, TheRepositorysRubricsDecode) {
  for (const char* name : {"ipc-project", "ipc-variant-sigusr2", "ipc-variant-dog"}) {
    SCOPED_TRACE(name);
    const rubric::Rubric r =
        rubric::LoadRubric(std::string(IPC_REFTEST_SOURCE_DIR) + "/rubrics/" + name + ".yaml");
    const Programs p = DecodePrograms(r);
    EXPECT_EQ(p.programs.size(), 2u);
    EXPECT_EQ(p.mutants.size(), 4u);
  }
}

}  // namespace
}  // namespace ipc::reference
