// The docker CLI runner against the real engine and the grading image.
// Skips when no engine answers, fails instead when CI=true.
//
// Each test gives its runner a job-label value of its own, so ReapLeftovers
// and the "nothing left behind" check in TearDown see only this test's
// containers even while other e2e suites run in parallel.
#include <atomic>
#include <cstdlib>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

#include <gtest/gtest.h>

#include "container/container_runner.h"
#include "container/docker_cli_runner.h"
#include "container/engine_cli.h"
#include "container/image_cache.h"
#include "container/owner.h"
#include "container/process.h"
#include "container/run_args.h"
#include "util/error.h"

namespace ipc::container {
namespace {

using namespace std::chrono_literals;

constexpr const char* kImage = "ipc-grader/python:bookworm";

bool InCi() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && std::string(ci) == "true";
}

::testing::AssertionResult Has(const std::string& text, const std::string& part) {
  if (text.find(part) != std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "'" << part << "' not in: " << text;
}

// docker by default; IPC_E2E_ENGINE=podman runs the same suite on podman.
std::string Engine() {
  const char* engine = std::getenv("IPC_E2E_ENGINE");
  return engine != nullptr && *engine != '\0' ? engine : "docker";
}

// The engine's CLI directly, to look at it behind the runner's back.
ProcessResult Docker(std::vector<std::string> args) {
  ProcessOptions o;
  o.argv = {Engine()};
  if (Engine() == "podman") o.argv.insert(o.argv.end(), {"--runtime", "runc"});
  o.argv.insert(o.argv.end(), args.begin(), args.end());
  o.deadline = 120s;
  return RunProcess(o);
}

std::string ContainersNamed(const std::string& name) {
  // docker matches the filter against "/name", podman against "name".
  return Trim(Docker({"ps", "-a", "--filter", "name=^/?" + name + "$", "--format", "{{.Names}}"})
                  .stdout_data);
}

class ContainerE2e : public ::testing::Test {
 protected:
  void SetUp() override {
    job_ = "e2e-" + RandomHex(6);
    runner_ = MakeRunner();
    try {
      runner_->CheckEngine();
      runner_->EnsureImage(kImage);
    } catch (const Fatal& e) {
      if (InCi()) FAIL() << "CI=true but the engine is unusable: " << e.what();
      GTEST_SKIP() << e.what();
    }
    ready_ = true;
  }

  void TearDown() override {
    if (!ready_) return;
    for (const std::string& image : images_to_remove_) Docker({"rmi", "-f", image});
    // Nothing this test started may survive it.
    const ProcessResult left = Docker(
        {"ps", "-a", "--filter", std::string("label=") + kLabel + "=" + job_, "--format",
         "{{.Names}}"});
    EXPECT_TRUE(left.Succeeded()) << left.stderr_data;
    EXPECT_EQ(Trim(left.stdout_data), "") << "containers left behind";
  }

  // A runner of this test's job. Its pruning touches only derived tags
  // that start with TagPrefix(): the engine is shared, and the other
  // derived images on it are not this test's to remove.
  std::unique_ptr<DockerCliRunner> MakeRunner() const {
    return std::make_unique<DockerCliRunner>(
        EngineCli(Engine(), FindOnPath(Engine()), {}), job_,
        DerivedImagePolicy{.prune = true, .tag_prefix = TagPrefix()});
  }
  std::string TagPrefix() const { return job_ + "-"; }

  RunSpec Spec(std::vector<std::string> command) const {
    RunSpec spec;
    spec.image = kImage;
    spec.command = std::move(command);
    spec.limits.wall_s = 120;
    spec.name_hint = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    return spec;
  }

  std::string job_;
  std::unique_ptr<DockerCliRunner> runner_;
  std::vector<std::string> images_to_remove_;
  bool ready_ = false;
};

TEST_F(ContainerE2e, ExitCodeAndOutput) {
  const RunResult r = runner_->Run(Spec({"sh", "-c", "echo hi; echo oops >&2; exit 3"}));
  EXPECT_FALSE(r.engine_failure) << r.engine_error;
  EXPECT_TRUE(r.started);
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.stdout_data, "hi\n");
  EXPECT_EQ(r.stderr_data, "oops\n");
  EXPECT_FALSE(r.timed_out);
  EXPECT_FALSE(r.oom_killed);
  EXPECT_EQ(ContainersNamed(r.container_name), "");
}

TEST_F(ContainerE2e, StdinIsStreamedThenClosed) {
  RunSpec spec = Spec({"cat"});
  spec.stdin_data = std::string(300000, 'p') + "\nend\n";
  const RunResult r = runner_->Run(spec);
  EXPECT_EQ(r.exit_code, 0) << r.engine_error << r.stderr_data;
  EXPECT_EQ(r.stdout_data.size(), spec.stdin_data.size());
  EXPECT_TRUE(r.stdout_data == spec.stdin_data);  // no 300 KB dump on failure
}

TEST_F(ContainerE2e, WallLimitRemovesTheContainer) {
  RunSpec spec = Spec({"sleep", "1000"});
  spec.limits.wall_s = 2;
  const RunResult r = runner_->Run(spec);
  EXPECT_TRUE(r.timed_out);
  EXPECT_FALSE(r.engine_failure) << r.engine_error;
  EXPECT_FALSE(r.exit_code);
  EXPECT_EQ(ContainersNamed(r.container_name), "");
}

TEST_F(ContainerE2e, MemoryHogIsOomKilled) {
  RunSpec spec = Spec({"python3", "-c", "data = b'x' * (2 << 30)\nprint(len(data))"});
  spec.limits.memory_bytes = 256ull << 20;
  const RunResult r = runner_->Run(spec);
  EXPECT_FALSE(r.engine_failure) << r.engine_error;
  EXPECT_EQ(r.exit_code, 128 + SIGKILL);
  // podman 4.3 on this cgroup v1 host reports OOMKilled=false even when
  // the kernel's OOM killer fired; Docker reports it.
  if (Engine() == "docker") {
    EXPECT_TRUE(r.oom_killed);
  }
  EXPECT_EQ(r.stdout_data, "");
}

TEST_F(ContainerE2e, OnlyLoopbackInside) {
  const RunResult r = runner_->Run(Spec({"cat", "/proc/net/dev"}));
  ASSERT_EQ(r.exit_code, 0) << r.engine_error << r.stderr_data;
  // Two header lines, then "  <iface>: counters..." per interface.
  std::set<std::string> interfaces;
  std::istringstream in(r.stdout_data);
  std::string line;
  for (int i = 0; i < 2 && std::getline(in, line); ++i) {
  }
  while (std::getline(in, line)) {
    const auto colon = line.find(':');
    if (colon != std::string::npos) interfaces.insert(Trim(line.substr(0, colon)));
  }
  EXPECT_EQ(interfaces, std::set<std::string>{"lo"});
}

TEST_F(ContainerE2e, OutputFloodIsCappedAndCounted) {
  RunSpec spec = Spec({"head", "-c", "50000000", "/dev/zero"});
  spec.limits.output_cap = 1u << 20;
  const RunResult r = runner_->Run(spec);
  EXPECT_EQ(r.exit_code, 0) << r.engine_error;
  EXPECT_EQ(r.stdout_data.size(), 1u << 20);
  EXPECT_EQ(r.stdout_bytes, 50000000u);
}

TEST_F(ContainerE2e, SandboxLimitsAreInForceInside) {
  RunSpec spec = Spec(
      {"sh", "-c",
       "grep CapEff /proc/self/status; ulimit -n; "
       "python3 -c 'import resource; print(resource.getrlimit(resource.RLIMIT_FSIZE)[0])'; "
       "cat /sys/fs/cgroup/pids/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids.max"});
  spec.limits.file_size_bytes = 8ull << 20;
  spec.limits.pids = 77;
  const RunResult r = runner_->Run(spec);
  ASSERT_EQ(r.exit_code, 0) << r.engine_error << r.stderr_data;
  // CHOWN(0) DAC_OVERRIDE(1) FOWNER(3) KILL(5) SETGID(6) SETUID(7) MKNOD(27).
  const unsigned mask = 1u << 0 | 1u << 1 | 1u << 3 | 1u << 5 | 1u << 6 | 1u << 7 | 1u << 27;
  char cap_line[64];
  std::snprintf(cap_line, sizeof cap_line, "CapEff:\t%016x\n", mask);
  EXPECT_EQ(r.stdout_data, std::string(cap_line) + "1024\n" + std::to_string(8ull << 20) +
                               "\n77\n");
}

// RunSpec::writable, as the grader mounts a grading container: the image
// read-only, the listed folders writable, a volume that starts with the
// image's files where asked (removed with the container), a tmpfs with its
// mode elsewhere.
TEST_F(ContainerE2e, OnlyTheWritableFoldersCanBeWrittenAndTheirVolumesGoWithTheContainer) {
  const auto dangling = [] {
    std::set<std::string> ids;
    std::istringstream in(
        Docker({"volume", "ls", "-q", "--filter", "dangling=true"}).stdout_data);
    for (std::string id; std::getline(in, id);) ids.insert(id);
    return ids;
  };
  const std::set<std::string> before = dangling();
  RunSpec spec = Spec(
      {"sh", "-c",
       "touch /usr/x 2>/dev/null && echo usr-written; "
       "touch /var/x 2>/dev/null && echo var-written; "
       "grep -q '^root:' /etc/passwd && echo etc-has-the-image-files; "
       "echo x >/etc/new && echo etc-written; "
       "ls -A /home | wc -l; echo x >/home/new && echo home-written; "
       "stat -c '%a %F' /tmp /work; echo x >/work/new && echo work-written"});
  spec.writable = {{"/work", false, 0755}, {"/etc", true, 0755}, {"/home", false, 0755},
                   {"/tmp", false, 01777}};
  const RunResult r = runner_->Run(spec);
  ASSERT_EQ(r.exit_code, 0) << r.engine_error << r.stderr_data;
  EXPECT_EQ(r.stdout_data,
            "etc-has-the-image-files\netc-written\n0\nhome-written\n"
            "1777 directory\n755 directory\nwork-written\n");
  EXPECT_EQ(ContainersNamed(r.container_name), "");
  // The /etc volume went with the container: no volume of ours dangles.
  for (const auto& id : dangling()) {
    EXPECT_TRUE(before.count(id)) << "volume " << id << " outlived its container";
  }
}

TEST_F(ContainerE2e, AssignmentScriptsWorkWithTheReducedCapabilities) {
  // What the assignment's DD test does as root: adduser, chown, su - user.
  const RunResult r = runner_->Run(Spec(
      {"sh", "-c",
       "set -e; mkdir litterbox; adduser garfield --disabled-password --gecos '' >/dev/null; "
       "chown garfield ./litterbox; chmod g+rwx ./litterbox; stat -c %U litterbox; "
       "su - garfield -c 'id -un; pwd'"}));
  EXPECT_EQ(r.exit_code, 0) << r.engine_error << r.stderr_data;
  EXPECT_EQ(r.stdout_data, "garfield\ngarfield\n/home/garfield\n");
}

TEST_F(ContainerE2e, MissingImageIsAnEngineFailure) {
  RunSpec spec = Spec({"true"});
  spec.image = "ipc-grader/no-such-image:" + job_;
  const RunResult r = runner_->Run(spec);
  EXPECT_TRUE(r.engine_failure);
  EXPECT_FALSE(r.started);
  EXPECT_TRUE(Has(r.engine_error, "no-such-image"));
}

TEST_F(ContainerE2e, CommandMissingInTheImageIsAnEngineFailureNotAnExitCode) {
  const RunResult r = runner_->Run(Spec({"ipc-grader-no-such-command"}));
  EXPECT_TRUE(r.engine_failure);
  EXPECT_FALSE(r.started);
  EXPECT_TRUE(Has(r.engine_error, "ipc-grader-no-such-command"));
  EXPECT_EQ(ContainersNamed(r.container_name), "");
}

TEST_F(ContainerE2e, ConcurrentRunsKeepTheirOwnStreams) {
  constexpr int kRuns = 4;
  std::vector<RunResult> results(kRuns);
  std::vector<std::thread> threads;
  for (int i = 0; i < kRuns; ++i) {
    threads.emplace_back([&, i] {
      RunSpec spec = Spec({"sh", "-c", "cat; exit " + std::to_string(i)});
      spec.stdin_data = "run " + std::to_string(i);
      results[static_cast<std::size_t>(i)] = runner_->Run(spec);
    });
  }
  for (auto& t : threads) t.join();
  for (int i = 0; i < kRuns; ++i) {
    const RunResult& r = results[static_cast<std::size_t>(i)];
    EXPECT_EQ(r.exit_code, i) << r.engine_error;
    EXPECT_EQ(r.stdout_data, "run " + std::to_string(i));
  }
}

TEST_F(ContainerE2e, DeriveImageIsCachedByContent) {
  const std::string nonce = RandomHex(8);
  const std::map<std::string, std::string> files = {
      {"/opt/ipc-grader/probe", "#!/bin/sh\necho probe " + nonce + "\n"},
      {"/usr/local/share/ipc-grader/note", nonce}};
  const std::string tag = runner_->DeriveImage(kImage, files);
  images_to_remove_.push_back(tag);
  EXPECT_TRUE(Has(tag, "ipc-grader/run:"));
  const auto image_id = [&] {
    return Trim(Docker({"image", "inspect", "--format", "{{.Id}}", tag}).stdout_data);
  };
  const std::string first_id = image_id();
  ASSERT_FALSE(first_id.empty());

  // Same content: same tag, and the image was not rebuilt (a rebuild
  // commits a new image, with a new id, under the tag).
  EXPECT_EQ(runner_->DeriveImage(kImage, files), tag);
  EXPECT_EQ(image_id(), first_id);
  // The temporary container it committed from is gone.
  const std::string hash = tag.substr(tag.find(':') + 1);
  EXPECT_EQ(Trim(Docker({"ps", "-a", "--filter", "name=ipc-grader-derive-" + hash, "--format",
                         "{{.Names}}"})
                     .stdout_data),
            "");

  RunSpec spec = Spec({"sh", "-c",
                       "/opt/ipc-grader/probe; stat -c '%a %U' /opt/ipc-grader/probe "
                       "/usr/local/share/ipc-grader/note"});
  spec.image = tag;
  const RunResult r = runner_->Run(spec);
  EXPECT_EQ(r.exit_code, 0) << r.engine_error << r.stderr_data;
  EXPECT_EQ(r.stdout_data, "probe " + nonce + "\n755 root\n755 root\n");
}

std::string ImageId(const std::string& image) {
  const ProcessResult r = Docker({"image", "inspect", "--format", "{{.Id}}", image});
  return r.Succeeded() ? Trim(r.stdout_data) : "";
}

// Commits a new image (its own id, this one tag) from kImage.
std::string CommitImage(const std::string& tag) {
  const std::string box = "ipc-grader-e2e-commit-" + RandomHex(6);
  EXPECT_TRUE(Docker({"create", "--name", box, "--network", "none", kImage, "true"}).Succeeded());
  const ProcessResult r = Docker({"commit", "--change", "LABEL e2e=" + tag, box, tag});
  Docker({"rm", "-f", box});
  EXPECT_TRUE(r.Succeeded()) << r.stderr_data;
  return Trim(r.stdout_data);
}

std::map<std::string, std::string> ProbeFiles(const std::string& nonce) {
  return {{"/opt/ipc-grader/probe", "#!/bin/sh\necho probe " + nonce + "\n"}};
}

// Start-up resolves the grading image from the engine's image listing, not
// one `inspect` per name: its ids must be what `inspect` says, or the
// derived image's name (a hash of the id) would differ between the two.
TEST_F(ContainerE2e, ImageIdsFromTheStartUpListingMatchInspect) {
  EXPECT_EQ(runner_->EnsureImage(kImage), ImageId(kImage));
  const auto unlisted = MakeRunner();  // no CheckEngine: asks per name
  const std::map<std::string, std::string> files = ProbeFiles(RandomHex(8));
  const std::string tag = unlisted->DeriveImage(kImage, files);
  images_to_remove_.push_back(tag);
  EXPECT_EQ(runner_->DeriveImage(kImage, files), tag);
  // The one `info` of CheckEngine also answered this.
  EXPECT_EQ(runner_->UserNamespaces(),
            UsernsModeName(DetectUserns(EngineCli(Engine(), FindOnPath(Engine()), {}), 30s)));
}

// Derived images of other grader builds go once a runner has its own,
// unless a container uses them; nothing outside kDerivedRepo is touched.
TEST_F(ContainerE2e, PruningRemovesOtherDerivedTagsNoContainerUses) {
  const std::string repo = std::string(kDerivedRepo) + ":" + TagPrefix();
  const std::string old_tag = repo + "old", busy_tag = repo + "busy", alias_tag = repo + "alias";
  const std::string other_repo = "ipc-grader/e2e-other:" + TagPrefix() + "x";
  const std::string busy_box = "ipc-grader-busy-" + job_;
  // Removed whatever happens, before TearDown removes the images.
  struct RemoveBox {
    std::string name;
    ~RemoveBox() { Docker({"rm", "-f", name}); }
  } remove_box{busy_box};
  images_to_remove_ = {old_tag, busy_tag, alias_tag, other_repo};
  const std::string old_id = CommitImage(old_tag);
  CommitImage(busy_tag);
  const std::string base_id = ImageId(kImage);
  ASSERT_TRUE(Docker({"tag", kImage, alias_tag}).Succeeded());   // shares kImage's image
  ASSERT_TRUE(Docker({"tag", kImage, other_repo}).Succeeded());  // not a derived image
  ASSERT_TRUE(Docker({"run", "-d", "--network", "none", "--label", std::string(kLabel) + "=" + job_,
                      "--name", busy_box, busy_tag, "sleep", "1000"})
                  .Succeeded());

  // What `grader grade` does, with a runner that starts after they exist.
  const auto runner = MakeRunner();
  runner->CheckEngine();
  const std::string ours = runner->DeriveImage(runner->EnsureImage(kImage), ProbeFiles(job_));
  images_to_remove_.push_back(ours);
  runner->FinishBackgroundWork();

  EXPECT_EQ(ImageId(old_tag), "");
  EXPECT_EQ(ImageId(old_id), "") << "the unused image itself is deleted";
  EXPECT_EQ(ImageId(alias_tag), "");
  EXPECT_EQ(ImageId(kImage), base_id) << "an alias goes, the image it named stays";
  EXPECT_NE(ImageId(busy_tag), "") << "in use by a running container";
  EXPECT_NE(ImageId(other_repo), "");
  EXPECT_NE(ImageId(ours), "");
}

// A grader of another build pruned this runner's derived image between
// DeriveImage and Run: the run builds it again and goes ahead.
TEST_F(ContainerE2e, ADerivedImageThatVanishedIsBuiltAgainForTheRun) {
  const std::string nonce = RandomHex(8);
  RunSpec spec = Spec({"/opt/ipc-grader/probe"});
  spec.image = runner_->DeriveImage(kImage, ProbeFiles(nonce));
  images_to_remove_.push_back(spec.image);
  ASSERT_TRUE(Docker({"rmi", spec.image}).Succeeded());
  const RunResult r = runner_->Run(spec);
  EXPECT_FALSE(r.engine_failure) << r.engine_error;
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.stdout_data, "probe " + nonce + "\n");
  EXPECT_NE(ImageId(spec.image), "");
}

