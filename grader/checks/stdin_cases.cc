// stdin_cases: a matrix of crafted inputs fed on stdin to the student's
// program and to the reference, under the same conditions, compared by
// outcome class (content / refusal / crash + exit code / timeout).
//   program:   [python, prog.py]    ({dir} = the workdir)
//   reference: prog                 a path_cat program of the rubric's
//                                   `programs:` (run as ref-cat)
//   refusal:   REFUSED              output prefix that means "refused"
//                                   (default: the program's refusal word)
//   setup:     "mkdir -p ..."       bash, as root, in the box before the runs
//   setup_needs: [data/]            what the set-up needs of the tree: when
//                                   one is missing, a failed set-up is the
//                                   submission's failure, not the grader's
//   user:      alice                run both programs as this user (optional)
//   login_shell: false              `su - user -c`, as a test may run it
//   data_files: true                the rubric's data files where missing
//   from:      pristine             or a command check's id
//   cases:
//     - {name: notes, stdin: "notes.txt", expect: content}
//     - {name: bad-utf8, stdin_hex: "ff0a"}
//   expect (per case, optional): content | refusal | crash — the outcome the
//   assignment requires, checked in addition to matching the reference.
// Every case of the student's program runs as its own process in a fresh
// box made from the set-up's box; the reference runs all its cases in one
// step (`ref-cat --cases`) in a box of the grader's own, before any student
// code. Points: the fraction of cases that match.
#include <fmt/format.h>

#include "checks/classify.h"
#include "checks/types.h"
#include "protocol/case_batch.h"

namespace ipc::checks {
namespace {

// Cases in a row that time out before the check's remaining cases are
// reported timed out without being run (protocol Box::group_timeouts).
constexpr int kTimeoutsBeforeSkipping = 3;

constexpr double kDefaultTimeout = 5;
constexpr std::size_t kOutputCap = 4096;  // bytes kept per stream of each run

struct Case {
  std::string name;
  std::string stdin_data;
  std::optional<OutcomeClass> expect;
};

struct Params {
  std::vector<std::string> program;
  std::vector<std::string> reference;  // argv, tool first
  std::string refusal;
  std::string setup;
  // Paths of the student's tree the set-up works on ("data/": a
  // folder). When one is missing, a failing set-up is the submission's
  // fault (the check fails), not the grader's (an error).
  std::vector<std::string> setup_needs;
  std::string user;
  bool login_shell = false;
  bool data_files = true;
  std::string from;  // "" = pristine; else a command check
  std::vector<Case> cases;
};

std::string FromHex(rubric::NodeReader& r, const YAML::Node& at, const std::string& hex) {
  std::string out, digits;
  for (char ch : hex) {
    if (ch == ' ') continue;
    if (!std::isxdigit(static_cast<unsigned char>(ch))) r.Fail(at, "'stdin_hex' must be hex digits");
    digits += ch;
  }
  if (digits.size() % 2 != 0) r.Fail(at, "'stdin_hex' must have an even number of digits");
  for (std::size_t i = 0; i < digits.size(); i += 2) {
    out += static_cast<char>(std::stoi(digits.substr(i, 2), nullptr, 16));
  }
  return out;
}

// The first of `paths` the graded tree lacks ("data/ folder",
// "prog.py"), or "" when all are there or the tree is unknown.
std::string MissingFromTree(const Evidence& ev, const std::vector<std::string>& paths) {
  if (ev.snapshot == nullptr) return "";
  for (const std::string& want : paths) {
    const bool dir = want.ends_with('/');
    const std::string path = dir ? want.substr(0, want.size() - 1) : want;
    bool found = false;
    for (const auto& e : ev.snapshot->entries) {
      if (e.path == path && (!dir || e.type == fetch::EntryType::kDir)) found = true;
      if (dir && e.path.starts_with(want)) found = true;  // trees list files only
    }
    if (!found) return dir ? want + " folder" : want;
  }
  return "";
}

Params Parse(const rubric::Check& check, const rubric::Rubric& rubric) {
  auto r = ParamsReader(check);
  for (const char* gone : {"sandbox", "in_process"}) {
    if (r.Has(gone)) {
      r.FailKey(gone, std::string("'") + gone +
                          "' is gone: every case of the student's program now runs as its own "
                          "process in a fresh box, and the probe writes its record");
    }
  }
  Params p;
  p.program = r.RequireStringList("program");
  if (YAML::Node ref = r.Child("reference"); ref && ref.IsSequence()) {
    r.FailValue("reference", "'reference' now names a program of the rubric's 'programs' (e.g. "
                             "reference: prog), whose description configures ref-cat");
  }
  const auto& program = RequireProgram(r, "reference", ProgramsOf(rubric));
  const auto* cat = std::get_if<reference::CatSpec>(&program.spec);
  if (cat == nullptr) {
    r.FailValue("reference", "stdin_cases compares programs that read a name on stdin: its "
                             "reference must be a path_cat program");
  }
  p.reference = reference::ReferenceArgv(program.spec);
  p.refusal = r.OptString("refusal").value_or(cat->refusal);
  p.setup = r.OptString("setup").value_or("");
  p.setup_needs = r.OptStringList("setup_needs").value_or(std::vector<std::string>{});
  if (!p.setup_needs.empty() && p.setup.empty()) {
    r.FailKey("setup_needs", "'setup_needs' names what 'setup' needs, but there is no 'setup'");
  }
  p.user = r.OptString("user").value_or("");
  p.login_shell = r.OptBool("login_shell").value_or(false);
  if (p.login_shell && p.user.empty()) r.FailKey("login_shell", "'login_shell' needs 'user'");
  p.data_files = r.OptBool("data_files").value_or(true);
  p.from = RequireEarlierCommand(r, "from", check, rubric);
  YAML::Node cases = r.Child("cases");
  if (!cases || !cases.IsSequence() || cases.size() == 0) {
    r.FailKey("cases", "'cases' must be a non-empty list of {name, stdin | stdin_hex}");
  }
  std::set<std::string> names;
  for (const auto& node : cases) {
    rubric::NodeReader cr(node, r.file(), r.what() + " case");
    Case c;
    c.name = cr.RequireString("name");
    if (!names.insert(c.name).second) cr.Fail(node, "duplicate case name '" + c.name + "'");
    auto text = cr.OptString("stdin");
    auto hex = cr.OptString("stdin_hex");
    if (text.has_value() == hex.has_value()) {
      cr.Fail(node, "case '" + c.name + "' needs exactly one of 'stdin' or 'stdin_hex'");
    }
    c.stdin_data = text ? *text : FromHex(cr, node["stdin_hex"], *hex);
    if (auto e = cr.OptString("expect")) {
      if (*e == "content") c.expect = OutcomeClass::kContent;
      else if (*e == "refusal") c.expect = OutcomeClass::kRefusal;
      else if (*e == "crash") c.expect = OutcomeClass::kCrash;
      else cr.Fail(node["expect"], "'expect' must be content, refusal or crash, got '" + *e + "'");
    }
    cr.RejectUnknown();
    p.cases.push_back(std::move(c));
  }
  r.RejectUnknown();
  return p;
}

std::string CaseStep(const Case& cs) { return "case." + cs.name; }

class StdinCases : public CheckType {
 public:
  std::string Name() const override { return "stdin_cases"; }
  void Validate(const rubric::Check& c, const rubric::Rubric& rubric) const override {
    Parse(c, rubric);
  }

