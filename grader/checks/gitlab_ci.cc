#include "checks/gitlab_ci.h"

#include <fmt/format.h>

#include "checks/ci_runs.h"
#include "checks/gitlab_ci_parse.h"
#include "checks/gitlab_ci_scan.h"
#include "util/sha256.h"

namespace ipc::checks {
namespace {

constexpr const char* kCiFile = ".gitlab-ci.yml";
constexpr double kDefaultTimeout = 30;  // per attempt; the model job takes ~3 s
constexpr long long kMaxReruns = 10;
constexpr std::size_t kOutputCap = 256 * 1024;
constexpr std::size_t kTailBytes = 4000;

// Runs the job's commands, which arrive in IPC_CI_N and IPC_CI_0.. (the
// environment carries the student's bytes verbatim, so no student text is
// ever quoted into a shell string here). As a GitLab runner: one bash for
// before_script + script, `set -eo pipefail`, each command echoed as
// "$ command" (EchoOf) before it runs, stderr merged into the log. The
// variables are unset first so the student's processes do not inherit them.
constexpr const char* kDriver = R"(exec 2>&1
set -eo pipefail
ipc_ci_lines=()
for ((ipc_ci_i = 0; ipc_ci_i < IPC_CI_N; ipc_ci_i++)); do
  ipc_ci_var="IPC_CI_$ipc_ci_i"
  ipc_ci_lines+=("${!ipc_ci_var}")
  unset "$ipc_ci_var"
done
unset IPC_CI_N ipc_ci_i ipc_ci_var
for ipc_ci_line in "${ipc_ci_lines[@]}"; do
  printf '$ %s\n' "$ipc_ci_line"
  eval "$ipc_ci_line"
done
)";


struct Params {
  std::string job;
  std::string image;
  std::vector<std::string> scripts;
  int reruns = 2;
  double timeout_s = kDefaultTimeout;
  // Said to a student whose job failed: how to run it at home.
  std::string run_locally;
  // Said when a run failed once and passed on a rerun.
  std::string flaky_note;
};

Params Parse(const rubric::Check& check, const rubric::Rubric& rubric) {
  auto r = ParamsReader(check);
  Params p;
  p.job = r.OptString("job").value_or("");
  p.image = r.OptString("image").value_or(rubric.image);
  if (p.image.empty()) r.FailValue("image", "'image' must not be empty");
  p.scripts = r.OptStringList("scripts").value_or(std::vector<std::string>{});
  for (const auto& s : p.scripts) {
    if (s.empty() || s.find_first_of(" \t\n") != std::string::npos) {
      r.FailValue("scripts", "'scripts' entries are file names without blanks, got '" + s + "'");
    }
  }
  const long long reruns = r.OptInt("reruns").value_or(2);
  if (reruns < 0 || reruns > kMaxReruns) {
    r.FailValue("reruns", fmt::format("'reruns' must be 0 to {}, got {}", kMaxReruns, reruns));
  }
  p.reruns = static_cast<int>(reruns);
  p.timeout_s = check.timeout_s.value_or(kDefaultTimeout);
  p.run_locally = r.OptString("run_locally").value_or("");
  p.flaky_note = r.OptString("flaky_note").value_or(
      "a test that races (for example, one that reads a program's output before the program has "
      "written it) can fail a correct program");
  const double worst = p.timeout_s * (p.reruns + 1);
  if (worst >= rubric.limits.wall_s) {
    r.FailKey("reruns", fmt::format("{} attempts of {} s each can outlast the container's "
                                    "limits.wall_s of {} s: lower 'reruns' or 'timeout'",
                                    p.reruns + 1, rubric::FormatNumber(p.timeout_s),
                                    rubric::FormatNumber(rubric.limits.wall_s)));
  }
  r.RejectUnknown();
  return p;
}

// The job as read from one snapshot; `problem` says why there is none.
struct JobView {
  std::string text;
  std::optional<CiFile> ci;
  const CiJob* job = nullptr;  // into *ci
  std::string problem;
};

// " at milestone1" for a check graded at another ref, "" at the graded one.
std::string AtRef(const rubric::Check& c) { return c.ref.empty() ? "" : " at " + c.ref; }

void Inspect(const rubric::Check& c, const Params& p, const fetch::Snapshot& snap,
             JobView* v) {
  const auto text = snap.ReadFile(kCiFile);
  if (!text) {
    v->problem = fmt::format("{} is not in the repository{}: GitLab runs no pipeline without "
                             "it; add it as the assignment's Part 0 shows",
                             kCiFile, AtRef(c));
    return;
  }
  v->text = *text;
  std::string err;
  v->ci = ParseGitlabCi(v->text, kCiFile, &err);
  if (!v->ci) {
    v->problem = err + " (GitLab rejects the file and runs no job)";
    return;
  }
  v->job = SelectJob(*v->ci, p.job, &err);
  if (v->job == nullptr) v->problem = std::string(kCiFile) + AtRef(c) + ": " + err;
}

std::string NormalImage(std::string image) {
  for (const char* prefix : {"docker.io/library/", "docker.io/", "library/"}) {
    if (image.rfind(prefix, 0) == 0) image = image.substr(std::string(prefix).size());
  }
  const auto slash = image.rfind('/');
  if (image.find(':', slash == std::string::npos ? 0 : slash) == std::string::npos &&
      image.find('@') == std::string::npos) {
    image += ":latest";
  }
  return image;
}

// Notes about what the grader ran that differs from what GitLab would.
std::string Notes(const Params& p, const JobView& v) {
  std::string out;
  if (v.job->image.empty()) {
    out += fmt::format("\nNote: {} names no image, so GitLab would use the runner's default; "
                       "the grader ran the job in the assignment's image ({}).",
                       kCiFile, p.image);
  } else if (NormalImage(v.job->image) != NormalImage(p.image)) {
    out += fmt::format("\nNote: {} asks for image '{}', but the assignment says '{}' (\"don't "
                       "change this\"); the grader ran the job in {}, not in {}.",
                       kCiFile, v.job->image, p.image, p.image, v.job->image);
  }
  for (const auto& n : v.ci->notes) out += "\nNote: " + n + ".";
  return out;
}

bool Passed(const protocol::ProcessResult& pr) {
  return pr.started && !pr.timed_out && !pr.term_signal && pr.exit_code == 0;
}

// "`./test_prog.sh` (exit 1)", naming the command running when it stopped.
std::string WhereItStopped(const protocol::ProcessResult& pr,
                           const std::vector<std::string>& lines) {
  const auto at = LastStartedCommand(pr.stdout_data, lines);
  const std::string how = DescribeExit(pr);
  if (!at) return "before its first command (" + how + ")";
  return fmt::format("at `{}` ({})", Abbrev(lines[*at], 120), how);
}

std::string Tail(const protocol::ProcessResult& pr) {
  std::string out = pr.stdout_data;
  std::string head;
  if (out.size() > kTailBytes) {
    head = fmt::format("[... {} bytes before]\n", out.size() - kTailBytes);
    out = out.substr(out.size() - kTailBytes);
  }
  if (pr.stdout_bytes > pr.stdout_data.size()) {
    out += fmt::format("\n[output cut: the job wrote {} bytes, {} kept]", pr.stdout_bytes,
                       pr.stdout_data.size());
  }
  return head + out;
}

// The job's environment: what a runner gives every job, and the job's own
// variables except those that change how a shell, the dynamic linker or
// Python behaves (named in *dropped).
std::map<std::string, std::string> Environment(const Params& p, const JobView& v,
                                               const std::string& workdir,
                                               std::vector<std::string>* dropped) {
  std::map<std::string, std::string> env = JobEnvironment(v.job->name, workdir);
  const RunPolicy policy;
  for (const auto& [k, val] : v.job->variables) {
    if (IsUnsafeName(k, policy) || k == "PATH") {
      dropped->push_back(k);
      continue;
    }
    env[k] = val;
  }
  (void)p;
  return env;
}

std::string List(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
  return out;
}

// Whether a line of the job's script (or before_script) runs `script`.
bool NamedInJob(const CiJob& job, const std::string& script) {
  for (const auto* lines : {&job.before_script, &job.script}) {
    for (const auto& line : *lines) {
      if (CommandRunsScript(line, script)) return true;
    }
  }
  return false;
}

// One sentence per required script that did not pass in the job.
std::vector<std::string> ScriptVerdicts(const rubric::Check& c, const Params& p, const JobView& v,
                                        const fetch::Snapshot& snap,
                                        const protocol::StepResult& step, bool job_passed,
                                        const std::string& workdir) {
  RunPolicy policy;
  policy.workdir = workdir;
  for (const auto& s : p.scripts) {
    const auto text = snap.ReadFile(s);
    policy.committed_sha256.push_back(text ? Sha256Hex(*text) : "");
  }
  const auto runs = FindScriptRuns(step.trace, policy);
  const auto changed = ChangedByJob(step.trace, policy);
  std::vector<std::string> out;
  for (std::size_t i = 0; i < p.scripts.size(); ++i) {
    const std::string& s = p.scripts[i];
    const auto it = runs.find(static_cast<int>(i));
    const bool changed_by_job =
        std::find(changed.begin(), changed.end(), static_cast<int>(i)) != changed.end();
    if ((it == runs.end() || it->second.empty()) && changed_by_job) {
      // Run or not, what ran was not the committed test: a script without
      // a #! line that the job rewrote runs in a forked shell, unseen.
      out.push_back(fmt::format("{} was changed by the job (when the job ended it no longer held "
                                "the committed text), and no run of the committed file was seen: "
                                "a test only counts as committed",
                                s));
      continue;
    }
    if (it == runs.end() || it->second.empty()) {
      const std::string absent =
          snap.ReadFile(s) ? "" : fmt::format(" ({} is not in the repository{} either)", s, AtRef(c));
      if (auto commented = FindCommentedOut(v.text, s)) {
        out.push_back(fmt::format("{} was not run: it is commented out in {}{} (line {}: `{}`); "
                                  "uncomment it so CI runs it{}",
                                  s, kCiFile, AtRef(c), commented->line, commented->text, absent));
      } else if (!job_passed && NamedInJob(*v.job, s)) {
        // The line is there: the job stopped before it (its failure is
        // said on its own); telling the student to add it would be wrong.
        out.push_back(fmt::format("{} was not reached: job '{}'{} stopped before the line that "
                                  "runs it",
                                  s, v.job->name, AtRef(c)));
      } else {
        out.push_back(fmt::format("{} was not run by job '{}'{}: add `- ./{}` to its script{}", s,
                                  v.job->name, AtRef(c), s, absent));
      }
      continue;
    }
    std::vector<std::string> problems;
    bool failed = false;
    std::string how;
    for (const auto& run : it->second) {
      for (const auto& pr : run.problems) {
        if (std::find(problems.begin(), problems.end(), pr) == problems.end()) {
          problems.push_back(pr);
        }
      }
      if (run.Counts() && !run.Passed()) {
        failed = true;
        protocol::ProcessResult end;
        end.started = true;
        end.exit_code = run.exit_code;
        end.term_signal = run.term_signal;
        how = run.ended ? DescribeExit(end) : "did not end before the job did";
      }
    }
    if (!problems.empty()) {
      out.push_back(fmt::format("{} did not run as committed and alone, so its verdict does not "
                                "count: {}",
                                s, List(problems)));
    } else if (failed && job_passed) {
      out.push_back(fmt::format("{} failed ({}) but the job still passed: the job swallowed the "
                                "failure (e.g. `|| true` or `set +e`), so CI would not show it",
                                s, how));
    } else if (failed) {
      out.push_back(fmt::format("{} failed ({})", s, how));
    }
  }
  if (step.trace_truncated) {
    out.push_back("the grader's record of the job was cut short, so not every run could be seen");
  }
  return out;
}

class GitlabCi : public CheckType {
 public:
  std::string Name() const override { return "gitlab_ci"; }
  void Validate(const rubric::Check& c, const rubric::Rubric& rubric) const override {
    Parse(c, rubric);
  }
  bool GradesOtherRefs() const override { return true; }