// The id of a grader that has died: this process's pid with another start
// time (what a kill -9'd grader whose pid was reused looks like).
std::string DeadOwner() {
  const std::string self = SelfOwnerId();
  return MakeOwnerId(SelfOwnerScope(), getpid(),
                     std::stoull(self.substr(self.rfind(':') + 1)) + 1);
}

TEST_F(ContainerE2e, ReapLeftoversRemovesOnlyItsOwnLabel) {
  const std::string mine = "ipc-grader-reap-" + job_;
  const std::string other = "ipc-grader-other-" + job_;
  const std::string owner = std::string(kOwnerLabel) + "=" + DeadOwner();
  ASSERT_TRUE(Docker({"create", "--label", std::string(kLabel) + "=" + job_, "--label", owner,
                      "--name", mine, kImage, "true"})
                  .Succeeded());
  ASSERT_TRUE(Docker({"create", "--label", std::string(kLabel) + "=not-" + job_, "--label",
                      owner, "--name", other, kImage, "true"})
                  .Succeeded());
  EXPECT_EQ(runner_->ReapLeftovers(), 1);
  EXPECT_EQ(ContainersNamed(mine), "");
  EXPECT_EQ(ContainersNamed(other), other);  // another grader's job
  Docker({"rm", "-f", other});
  EXPECT_EQ(runner_->ReapLeftovers(), 0);
}