  void Plan(const rubric::Check& c, const rubric::Rubric& rubric,
            PlanBuilder& plan) const override {
    const Params p = Parse(c, rubric);
    const std::string from =
        p.from.empty() ? protocol::kFromPristine : PlanBuilder::FromCheck(p.from);
    const auto files = p.data_files ? plan.DataFiles() : std::vector<protocol::FileOverlay>{};
    const double timeout = c.timeout_s.value_or(kDefaultTimeout);
    auto setup_step = [&](const std::string& id) {
      protocol::Step s;
      s.id = id;
      s.student = false;  // the rubric's own commands
      s.process.argv = {"bash", "-c", p.setup};
      s.process.timeout_s = 30;
      return s;
    };
    auto run_step = [&](const std::string& id, std::vector<std::string> argv, bool student) {
      protocol::Step s;
      s.id = id;
      s.student = student;
      s.process.argv = std::move(argv);
      s.process.user = p.user;
      s.process.login_shell = p.login_shell;
      s.process.timeout_s = timeout;
      s.process.output_cap = kOutputCap;
      return s;
    };
    // The reference: every case in one step, in a box of the grader's own.
    std::vector<protocol::BatchCase> batch;
    for (const auto& cs : p.cases) batch.push_back({cs.name, cs.stdin_data, timeout, kOutputCap});
    protocol::Box ref;
    // Never `from`: that box ran student code, and the reference is
    // observed before any student code (protocol/plan_rules.cc). The
    // reference needs only the data files and its own set-up.
    ref.files = files;
    if (!p.setup.empty()) ref.steps.push_back(setup_step("reference.setup"));
    auto argv = PlanBuilder::ResolveTools(p.reference);
    argv.push_back("--cases");
    protocol::Step all = run_step("reference", std::move(argv), /*student=*/false);
    all.process.stdin_data = protocol::BatchRequest(batch);
    all.process.timeout_s = protocol::BatchTimeout(batch);
    all.process.output_cap = protocol::BatchOutputCap(batch);
    ref.steps.push_back(std::move(all));
    plan.AddBox(c, "reference", std::move(ref));
    // The student's program: the set-up once, kept; then a fresh box from
    // it for every case.
    std::string case_from = from;
    if (!p.setup.empty()) {
      protocol::Box setup;
      setup.from = from;
      setup.files = files;
      setup.save = true;
      setup.steps.push_back(setup_step("setup"));
      plan.AddBox(c, "setup", std::move(setup));
      case_from = protocol::FromBox(c.id + "/setup");
    }
    for (const auto& cs : p.cases) {
      protocol::Box box;
      box.from = case_from;
      if (p.setup.empty()) box.files = files;
      // A program that hangs on every input costs this check three
      // timeouts, not the grading's whole time: the probe reports the
      // remaining cases timed out without running them.
      box.group = c.id;
      box.group_timeouts = kTimeoutsBeforeSkipping;
      protocol::Step s = run_step(CaseStep(cs), p.program, /*student=*/true);
      s.process.stdin_data = cs.stdin_data;
      box.steps.push_back(std::move(s));
      plan.AddBox(c, CaseStep(cs), std::move(box));
    }
  }

