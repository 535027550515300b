#include "container/docker_cli_runner.h"
#include "container/owner.h"

#include <cctype>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <future>
#include <sstream>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "container/image_cache.h"
#include "container/run_args.h"
#include "container/scope_exit.h"
#include "util/error.h"

namespace ipc::container {
namespace {

using namespace std::chrono_literals;

constexpr auto kCheckDeadline = 10s;
constexpr auto kInspectDeadline = 30s;
constexpr auto kRemoveDeadline = 60s;
constexpr auto kListDeadline = 30s;
// At the wall limit the watchdog removes the container, which ends the
// attached CLI at once. Only if the engine hangs does the CLI itself get
// killed, this long after the wall limit.
constexpr auto kCliGrace = 60s;
// While a fired watchdog waits for the CLI to exit it repeats the removal
// this often: the container may have been created just after an earlier
// `rm -f` found nothing (KillAll during `docker run` start-up).
constexpr auto kRemoveRetryPeriod = 1s;
// StartedAt of a container that never started (docker and podman).
constexpr std::string_view kNeverStarted = "0001-01-01";

std::chrono::milliseconds ToMillis(double seconds) {
  return std::chrono::milliseconds(static_cast<std::int64_t>(seconds * 1000.0));
}

bool SaysNoSuchContainer(const ProcessResult& r) {
  std::string err = r.stderr_data;
  for (char& c : err) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return err.find("no such container") != std::string::npos;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    line = Trim(std::move(line));
    if (!line.empty()) out.push_back(std::move(line));
  }
  return out;
}

}  // namespace

struct DockerCliRunner::Watch {
  bool done = false;         // the CLI has exited
  bool fired = false;        // the watchdog removed the container
  bool interrupted = false;  // ...because of KillAll, not the wall limit
  bool removed = false;      // ...and the engine confirmed the removal
};

DockerCliRunner::DockerCliRunner(EngineCli cli, std::string job_label_value,
                                 DerivedImagePolicy policy)
    : cli_(std::move(cli)),
      job_label_value_(std::move(job_label_value)),
      policy_(std::move(policy)) {}

DockerCliRunner::~DockerCliRunner() {
  FinishBackgroundWork();
  // Names whose removal failed earlier (engine hiccup): one more try.
  std::vector<std::string> args = {"rm", "-f", "-v"};
  args.insert(args.end(), live_.begin(), live_.end());
  if (args.size() > 3 && cli_.installed()) cli_.Run(std::move(args), kRemoveDeadline);
}

void DockerCliRunner::CheckEngine() {
  if (!cli_.installed()) throw Fatal(NotInstalledMessage(cli_.engine(), cli_.binary()));
  // Side by side with the check: it is wasted only when the check fails.
  StartListing();
  // One `info` answers both "does the engine work" and UserNamespaces.
  const ProcessResult r = cli_.Run(cli_.InfoArgs(), kCheckDeadline);
  if (r.Succeeded()) {
    const EngineInfo info = ParseEngineInfo(cli_.engine(), r.stdout_data);
    if (!info.version.empty()) {
      if (!info.missing_limits.empty()) {
        // Student code would run without them: a fork bomb or a memory hog
        // would take the machine, not fail its check.
        throw Fatal("the " + cli_.engine() + " engine cannot apply the grader's " +
                    Join(info.missing_limits, ", ") + " limit(s) to containers (it " +
                    (cli_.engine() == "podman" ? "has no such cgroup controller: rootless podman "
                                                 "on cgroup v1, or cgroup v2 without delegation"
                                               : "says so in `docker info`") +
                    "), so student code would run unconfined. Fix: grade with an engine that "
                    "applies them: docker or root's podman (scripts/setup.sh starts a docker "
                    "engine), or give the user cgroup v2 with the memory, pids and cpu "
                    "controllers delegated.");
      }
      std::lock_guard lock(images_mu_);
      userns_ = info.userns;
      return;
    }
  }
  throw Fatal(EngineFailureMessage(cli_.engine(), cli_.binary(), r));
}

