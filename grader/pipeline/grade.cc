#include "pipeline/grade.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <optional>
#include <random>
#include <set>

#include "checks/check_type.h"
#include "container/run_args.h"
#include "pipeline/observations.h"
#include "protocol/box_layout.h"
#include "protocol/probe_protocol.h"
#include "reference/oracle_yaml.h"
#include "score/scorer.h"
#include "util/error.h"

namespace ipc::pipeline {
namespace {

using Clock = std::chrono::steady_clock;

double Since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

std::string Nonce() {
  std::ifstream urandom("/dev/urandom", std::ios::binary);
  unsigned char bytes[16] = {};
  urandom.read(reinterpret_cast<char*>(bytes), sizeof bytes);
  if (!urandom) throw Error("cannot read /dev/urandom for the report nonce");
  std::string hex;
  for (unsigned char b : bytes) hex += fmt::format("{:02x}", b);
  return hex;
}

std::string NowIso() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// Read into a buffer sized once: a stream's growing buffer copied the probe's
// 14 MB about three times, into fresh pages that fault dearly on a VM.
std::string ReadBinary(const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  const std::streamoff size = in ? static_cast<std::streamoff>(in.tellg()) : -1;
  std::string data(size > 0 ? static_cast<std::size_t>(size) : 0, '\0');
  if (size < 0 || !in.seekg(0) || !in.read(data.data(), size)) {
    throw Fatal(fmt::format("cannot read {}: the grader's in-container tools are missing. "
                            "Fix: build them (scripts/setup.sh --build), or set "
                            "IPC_GRADER_TOOLS_DIR to the folder that holds probe, the "
                            "reference tools (ref-*) and seccomp.json.", path));
  }
  return data;
}

report::Result ErrorResult(report::Result r, std::string message) {
  r.status = "error";
  r.error = std::move(message);
  r.score = 0;
  return r;
}

}  // namespace

std::string CheckStudentName(const std::string& name) {
  if (name.empty()) return "the student name is empty";
  if (name.size() > 100) return "the student name is longer than 100 characters";
  if (name[0] == '.') return "a student name must not start with '.'";
  for (unsigned char c : name) {
    if (!(std::isalnum(c) || c == '.' || c == '_' || c == '-')) {
      return fmt::format("the student name '{}' may hold only letters, digits, '.', '_' and '-'",
                         name);
    }
  }
  return "";
}

std::string DefaultToolsDir() {
  if (const char* dir = std::getenv("IPC_GRADER_TOOLS_DIR"); dir && *dir) return dir;
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return ".";
  return exe.parent_path().string();
}

void PrepareImage(const std::string& image_override, const std::string& tools_dir,
                  Environment* env) {
  std::vector<std::string> candidates;
  if (!image_override.empty()) {
    candidates = {image_override};
  } else {
    candidates.push_back(env->rubric->image);
    for (const auto& f : env->rubric->image_fallbacks) candidates.push_back(f);
  }
  std::string failures;
  for (const auto& image : candidates) {
    try {
      env->image_id = env->runner->EnsureImage(image);
      env->image = image;
      break;
    } catch (const Fatal& e) {
      failures += fmt::format("\n  {}: {}", image, e.what());
    }
  }
  if (env->image_id.empty()) {
    throw Fatal("no grading image is available:" + failures +
                "\nFix: pull or build one of these images (scripts/setup.sh does it for the "
                "course's rubrics), or name one with --image.");
  }
  // The probe, and the reference tool of each program the rubric describes.
  std::set<std::string> names = {"probe"};
  for (const auto& [name, program] : checks::ProgramsOf(*env->rubric).programs) {
    names.insert(reference::ReferenceTool(program.spec));
  }
  std::map<std::string, std::string> tools;
  for (const auto& name : names) {
    tools[std::string(checks::kToolsDir) + "/" + name] =
        ReadBinary((std::filesystem::path(tools_dir) / name).string());
  }
  // The seccomp profile is baked in too, though only the engine reads it (from
  // the host's copy): the run image, and with it every kept observation's
  // key, then changes when the profile does.
  const auto profile = std::filesystem::absolute(
      std::filesystem::path(tools_dir) / container::kSeccompProfileFile);
  tools[std::string(checks::kToolsDir) + "/" + container::kSeccompProfileFile] =
      ReadBinary(profile.string());
  env->seccomp_profile = profile.string();
  env->run_image = env->runner->DeriveImage(env->image_id, std::move(tools));
}

namespace {

// The rubric check type of each step ("" for none), by the step id's
// "<check id>/" prefix (PlanBuilder::Add).
std::function<std::string(const std::string&)> StepTypes(const rubric::Rubric& rubric) {
  std::map<std::string, std::string> type_of;
  for (const auto& check : rubric.checks) type_of[check.id] = check.type;
  return [type_of = std::move(type_of)](const std::string& step_id) {
    const auto it = type_of.find(step_id.substr(0, step_id.find('/')));
    return it == type_of.end() ? std::string() : it->second;
  };
}

// Where the container's time went, by check type: "steps.signal" is the
// wall time of every signal check's processes, reruns included, summed;
// "cpu.signal" is their CPU time (user+sys of each process tree). Boxes run
// one after another, so these add up to a little less than
// timing.container (the rest: the probe making boxes, the engine); the
// benchmark's per-stage breakdown reads them.
void AddStepTimes(const rubric::Rubric& rubric, const protocol::Report& report,
                  report::Result* result) {
  const auto type_of = StepTypes(rubric);
  for (const auto& step : report.steps) {
    const std::string type = type_of(step.id);
    if (type.empty()) continue;
    double wall = step.process.wall_s;
    double cpu = step.process.cpu_s;
    for (const auto& failed : step.earlier_attempts) {
      wall += failed.wall_s;
      cpu += failed.cpu_s;
    }
    result->timing["steps." + type] += wall;
    result->timing["cpu." + type] += cpu;
  }
}

// Seconds the probe keeps for itself at the end of the container's wall
// time: to stop the last step, sweep, and write the report, so that a step
// that hangs costs its own check and not every other one.
constexpr double kReportMargin = 15;

struct ContainerRun {
  container::RunResult run;
  std::optional<protocol::Report> report;
  std::string why;  // why no report was found in stdout
};

ContainerRun RunPlanInContainer(protocol::Plan plan, const fetch::Snapshot& snapshot,
                                const std::map<std::string, fetch::Snapshot>& other_refs,
                                const std::string& student, const Environment& env) {
  const rubric::Rubric& rubric = *env.rubric;
  plan.nonce = Nonce();
  container::RunSpec spec;
  spec.image = env.run_image;
  spec.seccomp_profile = env.seccomp_profile;
  spec.command = {std::string(checks::kToolsDir) + "/probe"};
  spec.workdir = "/";
  // Then one tar per extra tree, in plan.extra_trees order (UseTree only
  // names refs that were fetched).
  spec.stdin_data = protocol::ToJson(plan).dump() + "\n" + snapshot.tar;
  for (const auto& name : plan.extra_trees) spec.stdin_data += other_refs.at(name).tar;
  spec.limits.memory_bytes = rubric.limits.memory_mb << 20;
  spec.limits.pids = rubric.limits.pids;
  spec.limits.cpus = rubric.limits.cpus;
  spec.limits.wall_s = rubric.limits.wall_s;
  // Read-only but for the workdir and the folders the probe puts back.
  spec.writable.push_back({rubric.workdir, false, 0755});
  for (const auto& m : protocol::WritableMounts()) {
    const bool sticky = m.path == "/tmp" || m.path == "/var/tmp";
    spec.writable.push_back({m.path, m.image_content, sticky ? 01777 : 0755});
  }
  spec.name_hint = student;
  spec.labels["io.ipc-grader.student"] = student;
  ContainerRun out;
  out.run = env.runner->Run(spec);
  if (!out.run.engine_failure) {
    out.report = protocol::ExtractReport(out.run.stdout_data, plan.nonce, &out.why);
  }
  return out;
}

// Why a container left no report, in words for the result's error.
std::string ContainerError(const ContainerRun& lr, const rubric::Rubric& rubric) {
  if (lr.run.timed_out) {
    return fmt::format("the whole run exceeded the rubric's {} s wall-time limit and was stopped",
                       rubric.limits.wall_s);
  }
  if (lr.run.oom_killed) {
    return fmt::format("the container ran out of memory (limit {} MB) and was killed",
                       rubric.limits.memory_mb);
  }
  return fmt::format("{} (container exit {}; stderr: {})", lr.why,
                     lr.run.exit_code ? std::to_string(*lr.run.exit_code) : "none",
                     checks::Abbrev(lr.run.stderr_data, 300));
}

}  // namespace

fetch::FetchRequest MakeFetchRequest(const GradeRequest& req, const Environment& env) {
  fetch::FetchRequest f;
  f.source = req.source;
  f.refs = req.refs.empty() ? env.rubric->refs : req.refs;
  f.cache_dir = env.cache_dir;
  f.credentials = env.credentials;
  return f;
}

// Keeps what each box that ran observed, for the next grading; only a
// report the probe finished without an error of its own.
void KeepObservations(const protocol::Plan& ran, const protocol::Report& fresh,
                      const std::map<std::string, std::string>& keys, const ObservationStore& store,
                      bool disabled, report::Result* result) {
  result->timing["boxes.run"] = static_cast<double>(ran.boxes.size());
  if (disabled || !fresh.probe_error.empty()) return;
  std::map<std::string, const protocol::StepResult*> by_id;
  for (const auto& s : fresh.steps) by_id[s.id] = &s;
  const std::string now = NowIso();
  for (const auto& box : ran.boxes) {
    const auto key = keys.find(box.id);
    if (key == keys.end()) continue;
    std::vector<const protocol::StepResult*> steps;
    for (const auto& step : box.steps) {
      const auto f = by_id.find(step.id);
      steps.push_back(f == by_id.end() ? nullptr : f->second);
    }
    if (!Keepable(box, steps)) continue;
    std::vector<protocol::StepResult> copy;
    for (const auto* s : steps) copy.push_back(*s);
    store.Save(key->second, box, copy, now);
  }
}

// Which checks were judged on reused observations, and from when (the
// oldest of the check's boxes); a check whose boxes partly ran counts as
// observed now.
void NoteReuse(const protocol::Plan& plan, const ReusePlan& reuse, report::Result* result) {
  result->timing["boxes.reused"] = static_cast<double>(reuse.reused.size());
  result->provenance.observation_problems = reuse.problems;
  std::map<std::string, std::string> oldest;
  std::set<std::string> fresh_checks;
  for (const auto& box : plan.boxes) {
    const std::string check = box.id.substr(0, box.id.find('/'));
    const auto it = reuse.reused.find(box.id);
    if (it == reuse.reused.end()) {
      fresh_checks.insert(check);
      continue;
    }
    auto& when = oldest[check];
    if (when.empty() || it->second.observed_at < when) when = it->second.observed_at;
  }
  for (const auto& [check, when] : oldest) {
    if (!fresh_checks.count(check)) result->provenance.reused[check] = when;
  }
}

report::Result GradeOne(const GradeRequest& req, const Environment& env) {
  const auto t_all = Clock::now();
  const rubric::Rubric& rubric = *env.rubric;
  report::Result result;
  result.student = req.student;
  result.source = fetch::RedactSource(req.source);
  result.max_score = rubric.MaxScore();
  result.provenance = {env.grader_version, rubric.path,   rubric.sha256,
                       env.image,          env.image_id,  env.runner ? env.runner->EngineName() : "",
                       NowIso(),           env.engine_userns, {}, {}};

  // 1. Fetch the graded ref, and any other ref a check looks at.
  auto t0 = Clock::now();
  const fetch::FetchRequest freq = MakeFetchRequest(req, env);
  fetch::Snapshot snapshot;
  fetch::FetchError ferr;
  if (!env.fetcher->Fetch(freq, &snapshot, &ferr)) {
    result.timing["fetch"] = Since(t0);
    return ErrorResult(result, ferr.message);
  }
  result.ref = snapshot.revision.ref;
  result.ref_why = snapshot.revision.why;
  result.commit = snapshot.revision.commit;
  result.commit_time = snapshot.revision.commit_time;
  result.tag_time = snapshot.revision.tag_time;
  checks::Evidence ev;
  ev.rubric = &rubric;
  ev.snapshot = &snapshot;
  for (const auto& check : rubric.checks) {
    for (const auto& ref : checks::FindType(check.type)->ExtraRefs(check)) {
      if (ev.other_refs.count(ref) || ev.other_ref_errors.count(ref)) continue;
      fetch::Snapshot other;
      fetch::FetchError oerr;
      if (env.fetcher->Resolve(freq, ref, &other, &oerr)) {
        ev.other_refs.emplace(ref, std::move(other));
      } else {
        ev.other_ref_errors.emplace(ref, oerr.message);
      }
    }
  }
  result.timing["fetch"] = Since(t0);

  // 2. Plan what the probe runs.
  protocol::Plan plan;  // the nonce is added as it is sent
  plan.workdir = rubric.workdir;
  plan.system_dirs = protocol::SystemDirs();
  plan.deadline_s = std::max(rubric.limits.wall_s - kReportMargin, rubric.limits.wall_s / 2);
  ev.programs = &checks::ProgramsOf(rubric);
  ev.token_seed = env.secret + "\n" + snapshot.revision.commit;
  // The refs fetched above for scoring are also what plans may run
  // (UseTree): fetched once, used twice.
  checks::PlanBuilder builder(&plan, &snapshot, &ev.other_refs, ev.programs, ev.token_seed,
                              &rubric);
  for (const auto& check : rubric.checks) {
    checks::FindType(check.type)->Plan(check, rubric, builder);
  }
  builder.Finish();
  try {
    protocol::ValidatePlan(plan);
  } catch (const protocol::ProtocolError& e) {
    // A check type's bug, not the student's: the probe would refuse it.
    return ErrorResult(result, std::string("internal error: the grader built an invalid probe "
                                           "plan (") + e.what() + ")");
  }

  // 3. Observations kept from an earlier grading of the same boxes on the
  //    same trees are taken (pipeline/observations.h); the rest runs in one
  //    throwaway container: the plan on the first line of stdin, the
  //    submission as a tar after it, then the extra trees' tars. Nothing is
  //    bind-mounted.
  std::map<std::string, const std::string*> trees = {{"", &snapshot.tar}};
  for (const auto& name : plan.extra_trees) trees[name] = &ev.other_refs.at(name).tar;
  // Per student: two students whose trees share a box (the same milestone
  // history) would otherwise share its observation, and a regrade would
  // show one student's job log (its pids, its times) in the other's result.
  const auto keys =
      BoxKeys(plan, trees, env.run_image + "\n" + env.image_id + "\n" + req.student);
  const ObservationStore store(env.observations_dir, env.observations_max_bytes);
  ReusePlan reuse;
  if (!env.observations_dir.empty() && env.reuse_observations) {
    reuse = PlanReuse(plan, keys, store);
  } else {
    reuse.to_run = plan;
  }
  protocol::Report fresh;
  protocol::Report report;
  t0 = Clock::now();
  bool observed = reuse.to_run.boxes.empty();
  if (!reuse.to_run.boxes.empty()) {
    ContainerRun run = RunPlanInContainer(reuse.to_run, snapshot, ev.other_refs, req.student, env);
    if (run.run.engine_failure) {
      result.timing["container"] = Since(t0);
      return ErrorResult(result, "container engine failure: " + run.run.engine_error);
    }
    if (run.report) {
      fresh = std::move(*run.report);
      observed = true;
    } else {
      ev.container_error = ContainerError(run, rubric);
    }
  }
  result.timing["container"] = Since(t0);
  if (observed && !plan.boxes.empty()) {
    report = MergeReports(plan, reuse, &fresh);
    ev.report = &report;
    KeepObservations(reuse.to_run, fresh, keys, store, env.observations_dir.empty(), &result);
    NoteReuse(plan, reuse, &result);
  }
  AddStepTimes(rubric, fresh, &result);

  // 4. Score on the host, from observations only.
  t0 = Clock::now();
  score::Score(rubric, ev, &result);
  result.timing["score"] = Since(t0);
  if (!plan.boxes.empty() && ev.report == nullptr) {
    // No observations is the grader's problem to look into, not a zero for
    // the student: the result says error, with the cause, and is regraded.
    result = ErrorResult(std::move(result), ev.container_error);
  }
  // Staff's extensions and adjustments: applied on the automatic score,
  // never by editing a written result (grader/staff/).
  if (result.status == "graded" && env.staff_apply) env.staff_apply(&result);
  result.timing["total"] = Since(t_all);
  return result;
}

}  // namespace ipc::pipeline

namespace ipc::pipeline {

std::string LoadSecret(const std::string& dir) {
  const std::string path = (std::filesystem::path(dir) / "secret").string();
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  // Made once (O_EXCL: two graders starting together agree on the first)
  // and kept: an unchanged submission must plan the same boxes at every
  // grading (results are reused on that basis).
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd >= 0) {
    const std::string secret = Nonce() + Nonce() + "\n";
    const bool ok = ::write(fd, secret.data(), secret.size()) ==
                    static_cast<ssize_t>(secret.size());
    ::close(fd);
    if (!ok) ::unlink(path.c_str());
  }
  std::ifstream in(path);
  std::string secret;
  if (!(in >> secret) || secret.size() < 32) {
    throw Fatal("cannot read or make the grader's secret " + path +
                ": its folder must be writable (or choose another with --cache)");
  }
  return secret;
}

}  // namespace ipc::pipeline