  void Plan(const rubric::Check& c, const rubric::Rubric& rubric,
            PlanBuilder& plan) const override {
    const Params p = Parse(c, rubric);
    const fetch::Snapshot* snap = c.ref.empty() ? plan.snapshot() : plan.RefSnapshot(c.ref);
    if (snap == nullptr) return;  // Score reports the missing ref
    JobView v;
    Inspect(c, p, *snap, &v);
    if (v.job == nullptr) return;  // Score reports why
    protocol::Box box;
    // The tree as committed: the CI job starts from a fresh clone, not from
    // the grader's own build.
    box.from = c.ref.empty() ? protocol::kFromPristine : plan.UseTree(c.ref);
    if (box.from.empty()) return;
    box.attempts = p.reruns + 1;
    protocol::Step s;
    s.id = "job";
    s.process.argv = {"/bin/bash", "--noprofile", "--norc", "-c", kDriver, "gitlab-ci"};
    std::vector<std::string> dropped;
    s.process.env = Environment(p, v, rubric.workdir, &dropped);
    const auto lines = v.job->Lines();
    s.process.env["IPC_CI_N"] = std::to_string(lines.size());
    for (std::size_t i = 0; i < lines.size(); ++i) {
      s.process.env["IPC_CI_" + std::to_string(i)] = lines[i];
    }
    s.process.timeout_s = p.timeout_s;
    s.process.output_cap = kOutputCap;
    s.watch = p.scripts;
    box.steps.push_back(std::move(s));
    plan.AddBox(c, "job", std::move(box));
  }

