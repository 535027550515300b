// The hostile corpus (fixtures/hostile/, issue 6) graded in ONE `grader
// batch` on a real engine, with the model solution in the same roster: once
// on Docker and once with `--engine podman` (rootful, runc; issue 19), each
// its own ctest test, held to the same expectations. Per case,
// fixtures/hostile/<case>/expected.yaml states what the grader must make of
// it, by check id:
//   status: graded | error      error: text the result's error contains
//   max_score: N                the honest grade: the result never exceeds it
//   time_s: N                   bound on result.timing.total (default: the
//                               rubric's limits.wall_s)
//   checks: {ID: STATUS | {status, message: TEXT, output: [TEXT...], lacks: [TEXT...]}}
// The batch grades the checks of rubrics/hostile-limits.yaml (the course's
// rubric with small limits) that some case names, and no others: a check
// that no case targets would only cost time (every case runs each of them
// to its limits), so max_score is out of those checks' points.
// `output` and `lacks` look at the check's output, student and message
// fields together. Around the batch the test asserts what no single case
// can: the perfect submission still gets full marks, every output file is
// under 1 MB, the token, a host canary file and the rubric's text appear in
// none of them, the grader's peak RSS is bounded, and nothing is left: no
// container the grader owned, no orphan process, no process left in the
// cgroup of a removed container, below a removed container's conmon, or
// outside every container as a container uid or in a container's PID
// namespace (exact, so the suite runs beside the others). HostileLeftovers
// shows on each engine that this last check sees what it looks for.
#include <fcntl.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>

#include "hostile_support.h"
#include "rubric_subset.h"

namespace ipc::e2e {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr std::uintmax_t kMaxOutputFile = 1u << 20;
constexpr long kMaxGraderRssKb = 256 * 1024;
// The path the git-symlink-out case links secret.txt to (one for every
// process: see HostCanary).
constexpr const char* kHostCanaryPath = "/tmp/ipc-hostile-canary-host";
// In rubrics/hostile-limits.yaml, and written into the rubric the batch
// grades with; the snoop case looks for it.
constexpr const char* kRubricCanary = "5f0c2b7e-hostile-rubric-must-stay-on-the-host";

struct ExpectedCheck {
  std::string status;
  std::string message;
  std::vector<std::string> output, lacks;
};
struct Expected {
  std::string status;
  std::string error;
  double max_score = 0;
  std::optional<double> time_s;
  std::map<std::string, ExpectedCheck> checks;
};

std::vector<std::string> Strings(const YAML::Node& n) {
  std::vector<std::string> v;
  if (n && n.IsSequence()) {
    for (const auto& x : n) v.push_back(x.as<std::string>());
  } else if (n) {
    v.push_back(n.as<std::string>());
  }
  return v;
}

Expected LoadExpected(const fs::path& file) {
  const YAML::Node root = YAML::LoadFile(file.string());
  Expected e;
  e.status = root["status"].as<std::string>();
  e.error = root["error"].as<std::string>("");
  e.max_score = root["max_score"].as<double>();
  if (root["time_s"]) e.time_s = root["time_s"].as<double>();
  for (const auto& kv : root["checks"]) {
    ExpectedCheck c;
    if (kv.second.IsScalar()) {
      c.status = kv.second.as<std::string>();
    } else {
      c.status = kv.second["status"].as<std::string>();
      c.message = kv.second["message"].as<std::string>("");
      c.output = Strings(kv.second["output"]);
      c.lacks = Strings(kv.second["lacks"]);
    }
    e.checks[kv.first.as<std::string>()] = c;
  }
  return e;
}

// Everything wrong with one case's result, as lines.
std::vector<std::string> Compare(const std::string& name, const Expected& want,
                                 double default_time_s, const json& r) {
  std::vector<std::string> bad;
  auto add = [&](const std::string& what) { bad.push_back(name + ": " + what); };
  const std::string status = r.value("status", "");
  if (status != want.status) {
    add("status " + status + ", expected " + want.status + " (error: " + r.value("error", "") +
        ")");
  }
  if (!want.error.empty() && r.value("error", "").find(want.error) == std::string::npos) {
    add("error '" + r.value("error", "") + "' lacks '" + want.error + "'");
  }
  const double score = r.value("score", 0.0);
  if (score > want.max_score + 0.01) {
    add("score " + std::to_string(score) + " is better than the honest " +
        std::to_string(want.max_score));
  }
  const double total = r.contains("timing") ? r["timing"].value("total", 0.0) : 0.0;
  const double bound = want.time_s.value_or(default_time_s);
  if (total > bound) add("took " + std::to_string(total) + " s, bound " + std::to_string(bound));
  std::map<std::string, json> by_id;
  for (const auto& c : r.value("checks", json::array())) by_id[c.value("id", "")] = c;
  for (const auto& [id, wc] : want.checks) {
    if (!by_id.count(id)) {
      add("no check '" + id + "' in result.json");
      continue;
    }
    const json& c = by_id[id];
    const std::string msg = c.value("message", "");
    if (c.value("status", "") != wc.status) {
      add(id + ": " + c.value("status", "") + ", expected " + wc.status + " (" +
          msg.substr(0, 300) + ")");
    }
    if (!wc.message.empty() && msg.find(wc.message) == std::string::npos) {
      add(id + ": message lacks '" + wc.message + "': " + msg.substr(0, 300));
    }
    const std::string seen = c.value("output", "") + "\n" + c.value("student", "") + "\n" + msg;
    for (const auto& s : wc.output) {
      if (seen.find(s) == std::string::npos) add(id + ": output lacks '" + s + "'");
    }
    for (const auto& s : wc.lacks) {
      if (seen.find(s) != std::string::npos) add(id + ": output holds '" + s + "'");
    }
  }
  return bad;
}

// The host canary file is one path for every process (the git-symlink-out
// case links to it), and the Docker and podman runs of this suite run side
// by side: each adds its own line and takes only that line away again,
// under flock, and the last one removes the file. Whoever followed the link
// would read every line there at the time, so each run looks for its own.
class HostCanary {
 public:
  explicit HostCanary(std::string line) : line_(std::move(line) + "\n") { Edit(true); }
  ~HostCanary() { Edit(false); }
  HostCanary(const HostCanary&) = delete;
  HostCanary& operator=(const HostCanary&) = delete;

