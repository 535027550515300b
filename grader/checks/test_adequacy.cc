// test_adequacy: is the student's test script a proper test, one that can
// tell a correct program from a broken one? It runs the script (as the CI
// job would: `bash <script>` at the workdir, with the job's environment)
// once with the program it tests replaced by a correct stand-in, and once
// per seeded faulty version (mutant). Proper = passes on the correct one,
// fails on every mutant.
//   script:  test_prog.sh          the student's test (relative path)
//   program: prog                  a program of the rubric's `programs:`
//   mutants: [always-refuses]      mutants of the rubric's `mutants:`
//   reruns:  2                     more runs: the correct one passes if one
//                                  run passes (a racy test is flaky, not
//                                  wrong); a mutant is caught only if every
//                                  run fails (a detection that does not
//                                  repeat is no detection)
//   job:     test                  whose CI environment the script gets
//   data_files: true               the rubric's data files where missing
// Points: the share of mutants caught; 0 when the script fails on the
// correct program (after the reruns).
//
// Every run gets a fresh box from the tree as committed. The stand-in is
// the program's source, written in the student's language from the
// rubric's description (reference/oracle_spec.h), at the source's path, and
// built as the rubric says (e.g. `gcc -o prog prog.c`) before the
// script starts: a script that runs `make` rebuilds the same stand-in. A
// script can read nothing that tells a stand-in from a student's program:
// no grader text, the argv the script gives it, the job's PATH. What still
// differs is the source itself (its text, a per-submission random
// identifier in it, so no list of hashes can recognise it); a script that
// inspects the source is judged by what it checks.
#include "checks/test_adequacy.h"

#include <fmt/format.h>

#include <set>

#include "checks/gitlab_ci.h"

