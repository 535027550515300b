// The Slurm example of docs/BATCH.md on a real Slurm cluster: munged,
// slurmctld and slurmd from Debian, started by this test on loopback with
// their own key, ports, spool and state under a temporary folder, and
// stopped after it (also on failure). The committed scripts in
// docs/examples/slurm/ are what is submitted, so the example is what is
// proven:
//  1. submit.sh: a job array of N = 3 shards and the merge job after it
//     (afterok); the merged gradebook equals a single `grader batch` of the
//     same class: grades.csv byte for byte, every result.json but for
//     timing and provenance. The shards observe for real (a fresh cache);
//     the single batch then reuses their observations through the shared
//     cache, which is what makes raw transcripts (pids, times) comparable.
//  2. One array task cancelled (scancel JOB_K) while it is held mid-fetch
//     by the git server, its merge stuck on DependencyNeverSatisfied;
//     `submit.sh CONF K` reruns it, replaces the stuck merge, and the
//     gradebook is the same again.
//  3. One student is served over HTTP behind a token: the token reaches
//     the tasks from a file only (TOKEN_FILE), and appears in no job log,
//     no result, and nothing Slurm stored (job scripts, environments).
// Needs slurmctld, slurmd, slurm-client and munge (scripts/packages.txt)
// and runs as root (slurmd starts jobs as their user); CI runs as root.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "e2e/e2e_support.h"
#include "e2e/git_server.h"
#include "e2e/rubric_subset.h"

extern char** environ;

namespace ipc::e2e {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr int kShards = 3;
// Enough for a class of five on a loaded 2-core machine; a wait that
// reaches it is a failure with the cluster's state and logs.
constexpr std::chrono::seconds kJobDeadline{240};

// A one-node Slurm cluster of our own. SLURM_CONF (set in this process,
// inherited by every command the test runs) points the client commands at
// it, never at a cluster the machine may belong to.
class SlurmCluster {
 public:
  // "" when installed, else what is missing and its Debian package.
  static std::string Missing() {
    for (const auto& [prog, pkg] :
         std::vector<std::pair<std::string, std::string>>{{"/usr/sbin/munged", "munge"},
                                                          {"/usr/sbin/slurmctld", "slurmctld"},
                                                          {"/usr/sbin/slurmd", "slurmd"},
                                                          {"/usr/bin/sbatch", "slurm-client"}}) {
      if (::access(prog.c_str(), X_OK) != 0) return prog + " (apt-get install " + pkg + ")";
    }
    return "";
  }

  explicit SlurmCluster(fs::path dir) : dir_(std::move(dir)) {}
  ~SlurmCluster() { Stop(); }

  bool Start(std::string* why) {
    for (const char* d : {"munge", "state", "spool", "log"}) fs::create_directories(dir_ / d);
    // munged insists that only its owner can write the folders on the way
    // to its key and socket; others need x to reach the socket.
    fs::permissions(dir_ / "munge",
                    fs::perms::owner_all | fs::perms::group_exec | fs::perms::others_exec);
    const fs::path key = dir_ / "munge" / "munge.key";
    if (Sh("head -c 1024 /dev/urandom >" + key.string() + " && chmod 400 " + key.string()) != 0) {
      *why = "cannot write the munge key";
      return false;
    }
    const std::string sock = (dir_ / "munge" / "socket").string();
    munged_ =
        Spawn({"/usr/sbin/munged", "--foreground", "--force", "--socket=" + sock,
               "--key-file=" + key.string(), "--log-file=" + (dir_ / "log/munged.log").string(),
               "--pid-file=" + (dir_ / "munge/munged.pid").string(),
               "--seed-file=" + (dir_ / "munge/munged.seed").string()},
              dir_ / "log/munged.out");
    if (!WaitFor(
            [&] {
              return Sh("(munge --socket=" + sock + " -n | unmunge --socket=" + sock +
                        ") >/dev/null") == 0;
            },
            std::chrono::seconds(20))) {
      *why = "munged did not answer within 20 s:\n" + Logs();
      return false;
    }
    WriteConfig(sock);
    ::setenv("SLURM_CONF", conf().c_str(), 1);
    slurmctld_ = Spawn({"/usr/sbin/slurmctld", "-D", "-i", "-f", conf().string()},
                       dir_ / "log/slurmctld.out");
    slurmd_ = Spawn({"/usr/sbin/slurmd", "-D", "-N", "localhost", "-f", conf().string()},
                    dir_ / "log/slurmd.out");
    // Ready when the node has registered and takes jobs.
    if (!WaitFor(
            [] {
              std::string state;
              return Sh("sinfo --noheader --nodes=localhost --format=%T", &state) == 0 &&
                     state.rfind("idle", 0) == 0;
            },
            std::chrono::seconds(30))) {
      std::string info;
      Sh("sinfo; scontrol show node localhost", &info);
      *why = "the node did not become idle within 30 s:\n" + info + Logs();
      return false;
    }
    return true;
  }

