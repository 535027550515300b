// test_adequacy: is the student's test script a proper test, one that can
// tell a correct program from a broken one? It runs the script (as GitLab's
// job would, `bash <script>` in the repository at the workdir's path) once
// with the program it tests replaced by the reference, and once per seeded
// faulty version (mutant). Proper = passes on the reference, fails on every
// mutant.
//   script:    test_cat.sh          the student's test (relative path)
//   replace:   cat.py               the program the script tests
//   reference: [ref-cat]            argv of a correct program
//   mutants:                        argv of faulty ones
//     - {name: always-meow, run: [ref-cat, --mutant=always-meow],
//        description: "never prints the file", hint: "compare ..."}   (optional)
//   reruns:    2                    extra attempts on the reference: the
//                                   assignment's test_listener.sh races
// Points: the share of mutants caught; 0 when the script fails on the
// reference (after the reruns).
//
// Every run gets its own copy of the submission made after the build, at the
// workdir's path (scripts hard-code /root), with a fresh user database
// (test_full_dd.sh runs adduser), `replace` overwritten by a shim that execs
// the chosen program, and make/gcc/cc shadowed by stand-ins that build
// nothing, so a script that runs `make` cannot rebuild the student's
// listener over the shim (see test_adequacy_shim.h).
#include "checks/test_adequacy.h"

#include <fmt/format.h>

#include <set>

#include "checks/test_adequacy_shim.h"