  Outcome Score(const rubric::Check& c, const Evidence& ev) const override {
    const Params p = Parse(c, *ev.rubric);
    const fetch::Snapshot* snap = ev.snapshot;
    if (!c.ref.empty()) {
      const auto it = ev.other_refs.find(c.ref);
      snap = it == ev.other_refs.end() ? nullptr : &it->second;
    }
    if (snap == nullptr) {
      const auto why = ev.other_ref_errors.find(c.ref);
      Outcome o = Outcome::Fail(fmt::format(
          "tag {} not found{}: tag the commit that finishes that part (`git tag {}`) and push "
          "the tag (`git push origin {}`)",
          c.ref, why == ev.other_ref_errors.end() ? "" : " (" + why->second + ")", c.ref,
          c.ref));
      o.expected = "tag " + c.ref;
      o.student = "no tag " + c.ref;
      return o;
    }
    JobView v;
    Inspect(c, p, *snap, &v);
    std::string expected = fmt::format("{}{}: job {} passes", kCiFile, AtRef(c),
                                       p.job.empty() ? "(the one with a script)" : "'" + p.job + "'");
    if (!p.scripts.empty()) {
      expected += ", running " + List(p.scripts) + " to exit 0";
    }
    if (v.job == nullptr) {
      Outcome o = Outcome::Fail(v.problem);
      o.expected = expected;
      o.student = v.problem;
      return o;
    }
    const auto* step = ev.Step(c, "job");
    if (auto missing = MissingStep(ev, step)) return *missing;
    const auto& last = step->process;
    if (!last.started) {
      return Outcome::Error("the grader could not start the CI job: " + DescribeExit(last));
    }
    const auto lines = v.job->Lines();
    const int attempts = static_cast<int>(step->earlier_attempts.size()) + 1;
    const int allowed = p.reruns + 1;
    const bool job_passed = Passed(last);
    const auto verdicts = ScriptVerdicts(c, p, v, *snap, *step, job_passed, ev.rubric->workdir);
    std::vector<std::string> dropped;
    Environment(p, v, ev.rubric->workdir, &dropped);

    Outcome o;
    o.expected = expected;
    o.output = Tail(last);
    std::string message;
    if (job_passed) {
      o.student = fmt::format("job '{}' passed", v.job->name);
      if (attempts > 1) {
        const auto& first = step->earlier_attempts.front();
        o.flaky = true;
        o.student += fmt::format(" on attempt {} of {}", attempts, allowed);
        message = fmt::format(
            "The CI job '{}'{} passed on attempt {} of {}; attempt 1 stopped {}. It is reported "
            "as flaky, not failed: {}.",
            v.job->name, AtRef(c), attempts, allowed, WhereItStopped(first, lines), p.flaky_note);
      } else if (verdicts.empty()) {
        message = fmt::format("The CI job '{}'{} passed and ran {}.", v.job->name, AtRef(c),
                              p.scripts.empty() ? "its commands" : List(p.scripts));
      } else {
        message = fmt::format("The CI job '{}'{} passed, but not every test script ran and "
                              "passed in it:",
                              v.job->name, AtRef(c));
      }
    } else {
      o.student = fmt::format("job '{}' stopped {}", v.job->name, WhereItStopped(last, lines));
      message = fmt::format("The CI job '{}'{} failed {}{}. The end of its log is below.",
                            v.job->name, AtRef(c), WhereItStopped(last, lines),
                            attempts > 1 ? fmt::format(", on all {} attempts", attempts) : "");
      if (last.timed_out) {
        message += fmt::format(
            " Hint: the job was stopped after {} s; a command waited forever (a program run "
            "in the foreground without `&`, or one reading stdin).",
            rubric::FormatNumber(p.timeout_s));
      } else {
        message += " Hint: run the job's commands yourself in the assignment's container" +
                   (p.run_locally.empty() ? std::string() : " (" + p.run_locally + ")") +
                   " and fix the first one that fails.";
      }
    }
    for (const auto& verdict : verdicts) message += "\n" + verdict + ".";
    if (!verdicts.empty()) {
      o.student += fmt::format("; {} of {} test scripts did not pass in it", verdicts.size(),
                               p.scripts.size());
    }
    if (!dropped.empty()) {
      message += fmt::format(
          "\nNote: the job's variable(s) {} were not passed to the job: they change how the "
          "shell, the dynamic linker or Python behaves, so the tests would not run as written.",
          List(dropped));
    }
    message += Notes(p, v);
    o.message = message;
    const bool ok = job_passed && verdicts.empty();
    o.status = ok ? report::CheckStatus::kPass : report::CheckStatus::kFail;
    o.fraction = ok ? 1 : 0;
    return o;
  }
};

}  // namespace

std::unique_ptr<CheckType> MakeGitlabCiType() { return std::make_unique<GitlabCi>(); }

std::map<std::string, std::string> JobEnvironment(const std::string& job,
                                                  const std::string& workdir) {
  return {{"CI", "true"},
          {"GITLAB_CI", "true"},
          {"CI_JOB_NAME", job},
          {"CI_JOB_STAGE", "test"},
          {"CI_PROJECT_DIR", workdir},
          {"CI_BUILDS_DIR", workdir.substr(0, workdir.rfind('/') == 0 ? 1 : workdir.rfind('/'))},
          {"CI_SERVER", "yes"}};
}

}  // namespace ipc::checks