// Regression: a second grader on the same engine (a TA's rerun beside a
// batch) reaped the first one's running containers at start-up, turning
// them into "engine failure: exit 137". Running and just-created containers
// of a live grader, or of one we cannot see (no owner label), stay.
TEST_F(ContainerE2e, ReapLeftoversLeavesALiveGradersContainersAlone) {
  const std::string busy = "ipc-grader-busy-" + job_;
  const std::string anon = "ipc-grader-anon-" + job_;
  const std::string fresh = "ipc-grader-fresh-" + job_;
  const std::string job = std::string(kLabel) + "=" + job_;
  const std::string alive = std::string(kOwnerLabel) + "=" + SelfOwnerId();
  ASSERT_TRUE(Docker({"run", "-d", "--network", "none", "--label", job, "--label", alive,
                      "--name", busy, kImage, "sleep", "1000"})
                  .Succeeded());
  ASSERT_TRUE(Docker({"run", "-d", "--network", "none", "--label", job, "--name", anon, kImage,
                      "sleep", "1000"})
                  .Succeeded());
  ASSERT_TRUE(Docker({"create", "--label", job, "--label", alive, "--name", fresh, kImage, "true"})
                  .Succeeded());
  EXPECT_EQ(runner_->ReapLeftovers(), 0);
  EXPECT_EQ(ContainersNamed(busy), busy);
  EXPECT_EQ(ContainersNamed(anon), anon);
  EXPECT_EQ(ContainersNamed(fresh), fresh);
  Docker({"rm", "-f", busy, anon, fresh});
}