namespace ipc::checks {
namespace {

constexpr double kDefaultTimeout = 30;
constexpr std::size_t kOutputCap = 16 * 1024;
constexpr int kMaxReruns = 5;

struct Mutant {
  std::string name;
  std::vector<std::string> run;
  std::string description;  // "never prints the file"
  std::string hint;         // "compare the output with the expected text"
};

struct Params {
  std::string script;
  std::string replace;
  std::vector<std::string> reference;
  std::vector<Mutant> mutants;
  int reruns = 2;
};

// What the reference tools' seeded faults do, for messages; a rubric can
// say it itself with `description` and `hint` (a variant's own mutants).
struct KnownFault {
  const char* flag;
  const char* description;
  const char* hint;
};
constexpr KnownFault kKnownFaults[] = {
    {"--mutant=always-meow", "never prints the file (it always says MEOW)",
     "compare the output with the expected text"},
    {"--mutant=refuse-traversal",
     "refuses ../ paths (the assignment's commented-out \"secure way\")",
     "check that ../secret.txt prints the secret, as the vulnerable cat.py does"},
    {"--mutant=always-leak", "always prints a secret, whatever the input and the user",
     "check that the output is the MEOW refusal"},
    {"--mutant=no-usr1", "has no SIGUSR1 handler (SIGUSR1 kills it)",
     "check that output.log holds 'SIGUSR1 received!'"},
    {"--mutant=no-sigint", "has no SIGINT handler (SIGINT kills it)",
     "check that output.log holds 'SIGINT received!'"},
    {"--mutant=swap-exit", "swaps the exit codes (0 on SIGINT, 1 on SIGUSR1)",
     "check the program's exit code, not only its output"},
    {"--mutant=no-pid", "does not print its PID", "check the 'Listener PID:' line"},
};
constexpr const char* kGenericHint =
    "make the test compare what the program does with what it should do, and exit non-zero "
    "when they differ";

bool ValidName(const std::string& s) {
  if (s.empty()) return false;
  for (unsigned char ch : s) {
    if (!std::isalnum(ch) && ch != '.' && ch != '_' && ch != '-') return false;
  }
  return true;
}

// A relative path inside the repository, as the probe's overlay requires.
std::string PathProblem(const std::string& path) {
  if (path.empty()) return "must not be empty";
  if (path[0] == '/') return "must be relative to the repository";
  if (path[0] == '-') return "must not start with '-' (bash would read it as an option)";
  std::size_t start = 0;
  while (start <= path.size()) {
    const std::size_t end = std::min(path.find('/', start), path.size());
    const std::string part = path.substr(start, end - start);
    if (part.empty() || part == "." || part == "..") {
      return "must not have empty, '.' or '..' components";
    }
    start = end + 1;
  }
  return "";
}

Params Parse(const rubric::Check& check) {
  auto r = ParamsReader(check);
  Params p;
  p.script = r.RequireString("script");
  if (auto why = PathProblem(p.script); !why.empty()) r.FailValue("script", "'script' " + why);
  p.replace = r.RequireString("replace");
  if (auto why = PathProblem(p.replace); !why.empty()) r.FailValue("replace", "'replace' " + why);
  p.reference = r.RequireStringList("reference");
  if (p.reference.empty()) r.FailValue("reference", "'reference' must not be empty");
  if (auto n = r.OptInt("reruns")) {
    if (*n < 0 || *n > kMaxReruns) {
      r.FailValue("reruns", fmt::format("'reruns' must be between 0 and {}", kMaxReruns));
    }
    p.reruns = static_cast<int>(*n);
  }
  YAML::Node list = r.Child("mutants");
  if (!list || !list.IsSequence() || list.size() == 0) {
    r.FailKey("mutants", "'mutants' must be a non-empty list of {name, run}");
  }
  std::set<std::string> names;
  for (const auto& node : list) {
    rubric::NodeReader mr(node, r.file(), r.what() + " mutant");
    Mutant m;
    m.name = mr.RequireString("name");
    if (!ValidName(m.name)) {
      mr.FailValue("name",
                   "mutant name '" + m.name + "' may hold only letters, digits, '.', '_', '-'");
    }
    if (!names.insert(m.name).second) mr.Fail(node, "duplicate mutant name '" + m.name + "'");
    m.run = mr.RequireStringList("run");
    if (m.run.empty()) mr.FailValue("run", "'run' must not be empty");
    const KnownFault* known = nullptr;
    for (const auto& k : kKnownFaults) {
      for (const auto& a : m.run) known = a == k.flag ? &k : known;
    }
    m.description =
        mr.OptString("description")
            .value_or(known ? known->description : "is the faulty version '" + m.name + "'");
    m.hint = mr.OptString("hint").value_or(known ? known->hint : kGenericHint);
    mr.RejectUnknown();
    p.mutants.push_back(std::move(m));
  }
  r.RejectUnknown();
  return p;
}

bool ScriptPresent(const fetch::Snapshot& snapshot, const std::string& script) {
  for (const auto& e : snapshot.entries) {
    if (e.path == script)
      return e.type != fetch::EntryType::kDir && e.type != fetch::EntryType::kSubmodule;
  }
  return false;
}

std::string MutantStep(const Mutant& m) { return "mutant/" + m.name; }

std::string Join(const std::vector<std::string>& argv) {
  std::string s;
  for (const auto& a : argv) s += (s.empty() ? "" : " ") + a;
  return s;
}

bool Passed(const protocol::ProcessResult& p) {
  return p.started && !p.timed_out && !p.term_signal && p.exit_code == 0;
}

// "passed (exit 0)", "failed (exit 1)", "failed (timed out after 30.0 s ...)"
std::string Verdict(const protocol::ProcessResult& p) {
  return (Passed(p) ? "passed (" : "failed (") + DescribeExit(p) + ")";
}

// The script's output for the feedback: stdout, then stderr (where
// `set -x` writes its trace); their interleaving is not kept.
std::string ScriptOutput(const std::string& title, const protocol::ProcessResult& p) {
  std::string out = "$ " + title + "\n" + p.stdout_data;
  if (!out.empty() && out.back() != '\n') out += '\n';
  if (p.stdout_bytes > p.stdout_data.size()) out += "[stdout truncated]\n";
  if (!p.stderr_data.empty()) {
    out += "--- stderr ---\n" + p.stderr_data;
    if (out.back() != '\n') out += '\n';
  }
  if (p.stderr_bytes > p.stderr_data.size()) out += "[stderr truncated]\n";
  return out;
}

class TestAdequacy : public CheckType {
 public:
  std::string Name() const override { return "test_adequacy"; }
  void Validate(const rubric::Check& c, const rubric::Rubric&) const override { Parse(c); }

  void Plan(const rubric::Check& c, const rubric::Rubric& rubric,
            PlanBuilder& plan) const override {
    const Params p = Parse(c);
    // Nothing to run when the script is known to be missing; Score says so.
    // Unknown (no snapshot): plan anyway, bash then reports the missing file.
    if (plan.snapshot() != nullptr && !ScriptPresent(*plan.snapshot(), p.script)) return;
    AddRun(c, rubric, p, "reference", PlanBuilder::ResolveTools(p.reference), 1 + p.reruns, plan);
    for (const auto& m : p.mutants) {
      // One attempt: a script that passes on a mutant even once cannot tell
      // it from a correct program; a race only ever makes a test fail.
      AddRun(c, rubric, p, MutantStep(m), PlanBuilder::ResolveTools(m.run), 1, plan);
    }
  }