 private:
  void Edit(bool add) {
    for (;;) {
      const int fd = ::open(kHostCanaryPath, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
      if (fd < 0) {
        ADD_FAILURE() << "cannot open " << kHostCanaryPath << ": " << std::strerror(errno);
        return;
      }
      ::flock(fd, LOCK_EX);
      // The other run may have removed the file between our open and our
      // lock: then lock the one that is there now.
      struct stat held {};
      struct stat named {};
      if (::fstat(fd, &held) != 0 || ::stat(kHostCanaryPath, &named) != 0 ||
          held.st_ino != named.st_ino || held.st_dev != named.st_dev) {
        ::close(fd);
        continue;
      }
      std::string text = SlurpFile(kHostCanaryPath);
      if (add) {
        text += line_;
      } else if (const auto at = text.find(line_); at != std::string::npos) {
        text.erase(at, line_.size());
      }
      if (text.empty()) {
        ::unlink(kHostCanaryPath);
      } else if (::ftruncate(fd, 0) != 0 ||
                 ::pwrite(fd, text.data(), text.size(), 0) != static_cast<ssize_t>(text.size())) {
        ADD_FAILURE() << "cannot write " << kHostCanaryPath << ": " << std::strerror(errno);
      }
      ::close(fd);  // and with it the lock
      return;
    }
  }
  const std::string line_;
};

// The engine a test grades with: docker, or podman (with the grading image
// copied from Docker's store). Skips (fails on CI) when it is missing.
#define IPC_REQUIRE_ENGINE_PARAM(engine)                                                        \
  do {                                                                                          \
    IPC_REQUIRE_ENGINE(); /* Docker holds the image, for podman too */                          \
    if ((engine) == "podman") {                                                                 \
      if (Sh("podman --runtime runc info >/dev/null") != 0) {                                   \
        if (OnCi()) FAIL() << "podman does not answer (scripts/setup.sh installs it), CI=true"; \
        GTEST_SKIP() << "podman does not answer (apt-get install podman)";                      \
      }                                                                                         \
      ASSERT_EQ(EnsurePodmanImage(), "");                                                       \
    }                                                                                           \
  } while (0)

std::string EngineName(const ::testing::TestParamInfo<std::string>& info) { return info.param; }

class HostileCorpus : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    IPC_REQUIRE_ENGINE_PARAM(GetParam());
    dir_ = fs::temp_directory_path() /
           ("ipc-hostile-e2e-" + GetParam() + "-" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    // The cases, and the checks they name.
    std::vector<std::string> named;
    for (const auto& e : fs::directory_iterator(SourceDir() + "/fixtures/hostile")) {
      if (!fs::exists(e.path() / "expected.yaml")) continue;
      const Expected want = LoadExpected(e.path() / "expected.yaml");
      for (const auto& [id, check] : want.checks) {
        if (std::find(named.begin(), named.end(), id) == named.end()) named.push_back(id);
      }
      cases_[e.path().filename().string()] = want;
    }
    // The rubric with those checks only, under its own name (the snoop case
    // looks for it by name and for its canary by content).
    const std::string source = SourceDir() + "/rubrics/hostile-limits.yaml";
    ASSERT_NE(SlurpFile(source).find(kRubricCanary), std::string::npos)
        << source << " lacks its canary " << kRubricCanary;
    fs::create_directories(dir_ / "rubric");
    rubric_ = (dir_ / "rubric" / "hostile-limits.yaml").string();
    const auto missing = WriteRubricSubset(source, named, rubric_);
    ASSERT_TRUE(missing.empty()) << "fixtures/hostile names check '" << missing.front()
                                 << "', which " << source << " lacks";
    std::ofstream(rubric_, std::ios::app) << "# rubric-canary: " << kRubricCanary << "\n";
    wall_s_ = YAML::LoadFile(source)["limits"]["wall_s"].as<double>();

    host_canary_ = RandomToken("host-canary-");
    canary_file_.emplace(host_canary_);
    std::string log;
    ASSERT_EQ(Sh(SourceDir() + "/fixtures/make-hostile.sh " + (dir_ / "corpus").string(), &log), 0)
        << log;
    ASSERT_EQ(
        Sh(SourceDir() + "/fixtures/make-class.sh " + (dir_ / "class").string() + " perfect", &log),
        0)
        << log;
    std::string roster = SlurpFile(dir_ / "corpus" / "roster.csv");
    const std::string perfect = SlurpFile(dir_ / "class" / "roster.csv");
    roster += perfect.substr(perfect.find('\n') + 1);
    std::ofstream(dir_ / "roster.csv") << roster;
  }
  void TearDown() override {
    canary_file_.reset();
    if (!dir_.empty()) fs::remove_all(dir_);
  }