namespace ipc::checks {
namespace {

constexpr double kDefaultTimeout = 30;
constexpr std::size_t kOutputCap = 16 * 1024;
constexpr int kMaxReruns = 5;

struct Params {
  std::string script;
  const reference::Program* program = nullptr;
  std::vector<const reference::Mutant*> mutants;
  int reruns = 2;
  std::string job = "test";
  bool data_files = true;
};

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

Params Parse(const rubric::Check& check, const rubric::Rubric& rubric) {
  auto r = ParamsReader(check);
  if (r.Has("replace")) {
    r.FailKey("replace", "'replace' is gone: name the program with 'program' (a program of the "
                         "rubric's 'programs'); its stand-in replaces the program's source");
  }
  if (YAML::Node ref = r.Child("reference")) {
    r.FailKey("reference", "'reference' is gone: the correct stand-in is made from 'program'");
  }
  Params p;
  p.script = r.RequireString("script");
  if (auto why = PathProblem(p.script); !why.empty()) r.FailValue("script", "'script' " + why);
  const auto& programs = ProgramsOf(rubric);
  p.program = &RequireProgram(r, "program", programs);
  if (auto n = r.OptInt("reruns")) {
    if (*n < 0 || *n > kMaxReruns) {
      r.FailValue("reruns", fmt::format("'reruns' must be between 0 and {}", kMaxReruns));
    }
    p.reruns = static_cast<int>(*n);
  }
  p.job = r.OptString("job").value_or(p.job);
  p.data_files = r.OptBool("data_files").value_or(true);
  YAML::Node list = r.Child("mutants");
  if (!list || !list.IsSequence() || list.size() == 0) {
    r.FailKey("mutants", "'mutants' must be a non-empty list of mutant names");
  }
  std::set<std::string> names;
  for (const auto& node : list) {
    if (!node.IsScalar()) {
      r.Fail(node, "'mutants' lists names of the rubric's 'mutants' (the {name, run} form is "
                   "gone: a mutant is now a change of a program's description)");
    }
    const std::string name = node.as<std::string>();
    if (!names.insert(name).second) r.Fail(node, "mutant '" + name + "' is listed twice");
    const auto& m = RequireMutant(r, node, name, programs);
    if (m.program != p.program->name) {
      r.Fail(node, "mutant '" + name + "' is a version of program '" + m.program + "', not of '" +
                       p.program->name + "'");
    }
    p.mutants.push_back(&m);
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

std::string MutantStep(const reference::Mutant& m) { return "mutant." + m.name; }

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
  void Validate(const rubric::Check& c, const rubric::Rubric& rubric) const override {
    Parse(c, rubric);
  }

  void Plan(const rubric::Check& c, const rubric::Rubric& rubric,
            PlanBuilder& plan) const override {
    const Params p = Parse(c, rubric);
    // Nothing to run when the script is known to be missing; Score says so.
    // Unknown (no snapshot): plan anyway, bash then reports the missing file.
    if (plan.snapshot() != nullptr && !ScriptPresent(*plan.snapshot(), p.script)) return;
    AddRun(c, rubric, p, "reference", p.program->spec, plan);
    for (const auto* m : p.mutants) AddRun(c, rubric, p, MutantStep(*m), m->spec, plan);
  }

  Outcome Score(const rubric::Check& c, const Evidence& ev) const override {
    const Params p = Parse(c, *ev.rubric);
    const std::string what = p.program->source;
    if (ev.snapshot != nullptr && !ScriptPresent(*ev.snapshot, p.script)) {
      Outcome o = Outcome::Fail(fmt::format(
          "{} not found in the repository: the assignment asks for this test of {}; add it and "
          "commit it.",
          p.script, what));
      o.expected = p.script + " in the repository";
      o.student = "no " + p.script;
      return o;
    }
    const std::string cmd = "bash " + p.script;
    auto run_of = [&](const std::string& local) -> std::pair<const protocol::StepResult*,
                                                             std::unique_ptr<Outcome>> {
      if (!p.program->build.empty()) {
        const auto* build = ev.Step(c, local + ".build");
        if (auto missing = MissingStep(ev, build)) return {nullptr, std::move(missing)};
        if (!build->process.started || build->process.exit_code != 0) {
          return {nullptr, std::make_unique<Outcome>(Outcome::Error(fmt::format(
                               "the grader could not build its stand-in for {} in your tree ({}): {}",
                               what, DescribeExit(build->process),
                               Abbrev(build->process.stderr_data, 300))))};
        }
      }
      const auto* run = ev.Step(c, local);
      if (auto missing = MissingStep(ev, run)) return {nullptr, std::move(missing)};
      if (!run->process.started) {
        return {nullptr, std::make_unique<Outcome>(Outcome::Error(
                             "the grader could not run `" + cmd + "`: " + run->process.error))};
      }
      return {run, nullptr};
    };
    auto [ref, ref_error] = run_of("reference");
    if (ref_error) return *ref_error;
    Outcome o;
    std::string mutant_names;
    for (const auto* m : p.mutants) mutant_names += (mutant_names.empty() ? "" : ", ") + m->name;
    o.expected = fmt::format(
        "`{}` passes (exit 0) with a correct {} and fails (non-zero exit) with each faulty "
        "version: {}",
        cmd, what, mutant_names);
    const int attempts = 1 + static_cast<int>(ref->earlier_attempts.size());
    o.reference = fmt::format("with a correct {}: {}{}", what, Verdict(ref->process),
                              attempts > 1 ? fmt::format(" at attempt {}", attempts) : "");
    std::string student = "correct " + what + ": " + Verdict(ref->process);

    if (!Passed(ref->process)) {
      o.status = report::CheckStatus::kFail;
      o.fraction = 0;
      o.message = fmt::format(
          "{} fails even on a correct {} ({}, {}): it cannot tell right from wrong. Make it "
          "pass on a correct program first; its output is below.",
          p.script, what, DescribeExit(ref->process),
          attempts > 1 ? fmt::format("in all {} runs", attempts) : "run once");
      o.student = student;
      o.output = ScriptOutput(cmd + "   (" + what + " = a correct version)", ref->process);
      return o;
    }

    int caught = 0;
    std::vector<std::string> misses;
    for (const auto* m : p.mutants) {
      auto [run, error] = run_of(MutantStep(*m));
      if (error) return *error;
      const int runs = 1 + static_cast<int>(run->earlier_attempts.size());
      const bool fooled = Passed(run->process);
      student += fmt::format("; {}: {}{}", m->name, Verdict(run->process),
                             fooled ? ", not caught" : ", caught");
      if (!fooled) {
        ++caught;
        continue;
      }
      const std::string once =
          runs > 1 ? fmt::format(" (it failed {} time(s) first, then passed: a detection that "
                                 "does not repeat is not a detection)",
                                 runs - 1)
                   : "";
      misses.push_back(fmt::format("{} passed against a {} that {} (mutant {}){}: it is not a "
                                   "proper test case; {}.",
                                   p.script, what, m->description, m->name, once, m->hint));
      if (o.output.empty()) {
        o.output = ScriptOutput(cmd + "   (" + what + " = faulty version " + m->name + ")",
                                run->process);
      }
    }
    o.student = student;
    o.fraction = static_cast<double>(caught) / static_cast<double>(p.mutants.size());
    if (attempts > 1) {
      o.flaky = true;
      o.message = fmt::format(
          "{} is flaky: it failed {} time(s) on a correct {} before passing (usually a race, "
          "such as reading a file before the program has written it). Not held against you.",
          p.script, attempts - 1, what);
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
                     const std::string& local, const reference::ProgramSpec& spec,
                     PlanBuilder& plan) {
    const auto stand_in = reference::MakeStandIn(*p.program, spec, plan.Token(c, local));
    protocol::Box box;
    box.from = protocol::kFromPristine;
    if (p.data_files) box.files = plan.DataFiles();
    protocol::FileOverlay source;
    source.path = stand_in.path;
    source.content = stand_in.content;
    source.mode = stand_in.mode;
    box.files.push_back(std::move(source));
    // Until a run passes: the correct one passes if any run does; a mutant
    // is caught only if every run fails.
    box.attempts = 1 + p.reruns;
    const double timeout = c.timeout_s.value_or(kDefaultTimeout);
    if (!stand_in.build.empty()) {
      protocol::Step build;
      build.id = local + ".build";
      build.student = false;  // the grader's own stand-in, built as the rubric says
      build.process.argv = stand_in.build;
      build.process.timeout_s = timeout;
      build.process.output_cap = kOutputCap;
      box.steps.push_back(std::move(build));
    }
    protocol::Step s;
    s.id = local;
    s.process.argv = {"bash", p.script};
    s.process.env = JobEnvironment(p.job, rubric.workdir);
    s.process.timeout_s = timeout;
    s.process.output_cap = kOutputCap;
    box.steps.push_back(std::move(s));
    plan.AddBox(c, local, std::move(box));
  }
};

}  // namespace

std::unique_ptr<CheckType> MakeTestAdequacyType() { return std::make_unique<TestAdequacy>(); }

}  // namespace ipc::checks
