// command: run a command in the submission folder (typically the build).
//   run: [make]             argv (a string runs through `bash -c`)
//   expect_exit: 0
//   produces: [listener]    paths that must exist afterwards (optional)
//   stage: build            build (before every other step) | run
#include <fmt/format.h>

#include "checks/types.h"

namespace ipc::checks {
namespace {

constexpr double kDefaultTimeout = 60;
constexpr std::size_t kOutputCap = 16 * 1024;

struct Params {
  std::vector<std::string> argv;
  int expect_exit = 0;
  std::vector<std::string> produces;
  int group = 0;
};

Params Parse(const rubric::Check& check) {
  auto r = ParamsReader(check);
  Params p;
  YAML::Node run = r.Child("run");
  if (!run) r.FailKey("run", "missing required key 'run'");
  if (run.IsScalar()) {
    p.argv = {"bash", "-c", run.as<std::string>()};
  } else {
    p.argv = r.RequireStringList("run");
    if (p.argv.empty()) r.Fail(run, "'run' must not be empty");
  }
  p.expect_exit = static_cast<int>(r.OptInt("expect_exit").value_or(0));
  p.produces = r.OptStringList("produces").value_or(std::vector<std::string>{});
  const std::string stage = r.OptString("stage").value_or("build");
  if (stage == "build") {
    p.group = 0;
  } else if (stage == "run") {
    p.group = 1;
  } else {
    r.FailKey("stage", "'stage' must be 'build' or 'run', got '" + stage + "'");
  }
  r.RejectUnknown();
  return p;
}

class Command : public CheckType {
 public:
  std::string Name() const override { return "command"; }
  void Validate(const rubric::Check& c, const rubric::Rubric&) const override { Parse(c); }

  void Plan(const rubric::Check& c, const rubric::Rubric&, PlanBuilder& plan) const override {
    const Params p = Parse(c);
    protocol::Step step;
    step.kind = protocol::Step::Kind::kExec;
    step.group = p.group;
    step.process.argv = p.argv;
    step.process.timeout_s = c.timeout_s.value_or(kDefaultTimeout);
    step.process.output_cap = kOutputCap;
    plan.Add(c, "run", step);
    if (!p.produces.empty()) {
      // A separate step after the command sees what it left behind; `ls -ld`
      // prints one line per path that exists, and fails for those that don't.
      protocol::Step look;
      look.group = p.group + 1;  // after the command, not beside it
      look.process.argv = {"ls", "-ld", "--"};
      for (const auto& f : p.produces) look.process.argv.push_back(f);
      look.process.timeout_s = 10;
      plan.Add(c, "produces", look);
    }
  }

  Outcome Score(const rubric::Check& c, const Evidence& ev) const override {
    const Params p = Parse(c);
    const auto* run = ev.Step(c, "run");
    if (auto missing = MissingStep(ev, run)) return *missing;
    const auto& pr = run->process;
    std::string cmd;
    for (const auto& a : p.argv) cmd += (cmd.empty() ? "" : " ") + a;
    Outcome o;
    o.expected = fmt::format("`{}` exits {}", cmd, p.expect_exit);
    o.student = DescribeExit(pr);
    o.output = pr.stdout_data + pr.stderr_data;
    if (pr.stdout_bytes + pr.stderr_bytes > pr.stdout_data.size() + pr.stderr_data.size()) {
      o.output += "\n[output truncated]";
    }
    const bool ok = pr.started && !pr.timed_out && !pr.term_signal && pr.exit_code &&
                    *pr.exit_code == p.expect_exit;
    if (!ok) {
      o.status = report::CheckStatus::kFail;
      o.message = fmt::format("`{}` {} (expected exit {}). The command's output is below.",
                              cmd, DescribeExit(pr), p.expect_exit);
      return o;
    }
    if (!p.produces.empty()) {
      const auto* look = ev.Step(c, "produces");
      if (auto missing = MissingStep(ev, look)) return *missing;
      const auto& lp = look->process;
      if (!lp.started || lp.timed_out || lp.term_signal) {
        // Not an answer about the student's files: the grader's own `ls`
        // did not run to the end (e.g. a fork bomb took every pid).
        return Outcome::Error("the grader could not look for what `" + cmd + "` should produce (" +
                              (lp.started ? DescribeExit(lp) : lp.error) + ")");
      }
      if (!lp.exit_code || *lp.exit_code != 0) {
        o.status = report::CheckStatus::kFail;
        std::string want;
        for (const auto& f : p.produces) want += (want.empty() ? "" : ", ") + f;
        o.message = fmt::format("`{}` succeeded but did not produce {}.", cmd, want);
        o.student += "; missing: " + Abbrev(look->process.stderr_data);
        return o;
      }
    }
    Outcome pass = Outcome::Pass();
    pass.expected = o.expected;
    pass.student = o.student;
    pass.output = o.output;
    return pass;
  }
};

}  // namespace

std::unique_ptr<CheckType> MakeCommandType() { return std::make_unique<Command>(); }

}  // namespace ipc::checks