bool DockerCliRunner::Track(const std::string& name) {
  std::lock_guard lock(live_mu_);
  if (shutting_down_) return false;
  live_.insert(name);
  return true;
}

bool DockerCliRunner::Remove(const std::string& name) {
  const ProcessResult r = cli_.Run({"rm", "-f", "-v", name}, kRemoveDeadline);
  // Kept in live_ when the engine did not confirm, so KillAll and the
  // destructor try again; ReapLeftovers catches it after a crash.
  if (!r.Succeeded() && !SaysNoSuchContainer(r)) return false;
  std::lock_guard lock(live_mu_);
  live_.erase(name);
  return true;
}

void DockerCliRunner::Watchdog(Watch& watch, const std::string& name, double wall_s) {
  const auto until = std::chrono::steady_clock::now() + ToMillis(wall_s);
  std::unique_lock lock(live_mu_);
  live_cv_.wait_until(lock, until, [&] { return watch.done || shutting_down_; });
  if (watch.done) return;
  watch.fired = true;
  watch.interrupted = shutting_down_;
  while (!watch.done) {
    lock.unlock();
    // Killing the CLI client would leave the container running: the
    // container itself must go.
    const bool removed = Remove(name);
    lock.lock();
    watch.removed = watch.removed || removed;
    live_cv_.wait_for(lock, kRemoveRetryPeriod, [&] { return watch.done; });
  }
}

RunResult DockerCliRunner::Run(const RunSpec& spec) {
  RunResult result = RunOnce(spec);
  // The derived image can vanish between DeriveImage and this run: a
  // grader of another build on the same engine prunes the derived images
  // it does not use (DerivedImagePolicy). Build it again, once, and retry:
  // the container was never created, so nothing of the submission ran.
  if (result.engine_failure && !result.started && SaysNoSuchImage(result.engine_error) &&
      Rederive(spec.image)) {
    result = RunOnce(spec);
  }
  return result;
}

RunResult DockerCliRunner::RunOnce(const RunSpec& spec) {
  // A copy, not a reference into `result`: the removal below runs after
  // `return result` may already have moved from it.
  const std::string name = ContainerName(spec.name_hint);
  RunResult result;
  result.container_name = name;
  const auto fail = [&](std::string why) {
    result.engine_failure = true;
    result.engine_error = std::move(why);
    return result;
  };
  if (!cli_.installed()) return fail(NotInstalledMessage(cli_.engine(), cli_.binary()));
  // An image starting with '-' would be parsed as an option of `run`.
  if (spec.image.empty() || spec.image.front() == '-') {
    return fail("invalid image reference '" + spec.image + "'");
  }
  if (!(spec.limits.wall_s > 0)) return fail("wall limit must be positive");
  if (!Track(name)) return fail("not started: the grader is shutting down");
  ScopeExit remove([&] { Remove(name); });

  RunSpec labelled = spec;
  labelled.labels[kOwnerLabel] = SelfOwnerId();
  ProcessOptions options =
      cli_.Options(BuildRunArgs(labelled, name, job_label_value_, cli_.RunOptions()));
  options.stdin_data = spec.stdin_data;
  options.output_cap = spec.limits.output_cap;
  options.deadline = ToMillis(spec.limits.wall_s) + kCliGrace;

  Watch watch;
  ProcessResult cli;
  {
    std::thread watchdog([&] { Watchdog(watch, name, spec.limits.wall_s); });
    ScopeExit stop_watchdog([&] {
      {
        std::lock_guard lock(live_mu_);
        watch.done = true;
      }
      live_cv_.notify_all();
      watchdog.join();
    });
    cli = RunProcess(options);
  }

  const std::string cli_error = CliErrorText(cli);
  result.stdout_data = std::move(cli.stdout_data);
  result.stderr_data = std::move(cli.stderr_data);
  result.stdout_bytes = cli.stdout_bytes;
  result.stderr_bytes = cli.stderr_bytes;
  result.wall_s = cli.wall_s;
  if (!cli.spawned) return fail("cannot run " + cli_.engine() + ": " + cli.spawn_error);
  if (watch.interrupted) return fail("interrupted: the grader is shutting down");
  if (watch.fired && !watch.removed) {
    // The engine never confirmed the kill: an engine fault, not a verdict
    // on the submission.
    return fail("the engine did not remove the container at the wall limit: " + cli_error);
  }
  if (watch.fired) {
    result.started = true;
    result.timed_out = true;
    return result;
  }
  if (cli.Succeeded() && limits_verified_.load()) {
    // `run` exits with the container's own status and uses 125-127 for its
    // own failures, so 0 means the container ran and its command exited 0:
    // nothing for `inspect` to add on the path every good run takes (one
    // CLI run, ~0.1 CPU-s here, per container) once one container has
    // shown that this engine applies the limits. The engine's OOMKilled
    // flag is then not looked up; a command that exited 0 was not killed.
    result.started = true;
    result.exit_code = 0;
    return result;
  }
  if (Collect(name, cli_error, spec.limits, result)) limits_verified_ = true;
  return result;
}