  Outcome Score(const rubric::Check& c, const Evidence& ev) const override {
    const Params p = Parse(c);
    if (ev.snapshot != nullptr && !ScriptPresent(*ev.snapshot, p.script)) {
      Outcome o = Outcome::Fail(fmt::format(
          "{} not found in the repository: the assignment asks for this test of {}; add it and "
          "commit it.",
          p.script, p.replace));
      o.expected = p.script + " in the repository";
      o.student = "no " + p.script;
      return o;
    }
    const std::string cmd = "bash " + p.script;
    const auto* ref = ev.Step(c, "reference");
    if (auto missing = MissingStep(ev, ref)) return *missing;
    if (!ref->process.started) {
      return Outcome::Error("the grader could not run `" + cmd + "`: " + ref->process.error);
    }
    Outcome o;
    std::string mutant_names;
    for (const auto& m : p.mutants) mutant_names += (mutant_names.empty() ? "" : ", ") + m.name;
    o.expected = fmt::format(
        "`{}` passes (exit 0) with the correct {} and fails (non-zero exit) with each faulty "
        "version: {}",
        cmd, p.replace, mutant_names);
    const int attempts = 1 + static_cast<int>(ref->failed_attempts.size());
    o.reference = fmt::format("with the correct {} ({}): {}{}", p.replace, Join(p.reference),
                              Verdict(ref->process),
                              attempts > 1 ? fmt::format(" at attempt {}", attempts) : "");
    std::string student = "correct " + p.replace + ": " + Verdict(ref->process);

    if (!Passed(ref->process)) {
      o.status = report::CheckStatus::kFail;
      o.fraction = 0;
      o.message = fmt::format(
          "{} fails even on a correct {} ({}, {}): it cannot tell right from wrong. Make it "
          "pass on a correct program first; its output is below.",
          p.script, p.replace, DescribeExit(ref->process),
          attempts > 1 ? fmt::format("in all {} attempts", attempts) : "run once");
      o.student = student;
      o.output = ScriptOutput(cmd + "   (" + p.replace + " = the correct program)", ref->process);
      return o;
    }

    int caught = 0;
    std::vector<std::string> misses;
    for (const auto& m : p.mutants) {
      const auto* run = ev.Step(c, MutantStep(m));
      if (auto missing = MissingStep(ev, run)) return *missing;
      if (!run->process.started) {
        return Outcome::Error("the grader could not run `" + cmd + "`: " + run->process.error);
      }
      const bool fooled = Passed(run->process);
      student += fmt::format("; {}: {}{}", m.name, Verdict(run->process),
                             fooled ? ", not caught" : ", caught");
      if (!fooled) {
        ++caught;
        continue;
      }
      misses.push_back(fmt::format(
          "{} passed against a {} that {} (mutant {}): it is not a proper test case; {}.", p.script,
          p.replace, m.description, m.name, m.hint));
      if (o.output.empty()) {
        o.output =
            ScriptOutput(cmd + "   (" + p.replace + " = mutant " + m.name + ")", run->process);
      }
    }
    o.student = student;
    o.fraction = static_cast<double>(caught) / static_cast<double>(p.mutants.size());
    if (attempts > 1) {
      o.flaky = true;
      o.message = fmt::format(
          "{} is flaky: it failed {} time(s) on a correct {} before passing (usually a race, "
          "such as reading a file before the program has written it). Not held against you.",
          p.script, attempts - 1, p.replace);
    }
    if (misses.empty()) {
      o.status = report::CheckStatus::kPass;
      return o;
    }
    o.status = report::CheckStatus::kFail;
    std::string text =
        fmt::format("{} caught {} of {} faulty versions.", p.script, caught, p.mutants.size());
    for (const auto& miss : misses) text += "\n- " + miss;
    o.message = o.message.empty() ? text : text + "\n" + o.message;
    return o;
  }

 private:
  static void AddRun(const rubric::Check& c, const rubric::Rubric& rubric, const Params& p,
                     const std::string& local, const std::vector<std::string>& program,
                     int attempts, PlanBuilder& plan) {
    protocol::Step s;
    s.group = kAfterCasesGroup;
    // Its own copy per run: attempts > 1 needs a sandbox no other step
    // names, and one run's leftovers (output.log, garfield's litterbox
    // ownership) must not reach another's.
    std::string sandbox = c.id + "." + local;
    for (auto& ch : sandbox) ch = ch == '/' ? '.' : ch;
    s.sandbox = sandbox;
    s.sandbox_from = "";  // the workdir after the build
    s.at_workdir = true;
    s.fresh_users = true;
    s.attempts = attempts;
    s.overlay = NoBuildTools();
    s.overlay.push_back(ProgramShim(p.replace, program));
    s.process.argv = {"bash", p.script};
    s.process.env["PATH"] = NoBuildPath(rubric.workdir);
    s.process.timeout_s = c.timeout_s.value_or(kDefaultTimeout);
    s.process.output_cap = kOutputCap;
    plan.Add(c, local, std::move(s));
  }
};

}  // namespace

std::unique_ptr<CheckType> MakeTestAdequacyType() { return std::make_unique<TestAdequacy>(); }

}  // namespace ipc::checks
