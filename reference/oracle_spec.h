// What the reference programs do, as data: a rubric configures them (its
// `programs:` section, decoded by oracle_yaml.h), and a mutant is the same
// data with one change. Three uses of one description:
//   - the argv that makes ref-listener / ref-cat behave so (ToArgs), parsed
//     back by those programs (ListenerFromArgs, CatFromArgs);
//   - the source of a stand-in that behaves so, in the language the student
//     writes (ListenerC, CatPython): a test script cannot tell it from a
//     student's program by its name, its argv, or any grader text in it;
//   - messages (Describe).
// Plain C++ with no dependency: the static reference programs link it.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace ipc::reference {

// A C program that prints a start line, installs signal handlers with
// signal(), waits in pause(), and returns the exit code the last handler
// set (the assignment's listener.c is one: SIGINT prints "SIGINT received!"
// and sets 1, SIGUSR1 prints "SIGUSR1 received!" and sets 0).
struct ListenerSpec {
  // Printed first with printf and a newline; "{pid}" becomes getpid() (%i).
  // nullopt: no start line.
  std::optional<std::string> start;
  struct Handler {
    int signal = 0;
    std::string prints;  // printed with printf and a newline
    int exit_code = 0;   // what main returns after this handler ran
    bool operator==(const Handler&) const = default;
  };
  std::vector<Handler> handlers;  // installed in this order

  bool operator==(const ListenerSpec&) const = default;
};

// A Python program that reads all of stdin, strips it (str.strip), opens
// "./FOLDER/NAME" and prints its text, or on any exception prints
// "REFUSAL <exception text>" (the assignment's cat.py: folder litterbox,
// refusal MEOW). The changes a mutant may make:
struct CatSpec {
  std::string folder;
  std::string refusal;
  // The assignment's commented-out "secure way": a path that leaves the
  // folder raises Exception('Sandbox escaped!').
  bool refuse_traversal = false;
  // Never opens anything: prints the refusal word alone.
  bool never_open = false;
  // Prints this line whatever the input, instead of opening anything.
  std::optional<std::string> always_print;

  bool operator==(const CatSpec&) const = default;
};

// Arguments (after argv[0]) for ref-listener / ref-cat.
std::vector<std::string> ToArgs(const ListenerSpec& spec);
std::vector<std::string> ToArgs(const CatSpec& spec);
// The reverse; nullopt with *err on an argument it does not know. `rest`
// receives arguments that are not part of the spec (ref-cat's
// --stdin-errors, --cases), in order.
std::optional<ListenerSpec> ListenerFromArgs(const std::vector<std::string>& args,
                                             std::string* err);
std::optional<CatSpec> CatFromArgs(const std::vector<std::string>& args,
                                   std::vector<std::string>* rest, std::string* err);

// Stand-in sources. `salt` (letters and digits) goes into the program so
// that two gradings give different files and binaries: a test script
// cannot recognise a stand-in by a hash list.
std::string ListenerC(const ListenerSpec& spec, const std::string& salt);
std::string CatPython(const CatSpec& spec, const std::string& salt);

// Signal names as rubrics write them ("SIGUSR1", "USR1" or "10"), and back
// ("SIGUSR1"; "signal N" for numbers without a name).
std::optional<int> SignalFromName(const std::string& name);
std::string SignalName(int sig);

}  // namespace ipc::reference