  Outcome Score(const rubric::Check& c, const Evidence& ev) const override {
    const Params p = Parse(c, *ev.rubric);
    if (!p.setup.empty()) {
      const auto* ref_setup = ev.Step(c, "reference.setup");
      if (auto missing = MissingStep(ev, ref_setup)) return *missing;
      const auto* setup = ev.Step(c, "setup");
      if (auto missing = MissingStep(ev, setup)) return *missing;
      if (setup->process.exit_code != 0) {
        const std::string missing = MissingFromTree(ev, p.setup_needs);
        if (!missing.empty()) {
          Outcome o = Outcome::Fail("this check's set-up (the assignment's own steps) cannot "
                                    "run: your repository has no " + missing);
          o.expected = missing + " in the repository";
          o.output = Abbrev(setup->process.stderr_data, 300);
          return o;
        }
        return Outcome::Error("the grader's own set-up for this check failed (" +
                              DescribeExit(setup->process) + "): " +
                              Abbrev(setup->process.stderr_data, 300));
      }
    }
    // The reference's records, one per case, and the student's runs.
    const auto* runner = ev.Step(c, "reference");
    if (auto missing = MissingStep(ev, runner)) return *missing;
    if (auto failed = GraderStepFailed("the reference program's runs", runner->process)) {
      return *failed;
    }
    std::vector<protocol::ProcessResult> runs[2];
    std::string why;
    for (auto& r : protocol::BatchResults(runner->process, p.cases.size(), &why)) {
      if (!r) return Outcome::Error("the reference program's runs: " + why);
      runs[1].push_back(std::move(*r));
    }
    for (const auto& cs : p.cases) {
      const auto* st = ev.Step(c, CaseStep(cs));
      if (auto missing = MissingStep(ev, st)) return *missing;
      runs[0].push_back(st->process);
    }
    int passed = 0;
    std::vector<std::string> problems;
    std::string students, references;
    const std::optional<std::uint64_t> memory_mb =
        ev.rubric ? std::optional(ev.rubric->limits.memory_mb) : std::nullopt;
    for (std::size_t i = 0; i < p.cases.size(); ++i) {
      const Case& cs = p.cases[i];
      const Classified s = Classify(runs[0][i], p.refusal);
      const Classified r = Classify(runs[1][i], p.refusal);
      const bool same = SameOutcome(s, r);
      const bool as_required = !cs.expect || s.cls == *cs.expect;
      students += fmt::format("{}{}: {}", students.empty() ? "" : "; ", cs.name, s.Describe(p.refusal, memory_mb));
      references += fmt::format("{}{}: {}", references.empty() ? "" : "; ", cs.name, r.Describe(p.refusal, memory_mb));
      if (same && as_required) {
        ++passed;
        continue;
      }
      std::string line = fmt::format("input {} ({}): yours {}", Abbrev(cs.stdin_data, 40), cs.name,
                                     s.Describe(p.refusal, memory_mb));
      if (!same) line += ", the reference " + r.Describe(p.refusal, memory_mb);
      if (!as_required) line += ", the assignment requires " + OutcomeClassName(*cs.expect);
      problems.push_back(line);
    }
    Outcome o;
    o.student = students;
    o.reference = references;
    o.expected = fmt::format("{} inputs behave like the reference", p.cases.size());
    o.fraction = static_cast<double>(passed) / static_cast<double>(p.cases.size());
    if (problems.empty()) {
      o.status = report::CheckStatus::kPass;
      return o;
    }
    o.status = report::CheckStatus::kFail;
    std::string list;
    for (const auto& pr : problems) list += "\n- " + pr;
    o.message = fmt::format("{} of {} inputs differ from the reference:{}", problems.size(),
                            p.cases.size(), list);
    return o;
  }
};

}  // namespace

std::unique_ptr<CheckType> MakeStdinCasesType() { return std::make_unique<StdinCases>(); }

}  // namespace ipc::checks
