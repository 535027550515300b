#include "checks/gitlab_ci.h"

#include <fmt/format.h>

#include "checks/gitlab_ci_parse.h"
#include "checks/gitlab_ci_scan.h"

namespace ipc::checks {
namespace {

constexpr const char* kCiFile = ".gitlab-ci.yml";
constexpr double kDefaultTimeout = 30;  // per attempt; the model job takes ~3 s
constexpr long long kMaxReruns = 10;
constexpr std::size_t kOutputCap = 256 * 1024;
constexpr std::size_t kTailBytes = 4000;
// After every other type's steps (they use groups 0 to 2): the job runs the
// student's commands as root, and whatever they leave outside /root (users,
// files in /tmp) must not reach another check.
constexpr int kGroup = 10;

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

constexpr const char* kRunLocally =
    "docker run -it --rm --mount type=bind,source=\"$(pwd)\",target=/root -w /root "
    "python:latest bash";

struct Params {
  std::string job;
  std::string image;
  std::vector<std::string> scripts;
  int reruns = 2;
  double timeout_s = kDefaultTimeout;
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

// " at part1" for a check graded at another ref, "" at the graded one.
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

// One line per test script the job does not run.
std::vector<std::string> ScriptProblems(const rubric::Check& c, const Params& p,
                                        const JobView& v, const fetch::Snapshot& snap) {
  std::vector<std::string> out;
  const auto lines = v.job->Lines();
  for (const auto& s : p.scripts) {
    bool runs = false;
    for (const auto& l : lines) runs |= CommandRunsScript(l, s);
    if (runs) continue;
    const std::string absent =
        snap.ReadFile(s) ? "" : fmt::format(" ({} is not in the repository{} either)", s, AtRef(c));
    if (auto commented = FindCommentedOut(v.text, s)) {
      out.push_back(fmt::format("{} is commented out in {}{} (line {}: `{}`): uncomment it so "
                                "CI runs it{}",
                                s, kCiFile, AtRef(c), commented->line, commented->text, absent));
    } else {
      out.push_back(fmt::format("{} is not run by job '{}' in {}{}: add `- ./{}` to its "
                                "script{}",
                                s, v.job->name, kCiFile, AtRef(c), s, absent));
    }
  }
  return out;
}

bool Passed(const protocol::ProcessResult& pr) {
  return pr.started && !pr.timed_out && !pr.term_signal && pr.exit_code == 0;
}

// "`./test_cat.sh` (exit 1)", naming the command running when it stopped.
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

class GitlabCi : public CheckType {
 public:
  std::string Name() const override { return "gitlab_ci"; }
  void Validate(const rubric::Check& c, const rubric::Rubric& rubric) const override {
    Parse(c, rubric);
  }

  void Plan(const rubric::Check& c, const rubric::Rubric& rubric,
            PlanBuilder& plan) const override {
    const Params p = Parse(c, rubric);
    const fetch::Snapshot* snap = c.ref.empty() ? plan.snapshot() : plan.RefSnapshot(c.ref);
    if (snap == nullptr) return;  // Score reports the missing ref
    JobView v;
    Inspect(c, p, *snap, &v);
    if (v.job == nullptr) return;  // Score reports why
    protocol::Step s;
    s.kind = protocol::Step::Kind::kExec;
    s.group = kGroup;
    // A private copy of the tree as committed: the CI job starts from a
    // fresh clone, not from the workdir after the grader's own build.
    s.sandbox = "ci-" + c.id;
    s.sandbox_from = c.ref.empty() ? protocol::kSandboxFromPristine : plan.UseTree(c.ref);
    if (s.sandbox_from.empty()) return;
    s.at_workdir = true;   // the scripts hard-code /root, where the text mounts the repo
    s.fresh_users = true;  // test_full_dd.sh runs `adduser garfield`
    s.attempts = p.reruns + 1;
    s.process.argv = {"/bin/bash", "--noprofile", "--norc", "-c", kDriver, "gitlab-ci"};
    s.process.env = {{"CI", "true"},
                     {"GITLAB_CI", "true"},
                     {"CI_JOB_NAME", v.job->name},
                     {"CI_PROJECT_DIR", rubric.workdir}};
    for (const auto& [k, val] : v.job->variables) s.process.env[k] = val;
    const auto lines = v.job->Lines();
    s.process.env["IPC_CI_N"] = std::to_string(lines.size());
    for (std::size_t i = 0; i < lines.size(); ++i) {
      s.process.env["IPC_CI_" + std::to_string(i)] = lines[i];
    }
    s.process.timeout_s = p.timeout_s;
    s.process.output_cap = kOutputCap;
    plan.Add(c, "job", s);
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
      std::string list;
      for (const auto& s : p.scripts) list += (list.empty() ? "" : ", ") + s;
      expected += ", running " + list;
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
      return Outcome::Error("the grader could not start bash for the CI job: " +
                            DescribeExit(last));
    }
    const auto lines = v.job->Lines();
    const auto problems = ScriptProblems(c, p, v, *snap);
    const int attempts = static_cast<int>(step->failed_attempts.size()) + 1;
    const int allowed = p.reruns + 1;

    Outcome o;
    o.expected = expected;
    o.output = Tail(last);
    std::string message;
    if (Passed(last)) {
      o.student = fmt::format("job '{}' passed", v.job->name);
      if (attempts > 1) {
        const auto& first = step->failed_attempts.front();
        o.flaky = true;
        o.student += fmt::format(" on attempt {} of {}", attempts, allowed);
        message = fmt::format(
            "The CI job '{}'{} passed on attempt {} of {}; attempt 1 stopped {}. It is reported "
            "as flaky, not failed: a test script that races can fail a correct program "
            "(test_listener.sh reads output.log right after sending the signal, before the "
            "listener has exited and flushed it: stdout to a file is fully buffered).",
            v.job->name, AtRef(c), attempts, allowed, WhereItStopped(first, lines));
      } else if (problems.empty()) {
        message = fmt::format("The CI job '{}'{} passed.", v.job->name, AtRef(c));
      } else {
        message = fmt::format("The CI job '{}'{} passed, but it does not run every test "
                              "script:",
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
            "in the foreground, e.g. `./listener` without `&`, or one reading stdin).",
            rubric::FormatNumber(p.timeout_s));
      } else {
        message += fmt::format(" Hint: run the job's commands yourself in the assignment's "
                               "container ({}) and fix the first one that fails.",
                               kRunLocally);
      }
    }
    for (const auto& pr : problems) message += "\n" + pr + ".";
    if (!problems.empty()) {
      o.student += fmt::format("; {} of {} test scripts not run", problems.size(),
                               p.scripts.size());
    }
    message += Notes(p, v);
    o.message = message;
    const bool ok = Passed(last) && problems.empty();
    o.status = ok ? report::CheckStatus::kPass : report::CheckStatus::kFail;
    o.fraction = ok ? 1 : 0;
    return o;
  }
};

}  // namespace

std::unique_ptr<CheckType> MakeGitlabCiType() { return std::make_unique<GitlabCi>(); }

}  // namespace ipc::checks
