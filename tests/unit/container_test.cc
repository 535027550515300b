// The container adapter without an engine: the `docker run` command line,
// container names, engine failure messages, derived-image hashing and tar,
// and the fake other modules use. The process wrapper has its own file.
#include <algorithm>
#include <cctype>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "container/engine_cli.h"
#include "container/image_cache.h"
#include "container/process.h"
#include "container/run_args.h"
#include "unit/fake_container_runner.h"
#include "util/error.h"

namespace ipc::container {
namespace {

// Substring check with the whole text in the failure message.
::testing::AssertionResult Has(const std::string& text, const std::string& part) {
  if (text.find(part) != std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "'" << part << "' not in: " << text;
}

// ---------------------------------------------------------------------------
// BuildRunArgs

struct RunArgs {
  std::vector<std::string> args;
  // Index of the image: options before it, the container's command after.
  std::size_t image_at = 0;

  std::vector<std::string> Options() const { return {args.begin(), args.begin() + image_at}; }
  std::vector<std::string> Command() const { return {args.begin() + image_at + 1, args.end()}; }
  // Every value given to `flag` among the options.
  std::vector<std::string> Values(const std::string& flag) const {
    std::vector<std::string> out;
    for (std::size_t i = 0; i + 1 < image_at; ++i) {
      if (args[i] == flag) out.push_back(args[i + 1]);
    }
    return out;
  }
  std::string Value(const std::string& flag) const {
    const auto v = Values(flag);
    return v.size() == 1 ? v[0] : "<" + std::to_string(v.size()) + " values>";
  }
  bool Has(const std::string& flag) const {
    const auto opts = Options();
    return std::find(opts.begin(), opts.end(), flag) != opts.end();
  }
};

RunArgs Build(const RunSpec& spec, const std::string& name = "ipc-grader-x-00") {
  RunArgs r{BuildRunArgs(spec, name), 0};
  const auto it = std::find(r.args.begin(), r.args.end(), spec.image);
  r.image_at = static_cast<std::size_t>(it - r.args.begin());
  return r;
}

RunSpec SampleSpec() {
  RunSpec spec;
  spec.image = "ipc-grader/run:0123456789abcdef";
  spec.command = {"/opt/ipc-grader/probe", "--plan", "-"};
  spec.workdir = "/root/work";
  spec.limits.memory_bytes = 256ull << 20;
  spec.limits.pids = 128;
  spec.limits.cpus = 1.5;
  spec.limits.tmpfs_bytes = 32ull << 20;
  spec.limits.file_size_bytes = 16ull << 20;
  spec.labels = {{"io.ipc-grader.student", "jane"}};
  return spec;
}

TEST(BuildRunArgs, StartsWithRunInteractiveAndNamesTheContainer) {
  const RunArgs r = Build(SampleSpec(), "ipc-grader-jane-abc");
  ASSERT_LT(r.image_at, r.args.size());
  EXPECT_EQ(r.args[0], "run");
  EXPECT_TRUE(r.Has("-i"));
  EXPECT_EQ(r.Value("--name"), "ipc-grader-jane-abc");
  EXPECT_EQ(r.Value("-w"), "/root/work");
  EXPECT_EQ(r.Value("--pull"), "never");
}

TEST(BuildRunArgs, EveryLimitAppears) {
  const RunArgs r = Build(SampleSpec());
  EXPECT_EQ(r.Value("--memory"), std::to_string(256ull << 20));
  EXPECT_EQ(r.Value("--pids-limit"), "128");
  EXPECT_EQ(r.Value("--cpus"), "1.5");
  EXPECT_EQ(r.Value("--tmpfs"), "/tmp:rw,exec,size=" + std::to_string(32ull << 20));
  const auto ulimits = r.Values("--ulimit");
  EXPECT_NE(std::find(ulimits.begin(), ulimits.end(), "core=0"), ulimits.end());
  EXPECT_NE(std::find(ulimits.begin(), ulimits.end(), "nofile=1024:1024"), ulimits.end());
  EXPECT_NE(std::find(ulimits.begin(), ulimits.end(), "fsize=" + std::to_string(16ull << 20)),
            ulimits.end());
}

TEST(BuildRunArgs, MemoryEqualsMemorySwapForAnyLimit) {
  for (std::uint64_t mb : {6ull, 256ull, 1024ull, 4096ull}) {
    RunSpec spec = SampleSpec();
    spec.limits.memory_bytes = mb << 20;
    const RunArgs r = Build(spec);
    EXPECT_EQ(r.Value("--memory"), std::to_string(mb << 20));
    EXPECT_EQ(r.Value("--memory-swap"), r.Value("--memory")) << mb << " MiB";
  }
}

TEST(BuildRunArgs, CpusIsWrittenAsDockerParsesIt) {
  RunSpec spec = SampleSpec();
  spec.limits.cpus = 1.0;
  EXPECT_EQ(Build(spec).Value("--cpus"), "1");
  spec.limits.cpus = 0.25;
  EXPECT_EQ(Build(spec).Value("--cpus"), "0.25");
}

TEST(BuildRunArgs, NetworkNoneNoNewPrivilegesNoLogCopy) {
  const RunArgs r = Build(SampleSpec());
  EXPECT_EQ(r.Value("--network"), "none");
  EXPECT_EQ(r.Value("--security-opt"), "no-new-privileges");
  EXPECT_EQ(r.Value("--log-driver"), "none");
  // `rm -f` kills at once (podman would wait 10 s for the probe to stop).
  EXPECT_EQ(r.Value("--stop-timeout"), "0");
}

TEST(BuildRunArgs, DropsAllCapabilitiesAndAddsBackExactlyTheListedOnes) {
  const RunArgs r = Build(SampleSpec());
  EXPECT_EQ(r.Value("--cap-drop"), "ALL");
  auto added = r.Values("--cap-add");
  std::sort(added.begin(), added.end());
  // adduser (CHOWN, DAC_OVERRIDE, FOWNER), `su -` (SETUID, SETGID), root
  // signalling another user's processes (KILL), and MKNOD for the probe to
  // put back a /dev node a step removed (run_args.h): all in Docker's
  // default set, nothing beyond it.
  EXPECT_EQ(added, (std::vector<std::string>{"CHOWN", "DAC_OVERRIDE", "FOWNER", "KILL", "MKNOD",
                                             "SETGID", "SETUID"}));
}

// The grader's real runs (pipeline/grade.cc): the image read-only, the
// workdir and the system folders writable, /etc as an anonymous volume that
// starts with the image's user database.
RunSpec ReadOnlySpec() {
  RunSpec spec = SampleSpec();
  spec.writable = {{"/root", false, 0755},
                   {"/etc", true, 0755},
                   {"/tmp", false, 01777},
                   {"/home", false, 0755}};
  return spec;
}

TEST(BuildRunArgs, WritableFoldersMakeTheImageReadOnlyWithATmpfsOrVolumeEach) {
  const RunArgs r = Build(ReadOnlySpec());
  EXPECT_TRUE(r.Has("--read-only"));
  const std::string size = std::to_string(32ull << 20);
  // Each tmpfs with its mode in octal (the sticky bit of /tmp kept), in
  // the spec's order; no default /tmp besides the spec's.
  EXPECT_EQ(r.Values("--tmpfs"),
            (std::vector<std::string>{"/root:rw,exec,mode=755,size=" + size,
                                      "/tmp:rw,exec,mode=1777,size=" + size,
                                      "/home:rw,exec,mode=755,size=" + size}));
  // An anonymous volume: no source, so nothing of the host is mounted, and
  // `rm -v` removes it with the container.
  EXPECT_EQ(r.Values("--mount"), std::vector<std::string>{"type=volume,destination=/etc"});
}

TEST(BuildRunArgs, WithoutWritableFoldersTheImageStaysWritableWithATmpfsTmp) {
  const RunArgs r = Build(SampleSpec());
  EXPECT_FALSE(r.Has("--read-only"));
  EXPECT_TRUE(r.Values("--mount").empty());
  EXPECT_EQ(r.Values("--tmpfs"),
            std::vector<std::string>{"/tmp:rw,exec,size=" + std::to_string(32ull << 20)});
}

TEST(BuildRunArgs, CarriesTheJobLabelFirstThenTheCallersLabels) {
  RunArgs r{BuildRunArgs(SampleSpec(), "n", "batch-7"), 0};
  r.image_at = static_cast<std::size_t>(
      std::find(r.args.begin(), r.args.end(), SampleSpec().image) - r.args.begin());
  EXPECT_EQ(r.Values("--label"),
            (std::vector<std::string>{"io.ipc-grader.job=batch-7", "io.ipc-grader.student=jane"}));
  EXPECT_EQ(Build(SampleSpec()).Values("--label").at(0), "io.ipc-grader.job=1");
}

TEST(BuildRunArgs, ImageThenCommandVerbatimEvenWhenItLooksLikeOptions) {
  RunSpec spec = SampleSpec();
  spec.command = {"sh", "-c", "echo -v --privileged", "-v", "/:/host"};
  const RunArgs r = Build(spec);
  EXPECT_EQ(r.args[r.image_at], spec.image);
  EXPECT_EQ(r.Command(), spec.command);
}

TEST(BuildRunArgs, NeverMountsPublishesOrEscalates) {
  RunSpec spec = SampleSpec();
  // Hostile-looking inputs everywhere a caller can put a string.
  spec.name_hint = "-v /:/host";
  spec.workdir = "/root/--privileged";
  spec.labels = {{"x", "-v"}, {"--mount", "type=bind"}};
  for (bool init : {false, true}) {
    spec.init = init;
    const RunArgs r = Build(spec, ContainerName(spec.name_hint));
    for (const char* forbidden :
         {"-v", "--volume", "--mount", "--privileged", "-p", "--publish", "-P", "--rm",
          "--volumes-from", "--device", "--pid", "--userns", "--cap-add=ALL", "-t"}) {
      EXPECT_FALSE(r.Has(forbidden)) << forbidden;
    }
    // --ipc only to make it private (never "host" or another container's).
    EXPECT_EQ(r.Value("--ipc"), "private");
    for (const std::string& cap : r.Values("--cap-add")) {
      EXPECT_NE(cap, "ALL");
      EXPECT_NE(cap, "SYS_ADMIN");
    }
    EXPECT_EQ(r.Value("--network"), "none");
  }
}

TEST(BuildRunArgs, AReadOnlyRunMountsOnlyTmpfsAndAnonymousVolumes) {
  RunSpec spec = ReadOnlySpec();
  spec.name_hint = "-v /:/host";
  spec.labels = {{"--mount", "type=bind,source=/,destination=/host"}};
  const RunArgs r = Build(spec, ContainerName(spec.name_hint));
  for (const char* forbidden : {"-v", "--volume", "--privileged", "--volumes-from", "--device"}) {
    EXPECT_FALSE(r.Has(forbidden)) << forbidden;
  }
  for (const std::string& m : r.Values("--mount")) {
    EXPECT_EQ(m.rfind("type=volume,destination=", 0), 0u) << m;
    EXPECT_EQ(m.find("source"), std::string::npos) << m;
    EXPECT_EQ(m.find("bind"), std::string::npos) << m;
  }
  EXPECT_EQ(r.Values("--mount").size(), 1u);  // /etc's; the labels stay labels
}

TEST(BuildRunArgs, InitOnlyWhenAsked) {
  RunSpec spec = SampleSpec();
  EXPECT_FALSE(Build(spec).Has("--init"));
  spec.init = true;
  EXPECT_TRUE(Build(spec).Has("--init"));
}

// ---------------------------------------------------------------------------
// Container names

// [a-zA-Z0-9][a-zA-Z0-9_.-]*, Docker's rule for container names. (No
// std::regex: GCC 12 warns inside it under ASan, and CI builds with -Werror.)
bool IsDockerName(const std::string& s) {
  const auto alnum = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; };
  if (s.empty() || !alnum(s[0])) return false;
  return std::all_of(s.begin(), s.end(),
                     [&](char c) { return alnum(c) || c == '_' || c == '.' || c == '-'; });
}

bool IsLowerHex(const std::string& s, std::size_t length) {
  return s.size() == length && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

TEST(SanitiseName, KeepsWhatDockerAcceptsAndReplacesTheRest) {
  EXPECT_EQ(SanitiseName("jane.doe_2"), "jane.doe_2");
  EXPECT_EQ(SanitiseName("Jane Doe"), "Jane-Doe");
  EXPECT_EQ(SanitiseName("group/alice\\bob"), "group-alice-bob");
  EXPECT_EQ(SanitiseName("a   b"), "a-b");
}

TEST(SanitiseName, UnicodeBytesBecomeOneSeparator) {
  EXPECT_EQ(SanitiseName("Zoë Ångström"), "Zo-ngstr-m");
  EXPECT_EQ(SanitiseName("猫 cat"), "cat");
}

TEST(SanitiseName, StartsAndEndsAlphanumeric) {
  EXPECT_EQ(SanitiseName("-rf /"), "rf");
  EXPECT_EQ(SanitiseName("..hidden.."), "hidden");
  EXPECT_EQ(SanitiseName("_x_"), "x");
}

TEST(SanitiseName, EmptyOrUnusableBecomesJob) {
  EXPECT_EQ(SanitiseName(""), "job");
  EXPECT_EQ(SanitiseName("///"), "job");
  EXPECT_EQ(SanitiseName("🐱🐱"), "job");
}

TEST(SanitiseName, LongNamesAreCapped) {
  const std::string s = SanitiseName(std::string(500, 'a') + " b");
  EXPECT_EQ(s, std::string(40, 'a'));
}

TEST(SanitiseName, ResultIsAlwaysAValidDockerName) {
  const std::string hard[] = {"", " ", "a", "-", "Zoë", "a/../b", "x\ny\tz", "$(rm -rf /)",
                              std::string(1, '\0') + "n", "名前", "a.b-c_d", "--name=evil"};
  for (const std::string& hint : hard) {
    const std::string name = ContainerName(hint);
    EXPECT_TRUE(IsDockerName(name)) << name;
    EXPECT_EQ(name.rfind("ipc-grader-", 0), 0u) << name;
  }
}

TEST(ContainerName, EndsInSixteenRandomHexDigitsThatDiffer) {
  const std::string a = ContainerName("jane");
  const std::string b = ContainerName("jane");
  ASSERT_EQ(a.rfind("ipc-grader-jane-", 0), 0u) << a;
  EXPECT_TRUE(IsLowerHex(a.substr(16), 16)) << a;
  EXPECT_NE(a, b);
}

// ---------------------------------------------------------------------------
// Engine failure messages

ProcessResult CliFailed(std::string stderr_text, int code = 1) {
  ProcessResult r;
  r.spawned = true;
  r.exit_code = code;
  r.stderr_data = std::move(stderr_text);
  return r;
}

TEST(EngineFailureMessage, DaemonNotAnsweringNamesCauseAndFix) {
  const ProcessResult r = CliFailed(
      "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon "
      "running?\n");
  EXPECT_EQ(ClassifyEngineProblem(r), EngineProblem::kNotAnswering);
  const std::string m = EngineFailureMessage("docker", "/usr/bin/docker", r);
  EXPECT_TRUE(Has(m, "no Docker engine answers"));
  EXPECT_TRUE(Has(m, "unix:///var/run/docker.sock"));
  EXPECT_TRUE(Has(m, "Fix: run scripts/setup.sh"));
  EXPECT_TRUE(Has(m, "DOCKER_HOST"));
}

TEST(EngineFailureMessage, PermissionDeniedIsNotConfusedWithADownEngine) {
  const ProcessResult r = CliFailed(
      "permission denied while trying to connect to the Docker daemon socket at "
      "unix:///var/run/docker.sock: Get \"http://%2Fvar%2Frun%2Fdocker.sock/v1.24/version\": dial "
      "unix /var/run/docker.sock: connect: permission denied\n");
  EXPECT_EQ(ClassifyEngineProblem(r), EngineProblem::kPermissionDenied);
  const std::string m = EngineFailureMessage("docker", "/usr/bin/docker", r);
  EXPECT_TRUE(Has(m, "permission denied on the docker engine's socket"));
  EXPECT_TRUE(Has(m, "Fix:"));
  EXPECT_TRUE(Has(m, "docker' group"));
}

TEST(EngineFailureMessage, MissingCliSaysNotInstalled) {
  ProcessResult r;
  r.spawned = false;
  r.spawn_error = "'docker' not found on PATH";
  EXPECT_EQ(ClassifyEngineProblem(r), EngineProblem::kNotInstalled);
  const std::string m = EngineFailureMessage("docker", "", r);
  EXPECT_TRUE(Has(m, "docker CLI is not installed"));
  EXPECT_TRUE(Has(m, "Fix:"));
}

TEST(EngineFailureMessage, HangingCliIsATimeout) {
  ProcessResult r = CliFailed("");
  r.exit_code.reset();
  r.deadline_hit = true;
  EXPECT_EQ(ClassifyEngineProblem(r), EngineProblem::kTimedOut);
  EXPECT_TRUE(Has(EngineFailureMessage("docker", "/usr/bin/docker", r), "did not answer"));
}

TEST(CliErrorText, DropsTheHelpHintAndJoinsLines) {
  const ProcessResult r = CliFailed(
      "docker: Error response from daemon: Minimum memory limit allowed is 6MB.\n"
      "See 'docker run --help'.\n\nRun 'docker run --help' for more information\n",
      125);
  EXPECT_EQ(CliErrorText(r),
            "docker: Error response from daemon: Minimum memory limit allowed is 6MB. See "
            "'docker run --help'.");
}

// ---------------------------------------------------------------------------
// Derived images

TEST(DeriveHash, IsSixteenHexDigitsAndDeterministic) {
  const std::map<std::string, std::string> files = {{"/opt/ipc-grader/probe", "ELF..."}};
  const std::string h = DeriveHash("sha256:aa", files);
  EXPECT_TRUE(IsLowerHex(h, 16)) << h;
  EXPECT_EQ(DeriveHash("sha256:aa", files), h);
}

TEST(DeriveHash, ChangesWithBaseContentAndPath) {
  const std::map<std::string, std::string> files = {{"/opt/p", "abc"}};
  const std::string h = DeriveHash("sha256:aa", files);
  EXPECT_NE(DeriveHash("sha256:ab", files), h);
  EXPECT_NE(DeriveHash("sha256:aa", {{"/opt/p", "abd"}}), h);
  EXPECT_NE(DeriveHash("sha256:aa", {{"/opt/q", "abc"}}), h);
  EXPECT_NE(DeriveHash("sha256:aa", {{"/opt/p", "abc"}, {"/opt/q", ""}}), h);
}

TEST(DeriveHash, FieldBoundariesMatter) {
  EXPECT_NE(DeriveHash("x", {{"/ab", "c"}}), DeriveHash("x", {{"/a", "bc"}}));
}

// Lists a tar stream with GNU tar: "mode path" per entry.
std::vector<std::string> ListTar(const std::string& archive) {
  ProcessOptions o;
  o.argv = {"tar", "-tvf", "-"};
  o.stdin_data = archive;
  const ProcessResult r = RunProcess(o);
  EXPECT_TRUE(r.Succeeded()) << r.Describe() << r.stderr_data;
  std::vector<std::string> out;
  std::istringstream in(r.stdout_data);
  for (std::string line; std::getline(in, line);) {
    std::istringstream fields(line);
    std::string mode, owner, size, date, time, path;
    fields >> mode >> owner >> size >> date >> time >> path;
    out.push_back(mode + " " + path);
  }
  return out;
}

TEST(BuildDeriveTar, AbsolutePathsBecomeRelativeExecutableEntries) {
  const std::string archive =
      BuildDeriveTar({{"/opt/ipc-grader/probe", "#!/bin/sh\n"}, {"/usr/local/bin/ref-cat", "x"}});
  EXPECT_EQ(ListTar(archive), (std::vector<std::string>{"-rwxr-xr-x opt/ipc-grader/probe",
                                                        "-rwxr-xr-x usr/local/bin/ref-cat"}));
}

TEST(BuildDeriveTar, RefusesPathsThatCouldLandElsewhere) {
  for (const char* bad :
       {"relative/probe", "/opt/../etc/passwd", "/opt/./probe", "/opt//probe", "/opt/dir/", "/",
        ""}) {
    EXPECT_THROW(BuildDeriveTar({{bad, "x"}}), Error) << bad;
  }
}

// ---------------------------------------------------------------------------
// The fake other modules' tests use

TEST(FakeContainerRunner, ReplaysQueuedResultsThenTheHandlerAndRecordsSpecs) {
  FakeContainerRunner fake;
  fake.QueueResult(FakeContainerRunner::Exited(3, "hi\n"));
  fake.QueueResult(FakeContainerRunner::TimedOut());
  fake.SetHandler([](const RunSpec& spec) {
    return FakeContainerRunner::Exited(0, spec.stdin_data);  // echo
  });
  ContainerRunner& runner = fake;

  RunSpec spec;
  spec.image = "img";
  spec.name_hint = "first";
  const RunResult first = runner.Run(spec);
  EXPECT_EQ(first.exit_code, 3);
  EXPECT_EQ(first.stdout_data, "hi\n");
  EXPECT_TRUE(runner.Run(spec).timed_out);
  spec.stdin_data = "plan";
  EXPECT_EQ(runner.Run(spec).stdout_data, "plan");

  ASSERT_EQ(fake.RunCount(), 3u);
  EXPECT_EQ(fake.Runs()[0].name_hint, "first");
  EXPECT_EQ(fake.Runs()[2].stdin_data, "plan");
}

TEST(FakeContainerRunner, EngineFailureThrowsFatalAndDerivationIsContentAddressed) {
  FakeContainerRunner fake;
  const std::string a = fake.DeriveImage("base", {{"/opt/p", "1"}});
  EXPECT_EQ(fake.DeriveImage("base", {{"/opt/p", "1"}}), a);
  EXPECT_NE(fake.DeriveImage("base", {{"/opt/p", "2"}}), a);
  EXPECT_EQ(fake.Derivations().size(), 3u);

  fake.FailEngine("no Docker engine answers. Fix: ...");
  EXPECT_THROW(fake.CheckEngine(), Fatal);
  EXPECT_THROW(fake.EnsureImage("x"), Fatal);
}

}  // namespace
}  // namespace ipc::container
