#include "pipeline/grade.h"

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

#include "checks/check_type.h"
#include "pipeline/lanes.h"
#include "protocol/probe_protocol.h"
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
                            "IPC_GRADER_TOOLS_DIR to the folder that holds probe, ref-cat "
                            "and ref-listener.", path));
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
                "\nFix: run scripts/setup.sh (it pulls python:latest, or builds the offline "
                "stand-in ipc-grader/python:bookworm), or name one with --image.");
  }
  std::map<std::string, std::string> tools;
  for (const char* name : {"probe", "ref-cat", "ref-listener"}) {
    tools[std::string(checks::kToolsDir) + "/" + name] =
        ReadBinary((std::filesystem::path(tools_dir) / name).string());
  }
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
// wall time of every signal check's processes, retries included, summed;
// "cpu.signal" is their CPU time (user+sys of each process tree).
// Steps of a group run concurrently, so these add up to more than
// timing.container; the benchmark's per-stage breakdown reads them.
void AddStepTimes(const rubric::Rubric& rubric, const protocol::Report& report,
                  report::Result* result) {
  const auto type_of = StepTypes(rubric);
  for (const auto& step : report.steps) {
    const std::string type = type_of(step.id);
    if (type.empty()) continue;
    double wall = step.process.wall_s;
    double cpu = step.process.cpu_s;
    for (const auto& failed : step.failed_attempts) {
      wall += failed.wall_s;
      cpu += failed.cpu_s;
    }
    result->timing["steps." + type] += wall;
    result->timing["cpu." + type] += cpu;
  }
}

// How long a step is likely to take, relative to others, to balance the
// lanes: a CI job runs the four test scripts that the adequacy steps run one
// each; everything else counts one.
StepWeight LaneWeight(const rubric::Rubric& rubric) {
  return [type_of = StepTypes(rubric)](const protocol::Step& step) {
    return type_of(step.id) == "gitlab_ci" ? 4.0 : 1.0;
  };
}

struct LaneRun {
  container::RunResult run;
  std::optional<protocol::Report> report;
  std::string why;  // why no report was found in stdout
};

LaneRun RunLane(const Lane& lane, const fetch::Snapshot& snapshot,
                const std::map<std::string, fetch::Snapshot>& other_refs,
                const std::string& student, const Environment& env) {
  const rubric::Rubric& rubric = *env.rubric;
  protocol::Plan plan = lane.plan;
  plan.nonce = Nonce();  // each container its own
  container::RunSpec spec;
  spec.image = env.run_image;
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
  spec.name_hint = student;
  spec.labels["io.ipc-grader.student"] = student;
  LaneRun out;
  out.run = env.runner->Run(spec);
  if (!out.run.engine_failure) {
    out.report = protocol::ExtractReport(out.run.stdout_data, plan.nonce, &out.why);
  }
  return out;
}

// Why a container left no report, in words for the result's error.
std::string ContainerError(const LaneRun& lr, const rubric::Rubric& rubric) {
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

report::Result GradeOne(const GradeRequest& req, const Environment& env) {
  const auto t_all = Clock::now();
  const rubric::Rubric& rubric = *env.rubric;
  report::Result result;
  result.student = req.student;
  result.source = fetch::RedactSource(req.source);
  result.max_score = rubric.MaxScore();
  result.provenance = {env.grader_version, rubric.path,   rubric.sha256,
                       env.image,          env.image_id,  env.runner ? env.runner->EngineName() : "",
                       NowIso(),           env.engine_userns};

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
  protocol::Plan plan;  // each container gets its own nonce (RunLane)
  plan.workdir = rubric.workdir;
  // The refs fetched above for scoring are also what plans may run
  // (UseTree): fetched once, used twice.
  checks::PlanBuilder builder(&plan, &snapshot, &ev.other_refs);
  for (const auto& check : rubric.checks) {
    checks::FindType(check.type)->Plan(check, rubric, builder);
  }
  std::vector<Lane> lanes;
  try {
    protocol::ValidatePlan(plan);
    lanes = SplitPlan(plan, env.lanes, LaneWeight(rubric));
    for (const auto& lane : lanes) protocol::ValidatePlan(lane.plan);
  } catch (const protocol::ProtocolError& e) {
    // A check type's bug, not the student's: the probe would refuse it.
    return ErrorResult(result, std::string("internal error: the grader built an invalid probe "
                                           "plan (") + e.what() + ")");
  }

  // 3. Throwaway containers: usually one; for a lone rerun on an idle
  //    machine, up to env.lanes (pipeline/lanes.h). Each gets its plan on
  //    the first line of stdin, the submission as a tar after it, then the
  //    extra trees' tars. Nothing is bind-mounted.
  protocol::Report report;
  t0 = Clock::now();
  if (!plan.steps.empty()) {
    std::vector<LaneRun> runs(lanes.size());
    {
      std::vector<std::future<void>> others;
      for (std::size_t k = 1; k < lanes.size(); ++k) {
        others.push_back(std::async(std::launch::async, [&, k] {
          runs[k] = RunLane(lanes[k], snapshot, ev.other_refs, req.student, env);
        }));
      }
      runs[0] = RunLane(lanes[0], snapshot, ev.other_refs, req.student, env);
      for (auto& f : others) f.get();
    }
    std::vector<protocol::Report> reports;
    for (std::size_t k = 0; k < runs.size(); ++k) {
      LaneRun& lr = runs[k];
      const std::string which =
          runs.size() > 1 ? fmt::format("container {} of {}: ", k + 1, runs.size()) : "";
      if (lr.run.engine_failure) {
        result.timing["container"] = Since(t0);
        return ErrorResult(result, "container engine failure: " + which + lr.run.engine_error);
      }
      if (!lr.report) {
        if (ev.container_error.empty()) ev.container_error = which + ContainerError(lr, rubric);
        continue;
      }
      reports.push_back(std::move(*lr.report));
    }
    if (ev.container_error.empty()) {
      report = MergeReports(plan, lanes, std::move(reports));
      ev.report = &report;
    }
  }
  result.timing["container"] = Since(t0);
  AddStepTimes(rubric, report, &result);

  // 4. Score on the host, from observations only.
  t0 = Clock::now();
  score::Score(rubric, ev, &result);
  result.timing["score"] = Since(t0);
  if (!plan.steps.empty() && ev.report == nullptr) {
    // No observations is the grader's problem to look into, not a zero for
    // the student: the result says error, with the cause, and is regraded.
    result = ErrorResult(std::move(result), ev.container_error);
  }
  result.timing["total"] = Since(t_all);
  return result;
}

}  // namespace ipc::pipeline
