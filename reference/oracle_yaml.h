// A rubric's `programs:` and `mutants:` sections: the assignment's programs
// as the reference implements them, and their seeded faults, decoded into
// oracle_spec.h's descriptions. Check types name programs and mutants by
// name; everything the assignment says about them is in the rubric (schema:
// rubrics/README.md, "Programs and mutants").
//
//   programs:
//     listener:
//       kind: signal_listener          # ref-listener
//       source: listener.c             # the student's file a stand-in replaces
//       binary: listener               # what building it makes
//       build: [gcc, -o, listener, listener.c]
//       start: "Listener PID: {pid}"
//       handlers:
//         - {signal: SIGINT, prints: "SIGINT received!", exit_code: 1}
//     cat:
//       kind: path_cat                 # ref-cat
//       source: cat.py
//       folder: litterbox
//       refusal: MEOW
//   mutants:
//     - {name: no-usr1-handler, program: listener, remove_handler: SIGUSR1,
//        description: "...", hint: "..."}
#pragma once

#include <map>
#include <string>
#include <variant>
#include <vector>

#include "reference/oracle_spec.h"
#include "rubric/rubric.h"

namespace ipc::reference {

using ProgramSpec = std::variant<ListenerSpec, CatSpec>;

struct Program {
  std::string name;
  std::string kind;    // "signal_listener" | "path_cat"
  std::string source;  // the file a stand-in replaces
  std::string binary;  // made by `build`; "" when the source runs as it is
  std::vector<std::string> build;
  ProgramSpec spec;
};

struct Mutant {
  std::string name;
  std::string program;
  std::string description;  // "has no SIGUSR1 handler"
  std::string hint;         // what a test should check to catch it
  ProgramSpec spec;         // the program's, with the change
};

struct Programs {
  std::map<std::string, Program> programs;
  std::map<std::string, Mutant> mutants;
};

// Decodes rubric.programs and rubric.mutants; throws rubric::RubricError
// at file:line:col.
Programs DecodePrograms(const rubric::Rubric& rubric);

// The reference tool that implements a kind ("ref-listener", "ref-cat").
std::string ReferenceTool(const ProgramSpec& spec);
// The reference tool's name followed by its arguments for `spec`.
std::vector<std::string> ReferenceArgv(const ProgramSpec& spec);

// A stand-in for `program` behaving as `spec`: the files to write over the
// student's (the source; for a compiled program, the build command makes
// the binary from it) and the build command ([] when none).
struct StandIn {
  std::string path;
  std::string content;
  int mode = 0644;
  std::vector<std::string> build;
};
StandIn MakeStandIn(const Program& program, const ProgramSpec& spec, const std::string& salt);

}  // namespace ipc::reference
