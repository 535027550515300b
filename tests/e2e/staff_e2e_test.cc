// Course staff's workflow, end to end on the real engine, kept cheap: a
// rubric of one host check (files_present) and one container check
// (`command` running `true`), written by the test, over repositories made
// with plain git. Shows that
//  - an adjustment made with `grader adjust` is applied at scoring time,
//    makes only its student stale, survives `grader batch --force` and a
//    rubric edit, and is reported (not dropped) when its check is gone;
//  - an extension turns a late result on time, and its bad rows are named.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "e2e/e2e_support.h"

namespace ipc::e2e {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string Slurp(const fs::path& p) {
  std::ifstream in(p);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void Spit(const fs::path& p, const std::string& text) { std::ofstream(p) << text; }

json ResultOf(const fs::path& out, const std::string& student) {
  return json::parse(Slurp(out / student / "result.json"));
}

// `runs_points` for the container check; `deadline` for the late policy
// (10% per started day).
std::string Rubric(double runs_points, const std::string& deadline, bool with_runs = true) {
  std::string r =
      "assignment: tiny\n"
      "image: ipc-grader/python:bookworm\n"
      "workdir: /root\n"
      "ref: [main]\n"
      "limits: {memory_mb: 256, pids: 64, cpus: 1.0, wall_s: 60}\n"
      "late: {deadline: " + deadline + ", time_source: commit, penalty_per_day: 0.1, "
      "max_penalty: 0.5}\n"
      "parts:\n"
      "  - {id: p, title: P, points: " + std::to_string(1 + (with_runs ? runs_points : 0)) + "}\n"
      "checks:\n"
      "  - {id: files, part: p, title: files, type: files_present, points: 1, files: [a.txt]}\n";
  if (with_runs) {
    r += "  - {id: runs, part: p, title: runs, type: command, points: " +
         std::to_string(runs_points) + ", run: [\"true\"]}\n";
  }
  return r;
}

class StaffE2e : public ::testing::Test {
 protected:
  void SetUp() override {
    IPC_REQUIRE_ENGINE();
    dir_ = fs::temp_directory_path() / ("staff-e2e-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    out_ = dir_ / "out";
    std::string roster = "student,repo\n";
    for (const char* s : {"alice", "bob"}) {
      // Committed 2026-01-12T00:00:00Z.
      const fs::path repo = dir_ / s;
      std::string log;
      ASSERT_EQ(Sh("git init -q -b main " + repo.string() + " && cd " + repo.string() +
                       " && echo hi > a.txt && git add a.txt && GIT_COMMITTER_DATE="
                       "2026-01-12T00:00:00Z git -c user.name=t -c user.email=t@t commit -qm x "
                       "--date 2026-01-12T00:00:00Z",
                   &log),
                0)
          << log;
      roster += std::string(s) + "," + repo.string() + "\n";
    }
    Spit(dir_ / "roster.csv", roster);
  }

  void TearDown() override {
    if (!dir_.empty()) {
      EXPECT_EQ(GraderContainers(), "") << "containers left behind";
      fs::remove_all(dir_);
    }
  }

  // grader batch over the roster; returns the exit status, output in *log.
  int Batch(const std::string& rubric, std::string* log, const std::string& extra = "") {
    Spit(dir_ / "r.yaml", rubric);
    return Sh(Grader() + " batch --roster " + (dir_ / "roster.csv").string() + " --rubric " +
                  (dir_ / "r.yaml").string() + " --out " + out_.string() + " --cache " +
                  (dir_ / "cache").string() + " -j 2 " + extra,
              log);
  }
  int Adjust(const std::string& args, std::string* log) {
    return Sh(Grader() + " adjust " + args + " --out " + out_.string() + " --rubric " +
                  (dir_ / "r.yaml").string(),
              log);
  }
  static std::string Grader() { return BinDir() + "/grader"; }

  fs::path dir_, out_;
};

TEST_F(StaffE2e, AnAdjustmentSurvivesForceAndARubricEditAndIsReportedWhenItsCheckIsGone) {
  const std::string far = "2099-01-01T00:00:00Z";
  std::string log;
  ASSERT_EQ(Batch(Rubric(2, far), &log), 0) << log;
  EXPECT_EQ(ResultOf(out_, "alice")["score"], 3) << log;

  // A typo is refused with the rubric's ids, and nothing is written.
  EXPECT_EQ(Adjust("alice --check rnus --points=-1 --reason typo", &log), 2) << log;
  EXPECT_NE(log.find("has no check 'rnus' (did you mean 'runs'?)"), std::string::npos) << log;
  EXPECT_FALSE(fs::exists(out_ / "adjustments.yaml"));
  ASSERT_EQ(Adjust("alice --check runs --points=-1 --by ta-jo --reason \"Hard-coded, see OH\"",
                   &log),
            0)
      << log;
  ASSERT_EQ(Adjust("--list", &log), 0) << log;
  EXPECT_NE(log.find("alice  check runs  -1  (ta-jo, "), std::string::npos) << log;

  // Only alice is stale; bob's result stays.
  ASSERT_EQ(Batch(Rubric(2, far), &log), 0) << log;
  EXPECT_NE(log.find("bob  3/3  main@"), std::string::npos) << log;
  EXPECT_NE(log.find("(up to date)"), std::string::npos) << log;
  EXPECT_NE(log.find("1 up to date"), std::string::npos) << log;
  json alice = ResultOf(out_, "alice");
  EXPECT_EQ(alice["score"], 2);
  EXPECT_EQ(alice["auto_score"], 3);
  ASSERT_EQ(alice["adjustments"].size(), 1u);
  EXPECT_EQ(alice["adjustments"][0]["reason"], "Hard-coded, see OH");
  EXPECT_EQ(alice["adjustments"][0]["by"], "ta-jo");

  // --force regrades everyone: the adjustment is applied again, not lost.
  ASSERT_EQ(Batch(Rubric(2, far), &log, "--force"), 0) << log;
  alice = ResultOf(out_, "alice");
  EXPECT_EQ(alice["score"], 2) << log;
  EXPECT_EQ(ResultOf(out_, "bob")["score"], 3);
  const std::string csv = Slurp(out_ / "grades.csv");
  EXPECT_NE(csv.find("alice,2,3,graded,"), std::string::npos) << csv;
  EXPECT_NE(csv.find(",3,\"check runs 2 -> 1: Hard-coded, see OH\","), std::string::npos) << csv;
  EXPECT_NE(Slurp(out_ / "alice" / "feedback.md").find("check `runs`: 2 → 1: Hard-coded, see OH"),
            std::string::npos);
  const json gs = json::parse(Slurp(out_ / "alice" / "results.json"));
  EXPECT_EQ(gs["score"], 2);
  EXPECT_EQ(gs["extra_data"]["auto_score"], 3);
  EXPECT_NE(Slurp(out_ / "summary.md").find("| alice | 3 → 2; check runs: Hard-coded, see OH |"),
            std::string::npos);

  // The rubric changes: worth 4 now; the adjustment applies on the new score.
  ASSERT_EQ(Batch(Rubric(4, far), &log), 0) << log;
  alice = ResultOf(out_, "alice");
  EXPECT_EQ(alice["score"], 4) << log;
  EXPECT_EQ(alice["auto_score"], 5);

  // Its check is gone: reported in the log and the result, never dropped.
  ASSERT_EQ(Batch(Rubric(4, far, false), &log), 0) << log;
  EXPECT_NE(log.find("warning: alice: adjustment of check 'runs' not applied: the rubric"),
            std::string::npos)
      << log;
  alice = ResultOf(out_, "alice");
  EXPECT_EQ(alice["score"], 1);
  ASSERT_EQ(alice["adjustments"].size(), 1u);
  EXPECT_NE(alice["adjustments"][0]["problem"].get<std::string>().find("has no check 'runs'"),
            std::string::npos);
}

TEST_F(StaffE2e, AnExtensionTurnsALateResultOnTimeAndItsBadRowsAreNamed) {
  // Committed two days after the deadline: 2 started days, 20% of 3.
  const std::string deadline = "2026-01-10T00:00:00Z";
  std::string log;
  ASSERT_EQ(Batch(Rubric(2, deadline), &log), 0) << log;
  EXPECT_EQ(ResultOf(out_, "alice")["late"]["late"], true);
  EXPECT_EQ(ResultOf(out_, "alice")["score"], 2.4);

  Spit(out_ / "extensions.csv", "student,deadline,extra_days,reason\n"
                                "alice,,3,medical\n"
                                "bob,2026-01-20,,no time of day\n");
  EXPECT_EQ(Batch(Rubric(2, deadline), &log), 1) << log;  // a skipped row fails the run
  EXPECT_NE(log.find("extensions.csv:3: skipped: deadline '2026-01-20': "), std::string::npos)
      << log;
  const json alice = ResultOf(out_, "alice");
  EXPECT_EQ(alice["late"]["late"], false) << log;
  EXPECT_EQ(alice["score"], 3);
  EXPECT_EQ(alice["late"]["extended_to"], "2026-01-13T00:00:00Z");
  EXPECT_EQ(alice["late"]["extension_reason"], "medical");
  EXPECT_NE(Slurp(out_ / "alice" / "feedback.md").find("Deadline extended to 2026-01-13T00:00:00Z"),
            std::string::npos);
  const json bob = ResultOf(out_, "bob");
  EXPECT_EQ(bob["late"]["late"], true);
  EXPECT_EQ(bob["score"], 2.4);
  EXPECT_NE(log.find("bob  2.4/3  main@"), std::string::npos);
  EXPECT_NE(log.find("(up to date)"), std::string::npos) << log;  // bob, unchanged
}

// `grader rubric test`: alice has everything, bob lacks a.txt. Green when
// expected.yaml says so (with the coverage: bob fails `files`, nobody fails
// `runs`), red with the mismatch when one expected status is flipped.
TEST_F(StaffE2e, RubricTestIsGreenThenRedWhenOneExpectedStatusIsFlipped) {
  std::string log;
  ASSERT_EQ(Sh("cd " + (dir_ / "bob").string() +
                   " && git -c user.name=t -c user.email=t@t rm -q a.txt && git -c user.name=t "
                   "-c user.email=t@t commit -qm gone",
               &log),
            0)
      << log;
  Spit(dir_ / "r.yaml", Rubric(2, "2099-01-01T00:00:00Z"));
  const fs::path exp = dir_ / "expected";
  fs::create_directories(exp / "alice");
  fs::create_directories(exp / "bob");
  Spit(exp / "alice" / "expected.yaml", "ref: main\nscore: 3\nchecks:\n  files: pass\n  runs: pass\n");
  Spit(exp / "bob" / "expected.yaml",
       "score: 2\nchecks:\n  files: {status: fail, why: no a.txt, facts: [a.txt]}\n"
       "  runs: pass\n");
  const std::string cmd = Grader() + " rubric test " + (dir_ / "r.yaml").string() +
                          " --roster " + (dir_ / "roster.csv").string() + " --expected " +
                          exp.string() + " --out " + (dir_ / "rt").string() + " --cache " +
                          (dir_ / "cache").string() + " -j 2";
  ASSERT_EQ(Sh(cmd, &log), 0) << log;
  EXPECT_EQ(log.find("MISMATCH"), std::string::npos) << log;
  EXPECT_NE(log.find("rubric test passed: 2 submission(s), 0 with mismatches"), std::string::npos)
      << log;
  EXPECT_NE(log.find("  files                    bob\n"), std::string::npos) << log;
  EXPECT_NE(log.find("untested: 1 check(s): runs"), std::string::npos) << log;
  std::string junit = Slurp(dir_ / "rt" / "junit.xml");
  EXPECT_NE(junit.find("tests=\"2\" failures=\"0\""), std::string::npos) << junit;

  // A TA flips one status by mistake (or the rubric changed): red, saying which.
  Spit(exp / "bob" / "expected.yaml",
       "score: 2\nchecks:\n  files: {status: pass}\n  runs: pass\n");
  EXPECT_EQ(Sh(cmd, &log), 1) << log;
  EXPECT_NE(log.find("MISMATCH bob/files: expected pass, got fail: "), std::string::npos) << log;
  EXPECT_NE(log.find("rubric test FAILED: 2 submission(s), 1 with mismatches"), std::string::npos)
      << log;
  junit = Slurp(dir_ / "rt" / "junit.xml");
  EXPECT_NE(junit.find("tests=\"2\" failures=\"1\""), std::string::npos) << junit;
  EXPECT_NE(junit.find("bob/files: expected pass, got fail"), std::string::npos) << junit;
}

// changes.md after a commit change, then after a rubric change; `grader
// diff` over two result folders says the same.
TEST_F(StaffE2e, ChangesSayWhoseTotalMovedAndWhyAfterACommitAndARubricChange) {
  const std::string far = "2099-01-01T00:00:00Z";
  std::string log;
  ASSERT_EQ(Batch(Rubric(2, far), &log), 0) << log;
  fs::copy(out_, dir_ / "first", fs::copy_options::recursive);
  ASSERT_EQ(Sh("cd " + (dir_ / "alice").string() +
                   " && git -c user.name=t -c user.email=t@t rm -q a.txt && git -c user.name=t "
                   "-c user.email=t@t commit -qm gone",
               &log),
            0)
      << log;
  ASSERT_EQ(Batch(Rubric(2, far), &log), 0) << log;
  std::string csv = Slurp(out_ / "changes.csv");
  EXPECT_NE(csv.find("alice,3,2,-1,commit changed "), std::string::npos) << csv;
  EXPECT_NE(csv.find(",files:pass->fail\r\n"), std::string::npos) << csv;
  EXPECT_EQ(csv.find("bob,"), std::string::npos) << csv;  // unchanged: not listed
  EXPECT_NE(Slurp(out_ / "summary.md").find("changes.md (1 student(s))"), std::string::npos);

  ASSERT_EQ(Batch(Rubric(4, far), &log), 0) << log;
  csv = Slurp(out_ / "changes.csv");
  EXPECT_NE(csv.find("alice,2,4,2,rubric changed,runs:pass->pass\r\n"), std::string::npos) << csv;
  EXPECT_NE(csv.find("bob,3,5,2,rubric changed,runs:pass->pass\r\n"), std::string::npos) << csv;

  ASSERT_EQ(Sh(Grader() + " diff " + (dir_ / "first").string() + " " + out_.string(), &log), 0)
      << log;
  EXPECT_NE(log.find("2 student(s) changed"), std::string::npos) << log;
  EXPECT_NE(log.find("| alice | 3 | 4 | commit changed "), std::string::npos) << log;
  EXPECT_NE(log.find("| bob | 3 | 5 | rubric changed |"), std::string::npos) << log;
}

}  // namespace
}  // namespace ipc::e2e