// After a kill -9 the dead grader's container may still be running (its
// probe finishes the plan): the next grader removes it.
TEST_F(ContainerE2e, ReapLeftoversRemovesADeadGradersRunningContainer) {
  const std::string orphan = "ipc-grader-orphan-" + job_;
  ASSERT_TRUE(Docker({"run", "-d", "--network", "none", "--label",
                      std::string(kLabel) + "=" + job_, "--label",
                      std::string(kOwnerLabel) + "=" + DeadOwner(), "--name", orphan, kImage,
                      "sleep", "1000"})
                  .Succeeded());
  EXPECT_EQ(runner_->ReapLeftovers(), 1);
  EXPECT_EQ(ContainersNamed(orphan), "");
}

TEST_F(ContainerE2e, KillAllRemovesRunningContainersAndRefusesNewOnes) {
  RunResult result;
  std::thread worker([&] { result = runner_->Run(Spec({"sleep", "1000"})); });
  // Wait (bounded) until the engine reports the container running.
  bool running = false;
  for (int i = 0; i < 600 && !running; ++i) {
    running = !Trim(Docker({"ps", "-q", "--filter", std::string("label=") + kLabel + "=" + job_,
                            "--filter", "status=running"})
                        .stdout_data)
                   .empty();
    if (!running) std::this_thread::sleep_for(50ms);
  }
  ASSERT_TRUE(running);
  runner_->KillAll();
  worker.join();
  EXPECT_TRUE(result.engine_failure);
  EXPECT_TRUE(Has(result.engine_error, "shutting down"));
  EXPECT_EQ(ContainersNamed(result.container_name), "");

  const RunResult after = runner_->Run(Spec({"true"}));
  EXPECT_TRUE(after.engine_failure);
  EXPECT_TRUE(Has(after.engine_error, "shutting down"));
}