bool DockerCliRunner::Collect(const std::string& name, const std::string& cli_error,
                              const Limits& asked, RunResult& result) {
  // The CLI's own exit status mixes the container's status with its own
  // (125 = the CLI failed); inspect is unambiguous. The limits as the
  // engine recorded them: one that drops a limit with a warning (rootless
  // podman on cgroup v1) must not yield a grade.
  const ProcessResult r = cli_.Run(
      {"inspect", "--format",
       // Two lines: podman's StartedAt holds spaces.
       "{{.State.Status}} {{.State.OOMKilled}} {{.State.ExitCode}} {{.State.StartedAt}}\n"
       "{{.HostConfig.Memory}} {{.HostConfig.PidsLimit}}",
       name},
      kInspectDeadline);
  if (!r.Succeeded()) {
    // No container: the engine refused before creating it (no such image,
    // bad option, daemon gone).
    result.engine_failure = true;
    result.engine_error = cli_error;
    return false;
  }
  std::istringstream both(r.stdout_data);
  std::string first, second;
  std::getline(both, first);
  std::getline(both, second);
  std::istringstream in(first);
  std::string status, oom, started_at;
  int exit_code = 0;
  if (!(in >> status >> oom >> exit_code >> started_at)) {
    result.engine_failure = true;
    result.engine_error = "unexpected `inspect` output: " + Trim(r.stdout_data);
    return false;
  }
  if (std::string_view(started_at).starts_with(kNeverStarted) || status == "created") {
    // e.g. "exec: ...: executable file not found": the runtime could not
    // start the command. Not the submission's doing.
    result.engine_failure = true;
    result.engine_error = "container did not start: " + cli_error;
    return false;
  }
  if (status != "exited" && status != "stopped" && status != "dead") {
    // The CLI lost its attach stream (engine restarted?) while the
    // container went on; nothing it printed can be trusted to be complete.
    result.engine_failure = true;
    result.engine_error = "lost the container while it was " + status + ": " + cli_error;
    return false;
  }
  result.started = true;
  result.exit_code = exit_code;
  result.oom_killed = oom == "true";
  std::istringstream limits(second);
  std::string memory, pids;
  if (!(limits >> memory >> pids)) return false;  // only a fake engine of the unit tests omits them
  const std::string want_memory = std::to_string(asked.memory_bytes);
  const std::string want_pids = std::to_string(asked.pids);
  if (memory == want_memory && pids == want_pids) return true;
  result.engine_failure = true;
  result.engine_error = "the engine did not apply the grader's limits to the container (memory " +
                        memory + " bytes and " + pids + " processes, asked " + want_memory +
                        " and " + want_pids +
                        "): nothing it observed counts. Fix: grade with an engine that applies "
                        "them (docker, or root's podman)";
  return false;
}

void DockerCliRunner::KillAll() {
  std::vector<std::string> args = {"rm", "-f", "-v"};
  {
    std::lock_guard lock(live_mu_);
    shutting_down_ = true;
    args.insert(args.end(), live_.begin(), live_.end());
  }
  // Wakes every watchdog: each removes its own container again until its
  // CLI has exited, covering containers still being created right now.
  live_cv_.notify_all();
  if (args.size() > 3 && cli_.installed()) cli_.Run(std::move(args), kRemoveDeadline);
}