  fs::path dir_;
  std::string host_canary_;
  std::optional<HostCanary> canary_file_;
  std::map<std::string, Expected> cases_;  // by case name
  std::string rubric_;                     // the checks the cases name
  double wall_s_ = 0;                      // the rubric's limits.wall_s
};

TEST_P(HostileCorpus, OneBatchContainsEveryCaseAndLeavesNothingBehind) {
  const std::string engine = GetParam();
  const std::string token = RandomToken("tok-canary-");
  const std::string containers_before = JobContainers(engine);
  BecomeSubreaper();

  const fs::path out = dir_ / "out";
  const GraderRun run = RunGrader({BinDir() + "/grader", "batch", "--engine", engine, "--roster",
                                   (dir_ / "roster.csv").string(), "--rubric", rubric_, "--out",
                                   out.string(), "--cache", (dir_ / "cache").string(), "-j", "2"},
                                  {{"IPC_GRADER_TOKEN", token}}, (dir_ / "grader.log").string());
  // 1: some students are errors (the git caps), which is the batch's 1.
  EXPECT_EQ(run.status, 1) << run.log;
  std::printf("[ hostile  ] %s: %zu cases + perfect in %.1f s, grader peak RSS %ld MB\n",
              engine.c_str(), cases_.size(), run.wall_s, run.max_rss_kb / 1024);

  // Per case.
  std::vector<std::string> bad;
  std::vector<std::pair<double, std::string>> times;  // where the batch's time goes
  for (const auto& [name, want] : cases_) {
    const fs::path result = out / name / "result.json";
    if (!fs::exists(result)) {
      bad.push_back(name + ": no result.json");
      continue;
    }
    const json r = json::parse(SlurpFile(result));
    times.emplace_back(r.value("timing", json::object()).value("total", 0.0), name);
    const auto more = Compare(name, want, wall_s_, r);
    bad.insert(bad.end(), more.begin(), more.end());
    // Graded by this engine for real, not by one the grader fell back to.
    const std::string graded_by = r.value("provenance", json::object()).value("engine", "");
    if (r.value("status", "") == "graded" && graded_by != engine) {
      bad.push_back(name + ": graded by engine '" + graded_by + "'");
    }
  }
  std::sort(times.rbegin(), times.rend());
  std::string slowest;
  for (const auto& [seconds, name] : times) {
    slowest += " " + name + " " + std::to_string(std::lround(seconds));
  }
  std::printf("[ hostile  ] %s: seconds per case:%s\n", engine.c_str(), slowest.c_str());
  EXPECT_GE(cases_.size(), 20u);
  std::string report;
  for (const auto& b : bad) report += "  " + b + "\n";
  EXPECT_TRUE(bad.empty()) << bad.size() << " mismatch(es) on " << engine << ":\n"
                           << report << "grader log:\n"
                           << run.log;

  // The rest of the batch is unaffected.
  const json perfect = json::parse(SlurpFile(out / "perfect" / "result.json"));
  EXPECT_EQ(perfect.value("status", ""), "graded");
  EXPECT_EQ(perfect.value("provenance", json::object()).value("engine", ""), engine);
  EXPECT_GT(perfect.value("max_score", 0.0), 0);
  EXPECT_DOUBLE_EQ(perfect.value("score", 0.0), perfect.value("max_score", -1.0));
  // A case's bound above the most a submission can get here is stale.
  for (const auto& [name, want] : cases_) {
    EXPECT_LE(want.max_score, perfect.value("max_score", 0.0) + 0.01)
        << name << ": max_score " << want.max_score << " is more than the "
        << perfect.value("max_score", 0.0) << " points of the checks the corpus names";
  }

  // Small outputs; no secret in any of them, nor in the grader's log.
  const auto leaks = BadOutputs(out, kMaxOutputFile, {token, host_canary_, kRubricCanary});
  for (const auto& l : leaks) ADD_FAILURE() << l;
  EXPECT_EQ(run.log.find(token), std::string::npos);
  EXPECT_EQ(run.log.find(host_canary_), std::string::npos);
  EXPECT_LT(run.max_rss_kb, kMaxGraderRssKb) << "grader peak RSS in KB";

  // Nothing left behind.
  EXPECT_EQ(ContainersOwnedBy(run.pid, engine), "") << "containers of this batch survive it";
  EXPECT_EQ(JobContainers(engine), containers_before);
  for (const auto& p : OrphansLeft()) ADD_FAILURE() << "the grader left a process behind: " << p;
  // No process of any case lives on: none in the cgroup of a removed
  // container or below its conmon, none as a container uid or in a
  // container's PID namespace outside every container.
  for (const auto& p : ProcessesContainersLeft()) ADD_FAILURE() << "left on the host: " << p;
}

INSTANTIATE_TEST_SUITE_P(Engine, HostileCorpus, ::testing::Values("docker", "podman"), EngineName);

// The leftover check above, shown to see on this engine what it looks for,
// so that it cannot pass for want of looking: a container started here
// whose processes the check must not report while it exists, must report
// once it is treated as removed (podman: its conmon too) and once its init
// has left the container's cgroups (moved to the root cgroups from the host,
// as an escape would), and, after `rm -f`, must not find again: the escaped
// init died with its PID namespace.
class HostileLeftovers : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    IPC_REQUIRE_ENGINE_PARAM(GetParam());
    cli_ = EngineCommand(GetParam());
    name_ = "ipc-e2e-leftovers-" + GetParam() + "-" + std::to_string(getpid());
  }
  void TearDown() override {
    if (!name_.empty()) Sh(ForceRemoveCommand(GetParam()) + " " + name_ + " >/dev/null");
    // The escaped init, should it outlive its container: ours to end.
    if (!escaped_.empty() && fs::exists("/proc/" + escaped_)) {
      ::kill(std::stoi(escaped_), SIGKILL);
    }
  }

  // `what` of the container, by `inspect -f`.
  std::string Inspect(const std::string& what) {
    std::string out;
    Sh(cli_ + " inspect -f '" + what + "' " + name_, &out);
    while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
    return out;
  }

  std::string cli_, name_, escaped_;
};