// No fixture: these need the docker CLI at most, never an engine.
TEST(ContainerEngineCheck, UnreachableDockerHostIsFatalWithAFix) {
  CliOptions options;
  options.env = {{"DOCKER_HOST", "unix:///nonexistent.sock"}};
  const auto runner = MakeCliRunner("docker", options);
  try {
    runner->CheckEngine();
    FAIL() << "CheckEngine accepted an unreachable DOCKER_HOST";
  } catch (const Fatal& e) {
    EXPECT_TRUE(Has(e.what(), "Fix"));
    if (!FindOnPath("docker").empty()) {
      EXPECT_TRUE(Has(e.what(), "/nonexistent.sock"));
    }
  }
}

TEST(ContainerEngineCheck, MissingCliIsFatalAndRunsFailAsEngineFailures) {
  CliOptions options;
  options.binary = "/nonexistent/bin/docker";
  const auto runner = MakeCliRunner("docker", options);
  try {
    runner->CheckEngine();
    FAIL() << "CheckEngine accepted a missing CLI";
  } catch (const Fatal& e) {
    EXPECT_TRUE(Has(e.what(), "not installed"));
    EXPECT_TRUE(Has(e.what(), "Fix"));
  }
  RunSpec spec;
  spec.image = kImage;
  const RunResult r = runner->Run(spec);
  EXPECT_TRUE(r.engine_failure);
  EXPECT_FALSE(r.started);
}

TEST(ContainerEngineCheck, UnknownEngineIsFatal) {
  EXPECT_THROW(MakeCliRunner("lxc"), Fatal);
}

}  // namespace
}  // namespace ipc::container
