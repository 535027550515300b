// DockerCliRunner against a fake CLI (tests/unit/fake_engine_cli.h): which
// engine calls start-up makes, their argv for docker and podman, the
// messages when the engine is missing, and the derived-image bookkeeping
// (pruning other builds' images, rebuilding one that vanished). The real
// engine's side of the same is in tests/e2e/container_e2e_test.cc.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "container/docker_cli_runner.h"
#include "container/engine_cli.h"
#include "container/image_cache.h"
#include "unit/fake_engine_cli.h"
#include "util/error.h"

namespace ipc::container {
namespace {

using Argv = std::vector<std::string>;

::testing::AssertionResult Has(const std::string& text, const std::string& part) {
  if (text.find(part) != std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "'" << part << "' not in: " << text;
}

const std::string kBookwormId = "sha256:" + std::string(64, 'b');
const std::string kOldId = "sha256:" + std::string(64, 'o');
const std::string kDockerInfo = "20.10.24+dfsg1\n[\"name=seccomp,profile=default\"]\n";
const std::map<std::string, std::string> kTools = {{"/opt/ipc-grader/probe", "probe bytes"}};

std::string Listing(const std::vector<ListedImage>& images) {
  std::string out;
  for (const auto& i : images) out += i.id + "\t" + i.repository + "\t" + i.tag + "\n";
  return out;
}

// The derived image DeriveImage(kBookwormId, kTools) names.
std::string OurTag() { return DeriveHash(kBookwormId, kTools); }

std::string Message(const std::function<void()>& f) {
  try {
    f();
  } catch (const Fatal& e) {
    return e.what();
  }
  return "<no Fatal>";
}

// ---------------------------------------------------------------------------
// Start-up: what `grader grade` asks the engine before its first container

TEST(DockerCliRunnerStartUp, OneInfoOneListingTwoSweepsAndNoInspectOfAListedImage) {
  FakeEngineCli fake;
  fake.Answer("info", "20.10.24+dfsg1\n[\"name=seccomp,profile=default\",\"name=userns\"]\n");
  fake.Answer("image-ls",
              Listing({{kBookwormId, "ipc-grader/python", "bookworm"},
                       {"sha256:" + std::string(64, 'd'), "ipc-grader/run", OurTag()}}));
  fake.Answer("image-inspect", "", "Error response from daemon: No such image: python:latest", 1);
  fake.Answer("pull", "", "Error response from daemon: Get \"https://registry-1.docker.io/v2/\"",
              1);
  const auto runner = fake.Runner();

  // The calls of cli/options.cc's OpenSession and pipeline's PrepareImage.
  runner->CheckEngine();
  EXPECT_EQ(runner->ReapLeftovers(), 0);
  EXPECT_EQ(runner->UserNamespaces(), "userns-remap");
  EXPECT_TRUE(Has(Message([&] { runner->EnsureImage("python:latest"); }), "is not available"));
  EXPECT_EQ(runner->EnsureImage("ipc-grader/python:bookworm"), kBookwormId);
  EXPECT_EQ(runner->DeriveImage(kBookwormId, kTools), "ipc-grader/run:" + OurTag());
  runner->FinishBackgroundWork();

  std::vector<Argv> calls = fake.Calls();
  std::sort(calls.begin(), calls.end());  // info and the listing run side by side, as do the sweeps
  std::vector<Argv> expected = {
      EngineCli("docker", "", {}).InfoArgs(),
      ImageListArgs(),
      {"ps", "-a", "--filter", "label=io.ipc-grader.job=job1", "--format",
       "{{.Names}}\t{{.State}}\t{{.Label \"io.ipc-grader.owner\"}}"},
      {"ps", "-a", "--filter", "name=ipc-grader-derive-", "--format",
       "{{.Names}}\t{{.State}}\t{{.Label \"io.ipc-grader.owner\"}}"},
      {"image", "inspect", "--format", "{{.Id}}", "python:latest"},
      {"pull", "python:latest"}};
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(calls, expected);
}

TEST(DockerCliRunnerStartUp, WithoutAListingEachImageIsInspectedOnceAndAnIdNeverAgain) {
  FakeEngineCli fake;
  fake.Answer("image-inspect", kBookwormId + "\n");
  const auto runner = fake.Runner({.prune = false, .tag_prefix = ""});
  EXPECT_EQ(runner->EnsureImage("ipc-grader/python:bookworm"), kBookwormId);
  fake.Answer("commit", "sha256:" + std::string(64, 'c') + "\n");
  fake.Answer("image-inspect", "", "Error response from daemon: No such image", 1);
  const std::string tag = runner->DeriveImage(kBookwormId, kTools);
  EXPECT_EQ(runner->DeriveImage(kBookwormId, kTools), tag);  // built once, then known
  // bookworm once; the derived tag once (absent, so built); never the id.
  EXPECT_EQ(
      fake.CallsOf({"image", "inspect"}),
      (std::vector<Argv>{{"image", "inspect", "--format", "{{.Id}}", "ipc-grader/python:bookworm"},
                         {"image", "inspect", "--format", "{{.Id}}", tag}}));
  ASSERT_EQ(fake.CallsOf({"create"}).size(), 1u);
  EXPECT_EQ(fake.CallsOf({"create"})[0].at(7), kBookwormId);  // from the id, not the name
  EXPECT_EQ(fake.CallsOf({"commit"}).size(), 1u);
}

TEST(DockerCliRunnerStartUp, PodmanAsksOneInfoWithItsGlobalFlagsAndInspectsPerName) {
  FakeEngineCli fake("podman");
  fake.Answer("info", "4.3.1\ntrue\n");
  fake.Answer("image-ls", Listing({{kBookwormId, "localhost/ipc-grader/python", "bookworm"}}));
  fake.Answer("image-inspect", std::string(64, 'b') + "\n");
  const auto runner = fake.Runner();
  runner->CheckEngine();
  EXPECT_EQ(runner->UserNamespaces(), "rootless");
  EXPECT_EQ(runner->EnsureImage("ipc-grader/python:bookworm"), std::string(64, 'b'));
  runner->FinishBackgroundWork();
  EXPECT_EQ(fake.CallsOf({"info"}),
            (std::vector<Argv>{EngineCli("podman", "", {}).InfoArgs()}));
  // podman's listing is not trusted for ids: the name is inspected.
  EXPECT_EQ(fake.CallsOf({"image", "inspect"}).size(), 1u);
  for (const Argv& argv : fake.Calls()) {
    ASSERT_GE(argv.size(), 2u);
    EXPECT_EQ(Argv(argv.begin(), argv.begin() + 2), (Argv{"--runtime", "runc"}));
  }
}

TEST(DockerCliRunnerStartUp, TheTwoSweepsRunSideBySide) {
  FakeEngineCli fake;
  fake.Meet("ps", 2);  // each `ps` waits for the other: one after the other fails
  const auto runner = fake.Runner();
  EXPECT_EQ(runner->ReapLeftovers(), 0);
  EXPECT_EQ(fake.CallsOf({"ps"}).size(), 2u);
}

// ---------------------------------------------------------------------------
// The engine check's messages, now that it is an `info` call

TEST(DockerCliRunnerCheck, NoDaemonNamesTheSocketAndTheFix) {
  FakeEngineCli fake;
  // What docker prints for `info --format` without a daemon: the template
  // with an empty version on stdout, the cause on stderr, exit 1.
  fake.Answer("info", "\nnull\n",
              "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker "
              "daemon running?\n",
              1);
  const std::string m = Message([&] { fake.Runner()->CheckEngine(); });
  EXPECT_TRUE(Has(m, "no Docker engine answers"));
  EXPECT_TRUE(Has(m, "unix:///var/run/docker.sock"));
  EXPECT_TRUE(Has(m, "Fix: run scripts/setup.sh"));
}

TEST(DockerCliRunnerCheck, PermissionDeniedSaysSoWithTheGroupFix) {
  FakeEngineCli fake;
  fake.Answer("info", "\nnull\n",
              "permission denied while trying to connect to the Docker daemon socket at "
              "unix:///var/run/docker.sock: Get \"http://%2Fvar%2Frun%2Fdocker.sock/v1.50/info\": "
              "dial unix /var/run/docker.sock: connect: permission denied\n",
              1);
  const std::string m = Message([&] { fake.Runner()->CheckEngine(); });
  EXPECT_TRUE(Has(m, "permission denied on the docker engine's socket"));
  EXPECT_TRUE(Has(m, "usermod -aG docker"));
}

TEST(DockerCliRunnerCheck, AnAnswerWithoutAVersionIsAFailedCheck) {
  FakeEngineCli fake;
  fake.Answer("info", "\n[]\n");
  EXPECT_TRUE(Has(Message([&] { fake.Runner()->CheckEngine(); }), "failed its check"));
}

TEST(DockerCliRunnerCheck, PodmanThatDoesNotWorkPointsAtRunc) {
  FakeEngineCli fake("podman");
  fake.Answer("info", "", "Error: unable to connect to Podman socket\n", 125);
  EXPECT_TRUE(Has(Message([&] { fake.Runner()->CheckEngine(); }), "podman --runtime runc info"));
}

TEST(DockerCliRunnerCheck, UserNamespacesAsksTheEngineWhenCheckEngineDidNot) {
  FakeEngineCli fake;
  fake.Answer("info", "[\"name=seccomp,profile=default\",\"name=rootless\"]\n");
  EXPECT_EQ(fake.Runner()->UserNamespaces(), "rootless");
  EXPECT_EQ(fake.CallsOf({"info", "--format", "{{json .SecurityOptions}}"}).size(), 1u);
}

// ---------------------------------------------------------------------------
// Pruning other builds' derived images

struct PruneCase {
  FakeEngineCli fake;
  std::unique_ptr<DockerCliRunner> runner;

  explicit PruneCase(DerivedImagePolicy policy) {
    fake.Answer("info", kDockerInfo);
    fake.Answer("image-ls",
                Listing({{kBookwormId, "ipc-grader/python", "bookworm"},
                         {"sha256:" + std::string(64, 'd'), "ipc-grader/run", OurTag()},
                         {"sha256:" + std::string(64, 'd'), "ipc-grader/run", "alias-of-ours"},
                         {kBookwormId, "ipc-grader/run", "e2e-x-alias-of-base"},
                         {kOldId, "ipc-grader/run", "0123456789abcdef"},
                         {kOldId, "ipc-grader/run", "e2e-x-old"},
                         {"sha256:" + std::string(64, 'p'), "localhost/ipc-grader/run", "e2e-pod"},
                         {"sha256:" + std::string(64, 'r'), "ipc-grader/runner", "e2e-other-repo"},
                         {"sha256:" + std::string(64, 'n'), "ipc-grader/run", "<none>"}}));
    runner = fake.Runner(std::move(policy));
    runner->CheckEngine();
    runner->DeriveImage(kBookwormId, kTools);
    runner->FinishBackgroundWork();
  }
};

TEST(DockerCliRunnerPrune, RemovesOtherDerivedTagsInOneRmiWithoutForce) {
  PruneCase c({});
  EXPECT_EQ(c.fake.CallsOf({"rmi"}),
            (std::vector<Argv>{{"rmi", "ipc-grader/run:e2e-x-alias-of-base",
                                "ipc-grader/run:0123456789abcdef", "ipc-grader/run:e2e-x-old",
                                "localhost/ipc-grader/run:e2e-pod"}}));
}

TEST(DockerCliRunnerPrune, OnlyTagsWithThePolicysPrefix) {
  PruneCase c({.prune = true, .tag_prefix = "e2e-x-"});
  EXPECT_EQ(c.fake.CallsOf({"rmi"}),
            (std::vector<Argv>{
                {"rmi", "ipc-grader/run:e2e-x-alias-of-base", "ipc-grader/run:e2e-x-old"}}));
}

TEST(DockerCliRunnerPrune, NothingWhenTurnedOff) {
  PruneCase c({.prune = false, .tag_prefix = ""});
  EXPECT_TRUE(c.fake.CallsOf({"rmi"}).empty());
}

TEST(DockerCliRunnerPrune, NeverTheGradingImageEvenWhenItIsADerivedTag) {
  FakeEngineCli fake;
  fake.Answer("info", kDockerInfo);
  fake.Answer("image-ls", Listing({{kBookwormId, "ipc-grader/run", "given-as-image"},
                                   {"sha256:" + std::string(64, 'd'), "ipc-grader/run", OurTag()},
                                   {kOldId, "ipc-grader/run", "other"}}));
  const auto runner = fake.Runner();
  runner->CheckEngine();
  runner->DeriveImage(runner->EnsureImage("ipc-grader/run:given-as-image"), kTools);
  runner->FinishBackgroundWork();
  EXPECT_EQ(fake.CallsOf({"rmi"}), (std::vector<Argv>{{"rmi", "ipc-grader/run:other"}}));
}

TEST(PruneCandidates, NeverAnotherRepositoryNorTheKeptImage) {
  const std::vector<ListedImage> images = {
      {"sha256:1", "ipc-grader/run", "a"},          {"sha256:1", "ipc-grader/run", "a-alias"},
      {"sha256:2", "ipc-grader/run", "b"},          {"sha256:2", "ipc-grader/python", "bookworm"},
      {"sha256:3", "ipc-grader/run-old", "c"},      {"sha256:4", "example.com/ipc-grader/run", "d"},
      {"sha256:5", "localhost/ipc-grader/run", "e"}};
  EXPECT_EQ(PruneCandidates(images, {"a"}, ""),
            (std::vector<std::string>{"ipc-grader/run:b", "localhost/ipc-grader/run:e"}));
  EXPECT_EQ(PruneCandidates(images, {"a", "b", "e"}, ""), std::vector<std::string>{});
  EXPECT_EQ(PruneCandidates(images, {}, "a"),
            (std::vector<std::string>{"ipc-grader/run:a", "ipc-grader/run:a-alias"}));
}

// ---------------------------------------------------------------------------
// A derived image that vanishes before the run

struct VanishCase {
  FakeEngineCli fake;
  std::unique_ptr<DockerCliRunner> runner;
  RunSpec spec;

  VanishCase() {
    fake.Answer("info", kDockerInfo);
    fake.Answer("image-ls",
                Listing({{kBookwormId, "ipc-grader/python", "bookworm"},
                         {"sha256:" + std::string(64, 'd'), "ipc-grader/run", OurTag()}}));
    // The first `run` finds no image; `inspect` then finds no container.
    fake.Answer("run", "", "docker: Error response from daemon: No such image: ipc-grader/run:x.\n",
                125, 1);
    fake.Answer("inspect", "", "Error: No such object: c\n", 1, 1);
    fake.Answer("run", "hello\n");
    fake.Answer("inspect", "exited false 0 2024-01-01T00:00:00Z\n");
    fake.Answer("image-inspect", "", "Error response from daemon: No such image", 1);
    runner = fake.Runner({.prune = false, .tag_prefix = ""});
    runner->CheckEngine();
    spec.command = {"/opt/ipc-grader/probe"};
    spec.limits.wall_s = 60;
  }
};

TEST(DockerCliRunnerVanishedImage, ItsOwnDerivedImageIsBuiltAgainAndTheRunRetriedOnce) {
  VanishCase c;
  c.spec.image = c.runner->DeriveImage(kBookwormId, kTools);
  EXPECT_TRUE(c.fake.CallsOf({"create"}).empty());  // listed: nothing built yet
  const RunResult r = c.runner->Run(c.spec);
  EXPECT_FALSE(r.engine_failure) << r.engine_error;
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.stdout_data, "hello\n");
  EXPECT_EQ(c.fake.CallsOf({"run"}).size(), 2u);
  EXPECT_EQ(c.fake.CallsOf({"create"}).size(), 1u);
  EXPECT_EQ(c.fake.CallsOf({"cp", "-"}).size(), 1u);
  EXPECT_EQ(c.fake.CallsOf({"commit"}).size(), 1u);
}

TEST(DockerCliRunnerVanishedImage, AnImageItDidNotDeriveIsAnEngineFailureWithoutRetry) {
  VanishCase c;
  c.spec.image = "ipc-grader/python:bookworm";
  const RunResult r = c.runner->Run(c.spec);
  EXPECT_TRUE(r.engine_failure);
  EXPECT_TRUE(Has(r.engine_error, "No such image"));
  EXPECT_EQ(c.fake.CallsOf({"run"}).size(), 1u);
  EXPECT_TRUE(c.fake.CallsOf({"create"}).empty());
}

// ---------------------------------------------------------------------------
// How a run's end is read

RunSpec ProbeRun() {
  RunSpec spec;
  spec.image = "ipc-grader/run:x";
  spec.command = {"/opt/ipc-grader/probe"};
  spec.limits.wall_s = 60;
  return spec;
}

// The limits of the defaults of Limits, as `inspect` shows them.
constexpr const char* kExitedZeroWithLimits = "exited false 0 2024-01-01T00:00:00Z\n1073741824 256\n";

TEST(DockerCliRunnerRun, OnceOneContainerHadItsLimitsAContainerThatExitedZeroNeedsNoInspect) {
  FakeEngineCli fake;
  fake.Answer("info", kDockerInfo);
  fake.Answer("run", "report\n");
  fake.Answer("inspect", kExitedZeroWithLimits);
  const auto runner = fake.Runner({.prune = false, .tag_prefix = ""});
  for (int i = 0; i < 2; ++i) {
    const RunResult r = runner->Run(ProbeRun());
    EXPECT_FALSE(r.engine_failure) << r.engine_error;
    EXPECT_TRUE(r.started);
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_EQ(r.stdout_data, "report\n");
  }
  // The first shows the engine applies the limits; the second is one CLI
  // run fewer.
  EXPECT_EQ(fake.CallsOf({"inspect"}).size(), 1u);
  // Removed all the same, with its anonymous volumes (a read-only run's
  // /etc): `rm -f` alone would leave one volume per grading behind.
  const auto runs = fake.CallsOf({"run"});
  ASSERT_EQ(runs.size(), 2u);
  std::vector<Argv> removed;
  for (const auto& run : runs) {
    const auto name_at = std::find(run.begin(), run.end(), "--name");
    ASSERT_NE(name_at, run.end());
    removed.push_back({"rm", "-f", "-v", *(name_at + 1)});
  }
  EXPECT_EQ(fake.CallsOf({"rm"}), removed);
}

TEST(DockerCliRunnerRun, ARemovalTheEngineRefusedIsRetriedAtTheEndWithTheVolumes) {
  FakeEngineCli fake;
  fake.Answer("info", kDockerInfo);
  fake.Answer("run", "report\n");
  fake.Answer("inspect", kExitedZeroWithLimits);
  fake.Answer("rm", "", "Error response from daemon: hiccup", 1, 1);  // the first only
  std::string name;
  {
    const auto runner = fake.Runner({.prune = false, .tag_prefix = ""});
    EXPECT_FALSE(runner->Run(ProbeRun()).engine_failure);
    const auto runs = fake.CallsOf({"run"});
    ASSERT_EQ(runs.size(), 1u);
    name = *(std::find(runs[0].begin(), runs[0].end(), "--name") + 1);
    EXPECT_EQ(fake.CallsOf({"rm"}).size(), 1u);
  }  // the runner's end
  EXPECT_EQ(fake.CallsOf({"rm"}),
            (std::vector<Argv>{{"rm", "-f", "-v", name}, {"rm", "-f", "-v", name}}));
}

TEST(DockerCliRunnerReap, ACrashedRunsContainersGoWithTheirVolumes) {
  FakeEngineCli fake;
  fake.Answer("info", kDockerInfo);
  // The first sweep (of the two side by side: the job's label, the derive
  // prefix) lists an exited container of an owner nobody can judge; every
  // later sweep, those after the removal included, lists nothing.
  fake.Answer("ps", "ipc-grader-bob-0123\texited\t\n", "", 0, 1);
  const auto runner = fake.Runner({.prune = false, .tag_prefix = ""});
  EXPECT_EQ(runner->ReapLeftovers(), 1);
  EXPECT_EQ(fake.CallsOf({"rm"}), (std::vector<Argv>{{"rm", "-f", "-v", "ipc-grader-bob-0123"}}));
}

// podman's `ps` template has no .Label "KEY" (it fails: "can't evaluate
// field Label") and words states its own way.
TEST(DockerCliRunnerReap, PodmanIsAskedForTheOwnerLabelItsWayAndReadInItsWords) {
  FakeEngineCli fake("podman");
  fake.Answer("info", "4.3.1\nfalse\n[\"cpu\",\"memory\",\"pids\"]\n");
  fake.Answer("ps", "ipc-grader-bob-0123\tExited (0) 3 minutes ago\t\n", "", 0, 1);
  const auto runner = fake.Runner({.prune = false, .tag_prefix = ""});
  EXPECT_EQ(runner->ReapLeftovers(), 1);
  EXPECT_EQ(fake.CallsOf({"rm"}), (std::vector<Argv>{{"rm", "-f", "-v", "ipc-grader-bob-0123"}}));
  for (const Argv& ps : fake.CallsOf({"ps"})) {
    ASSERT_FALSE(ps.empty());
    EXPECT_EQ(ps.back(), "{{.Names}}\t{{.State}}\t{{index .Labels \"io.ipc-grader.owner\"}}");
  }
}

TEST(DockerCliRunnerRun, AnyOtherExitIsReadFromInspect) {
  FakeEngineCli fake;
  fake.Answer("info", kDockerInfo);
  fake.Answer("run", "", "", 137);
  fake.Answer("inspect", "exited true 137 2024-01-01T00:00:00Z\n");
  const RunResult r = fake.Runner({.prune = false, .tag_prefix = ""})->Run(ProbeRun());
  EXPECT_FALSE(r.engine_failure) << r.engine_error;
  EXPECT_EQ(r.exit_code, 137);
  EXPECT_TRUE(r.oom_killed);
  EXPECT_EQ(fake.CallsOf({"inspect"}).size(), 1u);
}

// ---------------------------------------------------------------------------
// The pure pieces

TEST(EngineInfo, InfoArgsAndWhatTheyAnswer) {
  EXPECT_EQ(EngineCli("docker", "", {}).InfoArgs(),
            (Argv{"info", "--format",
                  "{{.ServerVersion}}\n{{json .SecurityOptions}}\n"
                  "{{.MemoryLimit}} {{.PidsLimit}} {{.CPUCfsQuota}}"}));
  EXPECT_EQ(EngineCli("podman", "", {}).InfoArgs(),
            (Argv{"info", "--format",
                  "{{.Version.Version}}\n{{.Host.Security.Rootless}}\n"
                  "{{json .Host.CgroupControllers}}"}));
  const EngineInfo docker = ParseEngineInfo("docker", kDockerInfo);
  EXPECT_EQ(docker.version, "20.10.24+dfsg1");
  EXPECT_EQ(docker.userns, UsernsMode::kNone);
  EXPECT_EQ(ParseEngineInfo("docker", "24.0\n[\"name=userns\",\"name=rootless\"]").userns,
            UsernsMode::kRootless);
  EXPECT_EQ(ParseEngineInfo("docker", "\nnull\n").version, "");
  EXPECT_EQ(ParseEngineInfo("docker", "24.0").userns, UsernsMode::kUnknown);
  const EngineInfo podman = ParseEngineInfo("podman", "4.3.1\nfalse\n");
  EXPECT_EQ(podman.version, "4.3.1");
  EXPECT_EQ(podman.userns, UsernsMode::kNone);
}

// What rootless podman on cgroup v1 says (no controller: it drops
// --memory, --pids-limit and --cpus with one warning), what root's podman
// and docker say, and an engine that does not say.
TEST(EngineInfo, LimitsTheEngineCannotApplyAreNamed) {
  using Names = std::vector<std::string>;
  EXPECT_EQ(ParseEngineInfo("podman", "4.3.1\ntrue\n[]\n").missing_limits,
            (Names{"memory", "pids", "cpu"}));
  EXPECT_EQ(ParseEngineInfo("podman", "4.3.1\nfalse\n[\"cpuset\",\"cpu\",\"cpuacct\",\"blkio\","
                                      "\"memory\",\"devices\",\"freezer\",\"pids\"]\n")
                .missing_limits,
            Names{});
  EXPECT_EQ(ParseEngineInfo("podman", "4.3.1\ntrue\n[\"cpuset\",\"cpuacct\",\"memory\"]\n")
                .missing_limits,
            (Names{"pids", "cpu"}));
  EXPECT_EQ(ParseEngineInfo("docker", std::string(kDockerInfo) + "true true true\n").missing_limits,
            Names{});
  EXPECT_EQ(ParseEngineInfo("docker", std::string(kDockerInfo) + "true false false\n")
                .missing_limits,
            (Names{"pids", "cpu"}));
  EXPECT_EQ(ParseEngineInfo("docker", kDockerInfo).missing_limits, Names{});
  EXPECT_EQ(ParseEngineInfo("podman", "4.3.1\ntrue\n").missing_limits, Names{});
}

TEST(DockerCliRunnerStartUp, AnEngineThatWouldDropTheLimitsIsRefusedWithTheFix) {
  FakeEngineCli fake("podman");
  fake.Answer("info", "4.3.1\ntrue\n[]\n");
  const std::string message = Message([&] { fake.Runner()->CheckEngine(); });
  EXPECT_TRUE(Has(message, "cannot apply the grader's memory, pids, cpu limit(s)")) << message;
  EXPECT_TRUE(Has(message, "rootless podman on cgroup v1")) << message;
  EXPECT_TRUE(Has(message, "Fix: grade with an engine that applies them")) << message;
}

// The backstop: a container the engine ran without the limits asked for
// (as it recorded them) yields no observation.
TEST(DockerCliRunnerRun, AContainerWithoutTheAskedLimitsIsAnEngineFailure) {
  for (const bool applied : {true, false}) {
    FakeEngineCli fake;
    fake.Answer("info", kDockerInfo);
    fake.Answer("run", "report\n");
    fake.Answer("inspect", applied ? "exited false 0 2024-01-01T00:00:00Z\n1073741824 256\n"
                                   : "exited false 0 2024-01-01 00:00:00 +0000 UTC\n0 0\n");
    const auto runner = fake.Runner({.prune = false, .tag_prefix = ""});
    runner->CheckEngine();
    RunSpec spec;
    spec.image = kBookwormId;
    spec.command = {"/opt/ipc-grader/probe"};
    spec.limits.wall_s = 60;
    const RunResult r = runner->Run(spec);
    EXPECT_EQ(r.engine_failure, !applied) << r.engine_error;
    if (!applied) {
      EXPECT_TRUE(Has(r.engine_error, "did not apply the grader's limits")) << r.engine_error;
      EXPECT_TRUE(Has(r.engine_error, "asked 1073741824 and 256")) << r.engine_error;
    }
  }
}

TEST(ImageListing, ParsesLinesAndSkipsBrokenOnes) {
  const auto images = ParseImageList(
      "sha256:1\tipc-grader/run\tabc\nbroken line\n"
      "sha256:2\t<none>\t<none>\n\n");
  ASSERT_EQ(images.size(), 2u);
  EXPECT_EQ(images[0].id, "sha256:1");
  EXPECT_EQ(images[0].repository, "ipc-grader/run");
  EXPECT_EQ(images[0].tag, "abc");
  EXPECT_EQ(images[1].tag, "<none>");
}

TEST(ImageListing, LooksUpOnlyWhatItCanTellForSure) {
  const std::string hex(64, 'a');
  const std::vector<ListedImage> images = {{"sha256:" + hex, "python", "latest"},
                                           {"sha256:1", "ipc-grader/python", "bookworm"},
                                           {"sha256:2", "localhost:5000/x", "latest"}};
  EXPECT_EQ(LookUpListed(images, "python"), "sha256:" + hex);
  EXPECT_EQ(LookUpListed(images, "python:latest"), "sha256:" + hex);
  EXPECT_EQ(LookUpListed(images, "ipc-grader/python:bookworm"), "sha256:1");
  EXPECT_EQ(LookUpListed(images, "localhost:5000/x"), "sha256:2");
  EXPECT_EQ(LookUpListed(images, "sha256:" + hex), "sha256:" + hex);
  EXPECT_EQ(LookUpListed(images, hex), "sha256:" + hex);
  // Unknown here, not necessarily absent: the engine is asked.
  EXPECT_EQ(LookUpListed(images, "docker.io/library/python:latest"), "");
  EXPECT_EQ(LookUpListed(images, "python@sha256:" + hex), "");
  EXPECT_EQ(LookUpListed(images, "aaaaaaaaaaaa"), "");
  EXPECT_EQ(LookUpListed(images, "ipc-grader/python:trixie"), "");
}

TEST(SaysNoSuchImage, DockerAndPodmanWordings) {
  EXPECT_TRUE(SaysNoSuchImage("docker: Error response from daemon: No such image: x:y."));
  EXPECT_TRUE(SaysNoSuchImage("Unable to find image 'x:y' locally"));
  EXPECT_TRUE(SaysNoSuchImage("Error: x:y: image not known"));
  EXPECT_FALSE(SaysNoSuchImage("docker: Error response from daemon: No such container: c"));
}

}  // namespace
}  // namespace ipc::container