// The lines of ProcessesContainersLeft about process `pid`.
std::vector<std::string> LinesAbout(const std::vector<std::string>& left, const std::string& pid) {
  std::vector<std::string> about;
  for (const auto& l : left) {
    if (l.rfind(pid + " (", 0) == 0) about.push_back(l);
  }
  return about;
}

// Writes `pid` into the root cgroup of every cgroup hierarchy mounted here
// (v1 and v2); "" or what failed.
std::string MoveToRootCgroups(const std::string& pid) {
  std::ifstream mounts("/proc/self/mountinfo");
  std::string line, failed;
  int moved = 0;
  while (std::getline(mounts, line)) {
    // "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [TAGS...] - FSTYPE SOURCE SUPER"
    std::istringstream f(line);
    std::string id, parent, dev, root, mountpoint, word;
    f >> id >> parent >> dev >> root >> mountpoint;
    while (f >> word && word != "-") {
    }
    std::string fstype;
    f >> fstype;
    if (fstype != "cgroup" && fstype != "cgroup2") continue;
    std::ofstream procs(mountpoint + "/cgroup.procs");
    procs << pid << std::flush;
    if (procs) {
      ++moved;
    } else {
      failed += " " + mountpoint;
    }
  }
  if (!failed.empty()) return "cannot move " + pid + " into the root cgroup of" + failed;
  return moved > 0 ? "" : "no cgroup file system is mounted";
}