  // Every job cancelled and ended, then the daemons, each with its whole
  // process group.
  void Stop() {
    if (slurmctld_ > 0 && slurmd_ > 0) {
      Sh("squeue --noheader --format=%i | xargs -r scancel");
      WaitFor(
          [] {
            std::string out;
            return Sh("squeue --noheader --format=%i", &out) == 0 && out.empty();
          },
          std::chrono::seconds(30));
    }
    for (pid_t* pid : {&slurmd_, &slurmctld_, &munged_}) Kill(pid);
  }

  fs::path conf() const { return dir_ / "slurm.conf"; }
  const fs::path& dir() const { return dir_; }

  std::string Logs() const {
    std::string text;
    for (const char* name :
         {"munged.out", "slurmctld.log", "slurmd.log", "slurmctld.out", "slurmd.out"}) {
      if (fs::exists(dir_ / "log" / name)) {
        std::string log = ReadAll(dir_ / "log" / name);
        if (log.size() > 4000) log = "..." + log.substr(log.size() - 4000);
        text += "--- " + std::string(name) + "\n" + log;
      }
    }
    return text;
  }

  // The states of a job's tasks (one for a plain job), sorted, from
  // `scontrol show job`: PENDING, RUNNING, COMPLETED, CANCELLED, ...
  static std::vector<std::string> States(const std::string& job, std::string* reason = nullptr) {
    std::string out;
    Sh("scontrol show job " + job, &out);
    std::vector<std::string> states;
    static const std::regex kState(R"(JobState=(\S+) Reason=(\S+))");
    for (auto it = std::sregex_iterator(out.begin(), out.end(), kState);
         it != std::sregex_iterator(); ++it) {
      states.push_back((*it)[1]);
      if (reason != nullptr) *reason = (*it)[2];
    }
    std::sort(states.begin(), states.end());
    return states;
  }

  static bool Ended(const std::vector<std::string>& states) {
    static const std::set<std::string> kEnded = {"COMPLETED", "FAILED",    "CANCELLED",
                                                 "TIMEOUT",   "NODE_FAIL", "OUT_OF_MEMORY",
                                                 "PREEMPTED", "BOOT_FAIL", "DEADLINE"};
    if (states.empty()) return false;
    for (const auto& s : states) {
      if (!kEnded.count(s)) return false;
    }
    return true;
  }