std::string DockerCliRunner::UserNamespaces() {
  {
    std::lock_guard lock(images_mu_);
    if (userns_) return UsernsModeName(*userns_);  // CheckEngine asked already
  }
  return UsernsModeName(DetectUserns(cli_, std::chrono::seconds(10)));
}

int DockerCliRunner::ReapLeftovers() {
  if (!cli_.installed()) throw Fatal(NotInstalledMessage(cli_.engine(), cli_.binary()));
  // The containers one `ps` filter finds that should go. (Filters on two
  // keys would AND in one `ps`, so the job's label and the derive prefix
  // take one call each.)
  const std::string format = "{{.Names}}\t{{.State}}\t" + cli_.PsLabelField(kOwnerLabel);
  const auto list_one = [&](const std::string& filter) {
    const ProcessResult r =
        cli_.Run({"ps", "-a", "--filter", filter, "--format", format}, kListDeadline);
    if (!r.Succeeded()) throw Fatal(EngineFailureMessage(cli_.engine(), cli_.binary(), r));
    std::set<std::string> names;
    for (const std::string& line : Lines(r.stdout_data)) {
      std::vector<std::string> f;
      std::size_t from = 0;
      for (std::size_t tab; (tab = line.find('\t', from)) != std::string::npos; from = tab + 1) {
        f.push_back(line.substr(from, tab - from));
      }
      f.push_back(line.substr(from));
      f.resize(3);
      // See ShouldReap: another grader's job (alive, or in a namespace we
      // cannot see into) is left alone; a kill -9'd grader's is removed,
      // running or not.
      if (ShouldReap(f[1], CheckOwner(f[2]))) names.insert(f[0]);
    }
    return names;
  };
  const auto list = [&] {
    // Both at once: two CLI runs side by side take the wall time of one.
    // (The future's destructor waits for it if the other call throws.)
    auto derived =
        std::async(std::launch::async, list_one, std::string("name=") + kDeriveNamePrefix);
    std::set<std::string> names = list_one(std::string("label=") + kLabel + "=" + job_label_value_);
    names.merge(derived.get());
    std::lock_guard lock(live_mu_);
    for (const std::string& n : live_) names.erase(n);  // ours, running now
    return names;
  };
  const std::set<std::string> before = list();
  if (before.empty()) return 0;
  std::vector<std::string> args = {"rm", "-f", "-v"};
  args.insert(args.end(), before.begin(), before.end());
  cli_.Run(std::move(args), kRemoveDeadline);
  // `rm -f a b` fails as a whole if one of them vanished meanwhile; count
  // what is actually gone.
  const std::set<std::string> after = list();
  int removed = 0;
  for (const std::string& n : before) removed += after.count(n) == 0 ? 1 : 0;
  return removed;
}

std::unique_ptr<ContainerRunner> MakeCliRunner(const std::string& engine,
                                               const CliOptions& options) {
  if (engine != "docker" && engine != "podman") {
    throw Fatal("unknown container engine '" + engine + "': expected docker or podman");
  }
  std::string binary = options.binary.empty() ? FindOnPath(engine) : options.binary;
  DerivedImagePolicy policy;
  const char* keep = std::getenv("IPC_GRADER_KEEP_IMAGES");
  policy.prune = keep == nullptr || std::string(keep).empty() || std::string(keep) == "0";
  return std::make_unique<DockerCliRunner>(EngineCli(engine, binary, options.env),
                                           options.job_label_value, std::move(policy));
}

std::unique_ptr<ContainerRunner> MakeCliRunner(const std::string& engine) {
  CliOptions options;
  // Several graders (test suites of two checkouts, a TA beside a batch) may
  // share one engine; each may name its own containers' job label so that
  // counting or reaping "our" containers never touches the others'.
  if (const char* label = std::getenv(kJobLabelEnv); label != nullptr && *label != '\0') {
    options.job_label_value = label;
  }
  return MakeCliRunner(engine, options);
}

}  // namespace ipc::container