TEST_P(HostileLeftovers, TheCheckSeesAGoneOrEscapedContainersProcessesAndNoLiveOnes) {
  const std::string engine = GetParam();
  std::string out;
  std::string limits;
  if (engine == "podman") {
    // As the grader does (EngineCli::RunOptions): podman asks for more
    // than this host's hard limits unless told.
    struct rlimit lim {};
    rlim_t nproc = ::getrlimit(RLIMIT_NPROC, &lim) == 0 ? lim.rlim_max : 32768;
    nproc = std::min<rlim_t>(
        nproc, static_cast<rlim_t>(std::stoul(SlurpFile("/proc/sys/kernel/pid_max"))));
    limits = " --ulimit nofile=1024:1024 --ulimit nproc=" + std::to_string(nproc) + ":" +
             std::to_string(nproc);
  }
  ASSERT_EQ(Sh(cli_ + " run -d --pull never --name " + name_ + " --network none" + limits + " " +
                   TestImage() + " sh -c 'setsid sleep 600 & exec sleep 601'",
               &out),
            0)
      << out;
  const std::string id = Inspect("{{.Id}}");
  const std::string init = Inspect("{{.State.Pid}}");
  ASSERT_EQ(id.size(), 64u) << id;
  ASSERT_TRUE(!init.empty() && init != "0" && fs::exists("/proc/" + init)) << init;
  ASSERT_EQ(ContainerOfProcess(init), id) << "the engine's cgroup path is not recognised:\n"
                                          << SlurpFile("/proc/" + init + "/cgroup");

  // While it exists, nothing of it counts.
  EXPECT_EQ(LinesAbout(ProcessesContainersLeft(), init), std::vector<std::string>{});

  // Treated as removed: its init is reported, and under podman its conmon.
  const auto forgotten = ProcessesContainersLeft({id});
  const auto about_init = LinesAbout(forgotten, init);
  ASSERT_EQ(about_init.size(), 1u) << ::testing::PrintToString(forgotten);
  EXPECT_NE(about_init[0].find("in the cgroup of removed container " + id.substr(0, 12)),
            std::string::npos)
      << about_init[0];
  if (engine == "podman") {
    const std::string conmon = Inspect("{{.State.ConmonPid}}");
    const auto about_conmon = LinesAbout(forgotten, conmon);
    ASSERT_EQ(about_conmon.size(), 1u)
        << "conmon " << conmon << ": " << ::testing::PrintToString(forgotten);
    EXPECT_NE(about_conmon[0].find("the conmon of removed container " + id.substr(0, 12)),
              std::string::npos)
        << about_conmon[0];
  }

  // Escaped: out of every cgroup of the container, though it still exists.
  ASSERT_EQ(MoveToRootCgroups(init), "");
  escaped_ = init;
  ASSERT_EQ(ContainerOfProcess(init), "") << SlurpFile("/proc/" + init + "/cgroup");
  const auto about_escaped = LinesAbout(ProcessesContainersLeft(), init);
  ASSERT_EQ(about_escaped.size(), 1u);
  EXPECT_NE(about_escaped[0].find("outside every container"), std::string::npos)
      << about_escaped[0];

  // Removed: the escaped init died with its container's PID namespace.
  ASSERT_EQ(Sh(ForceRemoveCommand(engine) + " " + name_, &out), 0) << out;
  EXPECT_TRUE(AwaitExit(init, std::chrono::steady_clock::now() + kEngineHelperGrace))
      << "the escaped init " << init << " outlives its container";
  EXPECT_EQ(LinesAbout(ProcessesContainersLeft(), init), std::vector<std::string>{});
}

INSTANTIATE_TEST_SUITE_P(Engine, HostileLeftovers, ::testing::Values("docker", "podman"),
                         EngineName);

// A listener killed by the container's memory limit is worded "killed by the
// kernel: out of memory" when the probe could pin the kill on its step
// (ProcessResult::oom_killed, probe/oom_ledger.h; tested in
// probe_oom_e2e_test and checks_classify_test). The memory-hog fixture's
// expected message stays "killed": it may also end by its time limit under
// load, or beside another step, where the kill cannot be pinned.

}  // namespace
}  // namespace ipc::e2e