  template <typename Pred>
  static bool WaitFor(Pred done, std::chrono::seconds limit) {
    const auto deadline = Clock::now() + limit;
    while (!done()) {
      if (Clock::now() >= deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    return true;
  }

 private:
  void WriteConfig(const std::string& munge_socket) const {
    const std::string d = dir_.string();
    // Keys checked against slurm.conf(5) of Slurm 22.05 (Debian 12).
    WriteAll(conf(),
             "ClusterName=ipcgradertest\n"
             "SlurmctldHost=localhost(127.0.0.1)\n"
             "SlurmctldPort=" +
                 std::to_string(FreePort()) +
                 "\n"
                 "SlurmdPort=" +
                 std::to_string(FreePort()) +
                 "\n"
                 "AuthType=auth/munge\n"
                 "CredType=cred/munge\n"
                 "AuthInfo=socket=" +
                 munge_socket +
                 "\n"
                 "SlurmUser=root\n"
                 "SlurmdUser=root\n"
                 "StateSaveLocation=" +
                 d +
                 "/state\n"
                 "SlurmdSpoolDir=" +
                 d +
                 "/spool\n"
                 "SlurmctldPidFile=" +
                 d +
                 "/slurmctld.pid\n"
                 "SlurmdPidFile=" +
                 d +
                 "/slurmd.pid\n"
                 "SlurmctldLogFile=" +
                 d +
                 "/log/slurmctld.log\n"
                 "SlurmdLogFile=" +
                 d +
                 "/log/slurmd.log\n"
                 "PlugStackConfig=" +
                 d +
                 "/plugstack.conf\n"
                 "MailProg=/bin/true\n"
                 // No cgroups: the processes of a job are found by parentage.
                 "ProctrackType=proctrack/linuxproc\n"
                 "TaskPlugin=task/none\n"
                 "JobAcctGatherType=jobacct_gather/none\n"
                 "AccountingStorageType=accounting_storage/none\n"
                 "JobCompType=jobcomp/none\n"
                 "MpiDefault=none\n"
                 "SelectType=select/cons_tres\n"
                 "SelectTypeParameters=CR_CPU\n"
                 "ReturnToService=2\n"
                 // Finished jobs stay visible to `scontrol show job` (and their
                 // stored scripts to the token check) for the whole test.
                 "MinJobAge=3600\n"
                 // A task cancelled while its grader waits on a stalled fetch
                 // (which SIGTERM does not cut short) is SIGKILLed after this.
                 "KillWait=2\n"
                 "NodeName=localhost NodeAddr=127.0.0.1 CPUs=2 State=UNKNOWN\n"
                 "PartitionName=grading Nodes=localhost Default=YES MaxTime=INFINITE State=UP\n");
    WriteAll(dir_ / "plugstack.conf", "");
  }

  // In its own process group, output to `log`.
  static pid_t Spawn(const std::vector<std::string>& argv_s, const fs::path& log) {
    std::vector<char*> argv;
    for (const auto& a : argv_s) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    const std::string log_s = log.string();
    const pid_t pid = ::fork();
    if (pid == 0) {
      ::setpgid(0, 0);
      const int null_fd = ::open("/dev/null", O_RDONLY);
      const int log_fd = ::open(log_s.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      if (null_fd < 0 || log_fd < 0) ::_exit(126);
      ::dup2(null_fd, 0);
      ::dup2(log_fd, 1);
      ::dup2(log_fd, 2);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    if (pid > 0) ::setpgid(pid, pid);
    return pid;
  }

  // SIGTERM to the group, SIGKILL if it has not ended within 10 s.
  static void Kill(pid_t* pid) {
    if (*pid <= 0) return;
    ::kill(-*pid, SIGTERM);
    int st = 0;
    const auto deadline = Clock::now() + std::chrono::seconds(10);
    while (::waitpid(*pid, &st, WNOHANG) == 0) {
      if (Clock::now() >= deadline) {
        ::kill(-*pid, SIGKILL);
        ::waitpid(*pid, &st, 0);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ::kill(-*pid, SIGKILL);  // anything of the group still there
    *pid = -1;
  }

  fs::path dir_;
  pid_t munged_ = -1, slurmctld_ = -1, slurmd_ = -1;
};

// What may differ between the same observations scored twice.
json Comparable(json r) {
  r.erase("timing");
  r.erase("provenance");
  return r;
}

class SlurmE2e : public ::testing::Test {
 protected:
  void SetUp() override {
    IPC_REQUIRE_ENGINE();
    for (const std::string& missing :
         {SlurmCluster::Missing(), GitServer::Missing(GitServer::Kind::kHttp)}) {
      if (missing.empty()) continue;
      if (OnCi()) FAIL() << "missing " << missing << ", and CI=true";
      GTEST_SKIP() << "missing " << missing;
    }
    if (::geteuid() != 0) {
      if (OnCi()) FAIL() << "the Slurm test runs slurmd, which must be root; CI=true";
      GTEST_SKIP() << "the Slurm test runs slurmd, which must be root";
    }
    dir_ = fs::temp_directory_path() / ("ipc-slurm-e2e-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "repos");

    // A small class that passes and fails: four fixtures from file://, and
    // `over-http`, the honest fixture served over HTTP behind a token.
    // Shards (FNV-1a of the name, N = 3): 1 cat-no-strip over-http,
    // 2 no-usr1 build-broken, 3 perfect.
    std::string log;
    ASSERT_EQ(Sh(SourceDir() + "/fixtures/make-class.sh " + Path("class") +
                     " perfect no-usr1 cat-no-strip build-broken honest",
                 &log),
              0)
        << log;
    ASSERT_EQ(
        Sh("git clone -q --bare " + Path("class/honest") + " " + Path("repos/over-http.git"), &log),
        0)
        << log;
    std::string why;
    server_ = GitServer::Start(GitServer::Kind::kHttp, dir_ / "repos", &why);
    ASSERT_NE(server_, nullptr) << why;
    std::string roster = "student,repo\n";
    for (const char* name : {"perfect", "no-usr1", "cat-no-strip", "build-broken"}) {
      roster += std::string(name) + ",file://" + Path("class/" + std::string(name)) + "\n";
    }
    roster += "over-http," + server_->Url("over-http.git") + "\n";
    WriteAll(dir_ / "roster.csv", roster);
    ASSERT_EQ(WriteRubricSubset(SourceDir() + "/rubrics/hostile-limits.yaml", QuickChecks(),
                                dir_ / "rubric.yaml"),
              std::vector<std::string>{});
    WriteAll(dir_ / "token", server_->token() + "\n");
    fs::permissions(dir_ / "token", fs::perms::owner_read | fs::perms::owner_write);

    cluster_ = std::make_unique<SlurmCluster>(dir_ / "slurm");
    ASSERT_TRUE(cluster_->Start(&why)) << why;
  }

  void TearDown() override {
    cluster_.reset();
    server_.reset();
    // The containers of every shard's grader (grade-shard.sh labels them
    // per shard, after this process's label) and of the single batch.
    for (int k = 1; k <= kShards; ++k) {
      std::string left;
      Sh("docker ps -aq --filter label=io.ipc-grader.job=" + TestJobLabel() + "-ipc-grade-shard-" +
             std::to_string(k),
         &left);
      EXPECT_EQ(left, "") << "containers of shard " << k << " left behind";
    }
    EXPECT_EQ(GraderContainers(), "") << "containers left behind";
    if (!dir_.empty() && !HasFailure()) fs::remove_all(dir_);
  }

  std::string Path(const std::string& rel) const { return (dir_ / rel).string(); }

  // A configuration for the example (docs/examples/slurm/grade.conf.example).
  std::string WriteConf(const std::string& name, const std::string& results,
                        const std::string& cache) const {
    const fs::path conf = dir_ / (name + ".conf");
    WriteAll(conf, "GRADER=" + BinDir() + "/grader\nROSTER=" + Path("roster.csv") +
                       "\nRUBRIC=" + Path("rubric.yaml") + "\nRESULTS=" + results +
                       "\nSHARDS=" + std::to_string(kShards) +
                       // One CPU a task: two tasks at once on the node's two.
                       "\nJOBS=2\nCPUS_PER_TASK=1\nJOB_NAME=ipc-grade\nCACHE=" + cache +
                       "\nTOKEN_FILE=" + Path("token") + "\n");
    return conf.string();
  }

  // submit.sh CONF [TASKS]; the array and merge job ids it printed.
  std::pair<std::string, std::string> Submit(const std::string& conf,
                                             const std::string& tasks = "") {
    std::string out;
    const int rc = Sh(
        SourceDir() + "/docs/examples/slurm/submit.sh " + conf + (tasks.empty() ? "" : " " + tasks),
        &out);
    EXPECT_EQ(rc, 0) << out;
    std::smatch m;
    static const std::regex kIds(R"(submitted: array job (\d+) .*merge job (\d+))");
    if (!std::regex_search(out, m, kIds)) {
      ADD_FAILURE() << "submit.sh printed no job ids:\n" << out;
      return {};
    }
    return {m[1], m[2]};
  }

  // Waits until every task of `job` has ended; its states.
  std::vector<std::string> WaitEnded(const std::string& job) {
    std::vector<std::string> states;
    const bool ended = SlurmCluster::WaitFor(
        [&] { return SlurmCluster::Ended(states = SlurmCluster::States(job)); }, kJobDeadline);
    if (!ended) {
      std::string q;
      Sh("squeue; scontrol show job " + job, &q);
      ADD_FAILURE() << "job " << job << " did not end within " << kJobDeadline.count() << " s:\n"
                    << q << cluster_->Logs();
    }
    return states;
  }

  std::string JobLogs(const std::string& results) const {
    std::string text;
    if (!fs::exists(fs::path(results) / "logs")) return text;
    for (const auto& e : fs::directory_iterator(fs::path(results) / "logs")) {
      text += "--- " + e.path().filename().string() + "\n" + ReadAll(e.path());
    }
    return text;
  }

  // Each student's result.json but for timing and provenance, by name.
  static std::map<std::string, json> Results(const fs::path& dir) {
    std::map<std::string, json> out;
    for (const auto& e : fs::directory_iterator(dir)) {
      if (fs::exists(e.path() / "result.json")) {
        out[e.path().filename().string()] = json::parse(ReadAll(e.path() / "result.json"));
      }
    }
    return out;
  }

  // The files under `paths` that contain `needle`, one a line.
  static std::string Grep(const std::string& needle, const std::vector<std::string>& paths) {
    std::string cmd = "grep -rlF -e '" + needle + "' --";
    for (const auto& p : paths) cmd += " " + p;
    std::string out;
    Sh(cmd, &out);
    return out;
  }

  void ExpectSameClass(const fs::path& merged, const fs::path& single) {
    EXPECT_EQ(ReadAll(merged / "grades.csv"), ReadAll(single / "grades.csv"));
    const auto a = Results(merged), b = Results(single);
    ASSERT_EQ(a.size(), 5u) << ReadAll(merged / "grades.csv");
    ASSERT_EQ(b.size(), a.size());
    for (const auto& [name, r] : a) {
      ASSERT_TRUE(b.count(name)) << name;
      EXPECT_EQ(Comparable(r), Comparable(b.at(name))) << name;
    }
  }

  fs::path dir_;
  std::unique_ptr<GitServer> server_;
  std::unique_ptr<SlurmCluster> cluster_;
};

TEST_F(SlurmE2e, ArrayAndMergeEqualOneBatchAlsoAfterATaskIsCancelledAndRerun) {
  // Where the time goes, printed (not asserted).
  const auto t0 = Clock::now();
  auto mark = [&](const char* what) {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0);
    std::cout << "slurm e2e: " << ms.count() / 1000.0 << " s " << what << std::endl;
  };
  // 1. The array and its merge, the shards observing with an empty cache.
  const std::string results = Path("results"), cache = Path("cache");
  const auto [array, merge] = Submit(WriteConf("grade", results, cache));
  ASSERT_FALSE(array.empty());
  mark("submitted");
  const auto states = WaitEnded(array);
  mark("array ended");
  EXPECT_EQ(states, std::vector<std::string>(kShards, "COMPLETED")) << JobLogs(results);
  EXPECT_EQ(WaitEnded(merge), std::vector<std::string>{"COMPLETED"}) << JobLogs(results);
  mark("merge ended");
  ASSERT_TRUE(fs::exists(fs::path(results) / "class" / "grades.csv")) << JobLogs(results);
  const std::map<int, std::set<std::string>> shards = {
      {1, {"cat-no-strip", "over-http"}}, {2, {"no-usr1", "build-broken"}}, {3, {"perfect"}}};
  for (const auto& [k, names] : shards) {
    const fs::path shard = fs::path(results) / ("shard-" + std::to_string(k));
    std::set<std::string> graded;
    for (const auto& [name, r] : Results(shard)) {
      graded.insert(name);
      EXPECT_EQ(r.value("status", ""), "graded") << name << ": " << r.value("error", "");
      EXPECT_GT(r["timing"].value("boxes.run", 0.0), 0) << name << " was not observed by its shard";
    }
    EXPECT_EQ(graded, names) << "shard " << k;
    EXPECT_TRUE(fs::exists(fs::path(results) / ("shard-" + std::to_string(k) + ".done")));
  }
  // A class that passes and fails.
  const auto merged = Results(fs::path(results) / "class");
  ASSERT_EQ(merged.size(), 5u);
  EXPECT_EQ(merged.at("perfect")["score"], merged.at("perfect")["max_score"]);
  EXPECT_LT(merged.at("no-usr1")["score"], merged.at("no-usr1")["max_score"]);
  EXPECT_LT(merged.at("build-broken")["score"], merged.at("build-broken")["max_score"]);

  // The single batch of the whole class, on the shards' observations. The
  // token is in this process's environment only for it: submit.sh's
  // environment goes into Slurm's stored jobs.
  ::setenv("IPC_SLURM_TEST_TOKEN", server_->token().c_str(), 1);
  std::string log;
  const int rc = Sh(BinDir() + "/grader batch -j 2 --roster " + Path("roster.csv") + " --rubric " +
                        Path("rubric.yaml") + " --out " + Path("single") + " --cache " + cache +
                        " --token-env IPC_SLURM_TEST_TOKEN",
                    &log);
  ::unsetenv("IPC_SLURM_TEST_TOKEN");
  EXPECT_EQ(rc, 0) << log;
  ExpectSameClass(fs::path(results) / "class", Path("single"));
  mark("single batch");

  // 2. A task cancelled mid-run, then rerun. A new results folder, and a
  // cache holding the observations but no git mirrors: the shard-1 task's
  // clone of over-http then needs a pack, and the server holds it there
  // (stall), so the task is surely running when it is cancelled.
  const std::string results2 = Path("results2"), cache2 = Path("cache2");
  fs::create_directories(cache2);
  for (const auto& e : fs::directory_iterator(cache)) {
    if (e.path().filename() != "git") {
      fs::copy(e.path(), fs::path(cache2) / e.path().filename(), fs::copy_options::recursive);
    }
  }
  server_->SetFault("stall");
  const std::string conf2 = WriteConf("rerun", results2, cache2);
  const auto [array2, merge2] = Submit(conf2);
  ASSERT_FALSE(array2.empty());
  mark("submitted 2");
  ASSERT_TRUE(SlurmCluster::WaitFor([&] { return !server_->FaultsFired().empty(); }, kJobDeadline))
      << "the shard-1 task never fetched over-http:\n"
      << JobLogs(results2) << server_->Log();
  ASSERT_EQ(SlurmCluster::States(array2 + "_1"), std::vector<std::string>{"RUNNING"});
  // While the array runs, Slurm keeps its script and the submitter's
  // environment in its state folder: no token there, nor in what
  // `scontrol show job` prints.
  std::string stored;
  Sh("find " + (cluster_->dir() / "state").string() + " -name environment", &stored);
  EXPECT_NE(stored, "") << "Slurm's stored job environments were not there to search";
  EXPECT_EQ(Grep(server_->token(), {(cluster_->dir() / "state").string()}), "")
      << "the token is in a job Slurm stored";
  std::string shown;
  Sh("scontrol show job --details " + array2, &shown);
  EXPECT_EQ(shown.find(server_->token()), std::string::npos) << shown;
  ASSERT_EQ(Sh("scancel " + array2 + "_1", &log), 0) << log;
  server_->SetFault("");
  mark("cancelled");
  EXPECT_EQ(WaitEnded(array2), (std::vector<std::string>{"CANCELLED", "COMPLETED", "COMPLETED"}))
      << JobLogs(results2);
  EXPECT_FALSE(fs::exists(fs::path(results2) / "shard-1.done"));
  // Its grader ended with it (it was waiting on the stalled fetch, which
  // SIGTERM does not cut short, so the SIGKILL after KillWait ended it);
  // a grader left running would hold shard 1's git mirror lock.
  std::string left;
  // (shard-[1]: the pattern does not match the shell that runs pgrep.)
  Sh("pgrep -af -- '--out " + results2 + "/shard-[1]'", &left);
  EXPECT_EQ(left, "") << "the cancelled task left processes behind";
  mark("array 2 ended");
  std::string reason;
  EXPECT_TRUE(SlurmCluster::WaitFor(
      [&] {
        SlurmCluster::States(merge2, &reason);
        return reason == "DependencyNeverSatisfied";
      },
      std::chrono::seconds(60)))
      << "the merge of an array with a cancelled task waits for ever; reason: " << reason;

  mark("never satisfied");
  const auto [array3, merge3] = Submit(conf2, "1");
  ASSERT_FALSE(array3.empty());
  EXPECT_EQ(WaitEnded(array3), std::vector<std::string>{"COMPLETED"}) << JobLogs(results2);
  mark("array 3 ended");
  EXPECT_EQ(WaitEnded(merge3), std::vector<std::string>{"COMPLETED"}) << JobLogs(results2);
  mark("merge 3 ended");
  EXPECT_EQ(SlurmCluster::States(merge2), std::vector<std::string>{"CANCELLED"})
      << "submit.sh replaces the merge that could never run";
  ExpectSameClass(fs::path(results2) / "class", Path("single"));

  // 3. The token: used (over-http was graded over HTTP in every run, which
  // needs it), and nowhere in what the jobs wrote.
  EXPECT_EQ(Grep(server_->token(), {results, results2, (cluster_->dir() / "log").string()}), "")
      << "the token leaked";

  mark("done");
}

}  // namespace
}  // namespace ipc::e2e
