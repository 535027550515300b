// The assignments the reference suites run: the project and its two
// variants. Each one's programs come from its rubric (rubrics/NAME.yaml,
// `programs:` and `mutants:`, decoded by reference/oracle_yaml.h), never
// from a second copy here; beside them, the programs written by hand as the
// assignment's text asks (the seed, or the variant's model solution), which
// the configured reference is compared with.
#pragma once

#include <map>
#include <ostream>
#include <memory>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

#include "reference/oracle_spec.h"
#include "reference/oracle_yaml.h"
#include "rubric/rubric.h"
#include "unit/reference_process.h"

namespace ipc::reftest {

struct Assignment {
  std::string id;      // a test-name fragment: "Project", "Usr2", "Dog"
  std::string rubric;  // under rubrics/, without .yaml
  // The hand-written programs, relative to the source tree.
  std::string listener_c;
  std::string cat_py;
  // What the assignment's text says its listener does, for each handled
  // signal: what it prints and the exit code. Written from the text (not
  // the rubric), so a rubric that disagrees with its text is caught.
  struct Handled {
    int signal;
    std::string prints;
    int exit_code;
  };
  std::vector<Handled> text_says;
};

// gtest prints a parameter by its id.
inline void PrintTo(const Assignment& a, std::ostream* os) { *os << a.id; }

inline const std::vector<Assignment>& Assignments() {
  static const std::vector<Assignment> all = {
      {"Project", "ipc-project", "reference/seed/listener.c", "reference/seed/cat.py",
       {{2, "SIGINT received!", 1}, {10, "SIGUSR1 received!", 0}}},
      {"Usr2", "ipc-variant-sigusr2", "fixtures/variants/usr2/solution/listener.c",
       "fixtures/variants/usr2/solution/cat.py",
       {{2, "SIGINT received!", 1}, {12, "SIGUSR2 received!", 2}}},
      {"Dog", "ipc-variant-dog", "fixtures/variants/dog/solution/listener.c",
       "fixtures/variants/dog/solution/dog.py",
       {{2, "SIGINT received!", 3}, {10, "SIGUSR1 received!", 0}}},
  };
  return all;
}

// The rubric's programs and mutants, decoded once per rubric.
inline const reference::Programs& ProgramsOf(const std::string& rubric_name) {
  static std::map<std::string, std::unique_ptr<reference::Programs>> cache;
  auto& slot = cache[rubric_name];
  if (!slot) {
    const rubric::Rubric r = rubric::LoadRubric(SourceDir() + "/rubrics/" + rubric_name + ".yaml");
    slot = std::make_unique<reference::Programs>(reference::DecodePrograms(r));
  }
  return *slot;
}

// The rubric's one program of `kind` ("signal_listener", "path_cat").
inline const reference::Program& ProgramOfKind(const reference::Programs& programs,
                                               const std::string& kind) {
  const reference::Program* found = nullptr;
  for (const auto& [name, p] : programs.programs) {
    if (p.kind != kind) continue;
    if (found != nullptr) throw std::runtime_error("two programs of kind " + kind);
    found = &p;
  }
  if (found == nullptr) throw std::runtime_error("no program of kind " + kind);
  return *found;
}

inline const reference::Program& ListenerOf(const Assignment& a) {
  return ProgramOfKind(ProgramsOf(a.rubric), "signal_listener");
}
inline const reference::Program& CatOf(const Assignment& a) {
  return ProgramOfKind(ProgramsOf(a.rubric), "path_cat");
}

// The built reference tool for `spec`, configured as the grader configures
// it (oracle_yaml.h ReferenceArgv): an absolute argv.
inline std::vector<std::string> ReferenceCommand(const reference::ProgramSpec& spec) {
  std::vector<std::string> argv = reference::ReferenceArgv(spec);
  argv[0] = BinDir() + "/" + argv[0];
  return argv;
}

}  // namespace ipc::reftest
