// The hostile corpus (fixtures/hostile/, issue 6) graded in ONE `grader
// batch` on the real engine, with the model solution in the same roster.
// Per case, fixtures/hostile/<case>/expected.yaml states what the grader
// must make of it, by check id:
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
// cgroup of a removed container nor running as a container uid outside one
// (exact, so the suite runs beside the others).
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
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
// The path the git-symlink-out case links secret.txt to.
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
    add("status " + status + ", expected " + want.status + " (error: " + r.value("error", "") + ")");
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
      add(id + ": " + c.value("status", "") + ", expected " + wc.status + " (" + msg.substr(0, 300) + ")");
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

class HostileCorpus : public ::testing::Test {
 protected:
  void SetUp() override {
    IPC_REQUIRE_ENGINE();
    dir_ = fs::temp_directory_path() / ("ipc-hostile-e2e-" + std::to_string(getpid()));
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
    std::ofstream(kHostCanaryPath) << host_canary_ << "\n";
    std::string log;
    ASSERT_EQ(Sh(SourceDir() + "/fixtures/make-hostile.sh " + (dir_ / "corpus").string(), &log), 0)
        << log;
    ASSERT_EQ(Sh(SourceDir() + "/fixtures/make-class.sh " + (dir_ / "class").string() + " perfect",
                 &log),
              0)
        << log;
    std::string roster = SlurpFile(dir_ / "corpus" / "roster.csv");
    const std::string perfect = SlurpFile(dir_ / "class" / "roster.csv");
    roster += perfect.substr(perfect.find('\n') + 1);
    std::ofstream(dir_ / "roster.csv") << roster;
  }
  void TearDown() override {
    fs::remove(kHostCanaryPath);
    if (!dir_.empty()) fs::remove_all(dir_);
  }

  fs::path dir_;
  std::string host_canary_;
  std::map<std::string, Expected> cases_;  // by case name
  std::string rubric_;                     // the checks the cases name
  double wall_s_ = 0;                      // the rubric's limits.wall_s
};

TEST_F(HostileCorpus, OneBatchContainsEveryCaseAndLeavesNothingBehind) {
  const std::string token = RandomToken("tok-canary-");
  const std::string containers_before = GraderContainers();
  BecomeSubreaper();

  const fs::path out = dir_ / "out";
  const GraderRun run = RunGrader(
      {BinDir() + "/grader", "batch", "--roster", (dir_ / "roster.csv").string(), "--rubric",
       rubric_, "--out", out.string(), "--cache", (dir_ / "cache").string(), "-j", "2"},
      {{"IPC_GRADER_TOKEN", token}}, (dir_ / "grader.log").string());
  // 1: some students are errors (the git caps), which is the batch's 1.
  EXPECT_EQ(run.status, 1) << run.log;
  std::printf("[ hostile  ] %zu cases + perfect in %.1f s, grader peak RSS %ld MB\n",
              cases_.size(), run.wall_s, run.max_rss_kb / 1024);

  // Per case.
  std::vector<std::string> bad;
  for (const auto& [name, want] : cases_) {
    const fs::path result = out / name / "result.json";
    if (!fs::exists(result)) {
      bad.push_back(name + ": no result.json");
      continue;
    }
    const auto more = Compare(name, want, wall_s_, json::parse(SlurpFile(result)));
    bad.insert(bad.end(), more.begin(), more.end());
  }
  EXPECT_GE(cases_.size(), 20u);
  std::string report;
  for (const auto& b : bad) report += "  " + b + "\n";
  EXPECT_TRUE(bad.empty()) << bad.size() << " mismatch(es):\n" << report << "grader log:\n" << run.log;

  // The rest of the batch is unaffected.
  const json perfect = json::parse(SlurpFile(out / "perfect" / "result.json"));
  EXPECT_EQ(perfect.value("status", ""), "graded");
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
  EXPECT_EQ(ContainersOwnedBy(run.pid), "") << "containers of this batch survive it";
  EXPECT_EQ(GraderContainers(), containers_before);
  EXPECT_EQ(OrphansLeft(), 0) << "the grader left a process behind";
  // No process of any case lives on: none in the cgroup of a removed
  // container, none as a container uid outside every container.
  for (const auto& p : ProcessesContainersLeft()) ADD_FAILURE() << "left on the host: " << p;
}

// A listener killed by the container's memory limit is worded "killed by the
// kernel: out of memory" when the probe could pin the kill on its step
// (ProcessResult::oom_killed, probe/oom_ledger.h; tested in
// probe_oom_e2e_test and checks_classify_test). The memory-hog fixture's
// expected message stays "killed": it may also end by its time limit under
// load, or beside another step, where the kill cannot be pinned.

}  // namespace
}  // namespace ipc::e2e
