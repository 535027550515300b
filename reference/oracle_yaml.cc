#include "reference/oracle_yaml.h"

#include <algorithm>
#include <set>

#include "rubric/yaml_reader.h"

namespace ipc::reference {
namespace {

using rubric::NodeReader;

constexpr const char* kListener = "signal_listener";
constexpr const char* kCat = "path_cat";

int ReadSignal(NodeReader& r, const std::string& key) {
  const std::string name = r.RequireString(key);
  const auto sig = SignalFromName(name);
  if (!sig) r.FailValue(key, "unknown signal '" + name + "' (write it as SIGUSR1, USR1 or 10)");
  return *sig;
}

std::string RelativeFile(NodeReader& r, const std::string& key) {
  const std::string v = r.RequireString(key);
  if (v.empty() || v[0] == '/' || v.find("..") != std::string::npos) {
    r.FailValue(key, "'" + key + "' must be a path inside the repository, got '" + v + "'");
  }
  return v;
}

ListenerSpec ReadListener(NodeReader& r) {
  ListenerSpec spec;
  if (auto start = r.OptString("start")) spec.start = *start;
  YAML::Node list = r.Child("handlers");
  if (!list || !list.IsSequence() || list.size() == 0) {
    r.FailKey("handlers", "'handlers' must be a non-empty list of {signal, prints, exit_code}");
  }
  std::set<int> seen;
  for (const auto& node : list) {
    NodeReader hr(node, r.file(), r.what() + " handler");
    ListenerSpec::Handler h;
    h.signal = ReadSignal(hr, "signal");
    if (!seen.insert(h.signal).second) hr.FailValue("signal", "a second handler for this signal");
    h.prints = hr.RequireString("prints");
    h.exit_code = static_cast<int>(hr.OptInt("exit_code").value_or(0));
    if (h.exit_code < 0 || h.exit_code > 255) {
      hr.FailValue("exit_code", "'exit_code' must be 0 to 255");
    }
    hr.RejectUnknown();
    spec.handlers.push_back(std::move(h));
  }
  return spec;
}

CatSpec ReadCat(NodeReader& r) {
  CatSpec spec;
  spec.folder = r.RequireString("folder");
  if (spec.folder.empty() || spec.folder[0] == '/' || spec.folder.find('\n') != std::string::npos) {
    r.FailValue("folder", "'folder' must be a folder of the repository, e.g. litterbox");
  }
  spec.refusal = r.RequireString("refusal");
  if (spec.refusal.empty() || spec.refusal.find('\n') != std::string::npos) {
    r.FailValue("refusal", "'refusal' must be one word or line, e.g. MEOW");
  }
  return spec;
}

Program ReadProgram(const std::string& name, const YAML::Node& node, const std::string& file) {
  NodeReader r(node, file, "program '" + name + "'");
  Program p;
  p.name = name;
  p.kind = r.RequireString("kind");
  // A typo is named before the key it leaves missing.
  if (p.kind == kListener) {
    r.MarkKnown({"source", "binary", "build", "start", "handlers"});
    r.RejectUnknown();
  } else if (p.kind == kCat) {
    r.MarkKnown({"source", "folder", "refusal"});
    r.RejectUnknown();
  }
  p.source = RelativeFile(r, "source");
  if (p.kind == kListener) {
    p.binary = RelativeFile(r, "binary");
    p.build = r.RequireStringList("build");
    if (p.build.empty()) r.FailValue("build", "'build' must not be empty");
    p.spec = ReadListener(r);
  } else if (p.kind == kCat) {
    p.spec = ReadCat(r);
  } else {
    r.FailValue("kind", "unknown program kind '" + p.kind + "' (the reference implements " +
                            std::string(kListener) + " and " + kCat + ")");
  }
  r.RejectUnknown();
  return p;
}

// The program's spec with the mutant's change applied.
ProgramSpec ReadChange(NodeReader& r, const Program& program) {
  if (auto* listener = std::get_if<ListenerSpec>(&program.spec)) {
    ListenerSpec spec = *listener;
    bool changed = false;
    if (r.Has("remove_handler")) {
      const int sig = ReadSignal(r, "remove_handler");
      std::erase_if(spec.handlers, [sig](const auto& h) { return h.signal == sig; });
      if (spec.handlers.size() == listener->handlers.size()) {
        r.FailValue("remove_handler", "program '" + program.name + "' has no handler for " +
                                          SignalName(sig));
      }
      changed = true;
    }
    if (YAML::Node codes = r.Child("exit_codes")) {
      if (!codes.IsMap()) r.FailKey("exit_codes", "'exit_codes' maps signals to exit codes");
      NodeReader cr(codes, r.file(), r.what() + " exit_codes");
      for (const auto& kv : codes) {
        const std::string key = kv.first.as<std::string>();
        const auto sig = SignalFromName(key);
        auto it = sig ? std::find_if(spec.handlers.begin(), spec.handlers.end(),
                                     [&](const auto& h) { return h.signal == *sig; })
                      : spec.handlers.end();
        if (it == spec.handlers.end()) {
          cr.FailKey(key, "program '" + program.name + "' has no handler for '" + key + "'");
        }
        it->exit_code = static_cast<int>(cr.OptInt(key).value_or(0));
      }
      changed = true;
    }
    if (r.OptBool("no_start").value_or(false)) {
      spec.start.reset();
      changed = true;
    }
    if (!changed) {
      r.Fail(r.node(), "a " + std::string(kListener) +
                           " mutant changes something: remove_handler, exit_codes or no_start");
    }
    return spec;
  }
  CatSpec spec = std::get<CatSpec>(program.spec);
  spec.refuse_traversal = r.OptBool("refuse_traversal").value_or(false);
  spec.never_open = r.OptBool("never_open").value_or(false);
  if (auto text = r.OptString("always_print")) spec.always_print = *text;
  if (!spec.refuse_traversal && !spec.never_open && !spec.always_print) {
    r.Fail(r.node(), "a " + std::string(kCat) +
                         " mutant changes something: refuse_traversal, never_open or always_print");
  }
  return spec;
}

std::string DefaultDescription(const Mutant& m, const ProgramSpec& base) {
  if (const auto* cat = std::get_if<CatSpec>(&m.spec)) {
    if (cat->always_print) return "always prints \"" + *cat->always_print + "\", whatever the input";
    if (cat->never_open) return "never prints the file (it always says " + cat->refusal + ")";
    return "refuses names that leave its folder";
  }
  const auto& now = std::get<ListenerSpec>(m.spec);
  const auto& was = std::get<ListenerSpec>(base);
  if (now.handlers.size() < was.handlers.size()) {
    for (const auto& h : was.handlers) {
      const bool kept = std::any_of(now.handlers.begin(), now.handlers.end(),
                                    [&](const auto& k) { return k.signal == h.signal; });
      if (!kept) return "has no " + SignalName(h.signal) + " handler";
    }
  }
  if (!now.start && was.start) return "does not print its start line";
  return "ends with other exit codes";
}

}  // namespace

Programs DecodePrograms(const rubric::Rubric& rubric) {
  Programs out;
  auto fail = [&](const YAML::Node& at, const std::string& what) {
    throw rubric::RubricError(rubric::LocationOf(at.Mark(), rubric.path).ToString() + ": " + what);
  };
  if (rubric.programs) {
    if (!rubric.programs.IsMap()) fail(rubric.programs, "'programs' maps a name to a program");
    for (const auto& kv : rubric.programs) {
      const std::string name = kv.first.as<std::string>();
      out.programs.emplace(name, ReadProgram(name, kv.second, rubric.path));
    }
  }
  if (rubric.mutants) {
    if (!rubric.mutants.IsSequence()) fail(rubric.mutants, "'mutants' must be a list");
    for (const auto& node : rubric.mutants) {
      NodeReader r(node, rubric.path, "mutant");
      Mutant m;
      m.name = r.RequireString("name");
      r.set_what("mutant '" + m.name + "'");
      if (out.mutants.count(m.name)) r.FailValue("name", "duplicate mutant name '" + m.name + "'");
      m.program = r.RequireString("program");
      const auto it = out.programs.find(m.program);
      if (it == out.programs.end()) {
        r.FailValue("program", "no program '" + m.program + "' in 'programs'");
      }
      // A typo is named before the change it leaves missing.
      if (it->second.kind == kListener) {
        r.MarkKnown({"remove_handler", "exit_codes", "no_start"});
      } else {
        r.MarkKnown({"refuse_traversal", "never_open", "always_print"});
      }
      r.MarkKnown({"description", "hint"});
      r.RejectUnknown();
      m.spec = ReadChange(r, it->second);
      m.description = r.OptString("description").value_or(DefaultDescription(m, it->second.spec));
      m.hint = r.OptString("hint").value_or(
          "make the test compare what the program does with what it should do, and exit "
          "non-zero when they differ");
      r.RejectUnknown();
      out.mutants.emplace(m.name, std::move(m));
    }
  }
  return out;
}

std::string ReferenceTool(const ProgramSpec& spec) {
  return std::holds_alternative<ListenerSpec>(spec) ? "ref-listener" : "ref-cat";
}

std::vector<std::string> ReferenceArgv(const ProgramSpec& spec) {
  std::vector<std::string> argv = {ReferenceTool(spec)};
  const auto args = std::visit([](const auto& s) { return ToArgs(s); }, spec);
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

StandIn MakeStandIn(const Program& program, const ProgramSpec& spec, const std::string& salt) {
  StandIn s;
  s.path = program.source;
  if (const auto* listener = std::get_if<ListenerSpec>(&spec)) {
    s.content = ListenerC(*listener, salt);
    s.build = program.build;
  } else {
    s.content = CatPython(std::get<CatSpec>(spec), salt);
  }
  return s;
}

}  // namespace ipc::reference
