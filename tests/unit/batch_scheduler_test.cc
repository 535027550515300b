// RunBatch over a fake class: resume, crash and interrupt recovery, --only,
// retries, merge. The real GradeOne, scorer and writers run; only git and
// the engine are fakes, so the fake runner's run count is the number of
// students actually graded.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <filesystem>

#include "batch/outputs.h"
#include "batch/scheduler.h"
#include "batch/selection.h"
#include "batch_fake_class.h"
#include "util/error.h"

namespace ipc::batch {
namespace {

namespace fs = std::filesystem;
using testing::FakeClass;
using testing::ReadFileText;
using testing::TempDir;

const std::vector<std::string> kFive = {"alice", "bob", "carol", "dave", "erin"};

// Records what the batch reported, thread-safely.
class RecordingProgress : public ProgressSink {
 public:
  void Begin(int total) override { total_ = total; }
  void Started(const std::string&) override {}
  void Finished(const std::string& student, Outcome outcome, const std::string&) override {
    std::lock_guard lock(mu_);
    finished_.emplace_back(student, outcome);
    ++count_;
  }
  void Note(const std::string& m) override {
    std::lock_guard lock(mu_);
    notes_.push_back(m);
  }
  void End() override {}
  int count() const { return count_; }
  std::vector<std::pair<std::string, Outcome>> finished() {
    std::lock_guard lock(mu_);
    return finished_;
  }
  std::vector<std::string> notes() {
    std::lock_guard lock(mu_);
    return notes_;
  }

 private:
  std::mutex mu_;
  int total_ = 0;
  std::atomic<int> count_{0};
  std::vector<std::pair<std::string, Outcome>> finished_;
  std::vector<std::string> notes_;
};

class BatchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const auto& s : kFive) cls_.Add(s);
    cls_.FailBuild("bob");  // a varied class: bob loses the build and usr1
    opts_.out_dir = out_.path();
    opts_.jobs = 2;
    opts_.sleep = [this](double s) {
      std::lock_guard lock(sleep_mu_);
      sleeps_.push_back(s);
    };
    opts_.progress = &progress_;
  }
  BatchReport Run() { return RunBatch(cls_.Roster(), cls_.env, opts_); }
  std::string Gradebook(const std::string& dir) {
    WriteClassOutputs(LoadResults(dir).results, dir);
    return ReadFileText(fs::path(dir) / "grades.csv");
  }
  std::string ResultPath(const std::string& student) { return out_ / (student + "/result.json"); }
  static ino_t Inode(const std::string& path) {
    struct stat st {};
    EXPECT_EQ(stat(path.c_str(), &st), 0) << path;
    return st.st_ino;
  }

  FakeClass cls_;
  TempDir out_;
  BatchOptions opts_;
  RecordingProgress progress_;
  std::mutex sleep_mu_;
  std::vector<double> sleeps_;
};

TEST_F(BatchTest, GradesEveryoneAndWritesAllPerStudentFiles) {
  const BatchReport rep = Run();
  EXPECT_EQ(rep.total, 5);
  EXPECT_EQ(rep.graded, 5);
  EXPECT_EQ(rep.errors, 0);
  EXPECT_EQ(cls_.runner.RunCount(), 5u);
  for (const auto& s : kFive) {
    for (const char* f : {"result.json", "results.json", "feedback.md"}) {
      EXPECT_TRUE(fs::exists(out_ / (s + "/" + f))) << s << "/" << f;
    }
  }
  std::string why;
  EXPECT_EQ(ReadStoredResult(out_.path(), "bob", &why)->score, 1);
  EXPECT_EQ(ReadStoredResult(out_.path(), "alice", &why)->score, 3);
}

TEST_F(BatchTest, RerunRegradesExactlyTheStaleAndTheMissing) {
  Run();
  ASSERT_EQ(cls_.runner.RunCount(), 5u);
  fs::remove(ResultPath("bob"));                                      // deleted
  WriteFileAtomic(ResultPath("carol"), "{\"student\": \"carol\", ");  // truncated by a crash
  cls_.SetCommit("dave", std::string(40, 'd'));                       // dave pushed again
  const BatchReport rep = Run();
  EXPECT_EQ(rep.up_to_date, 2);
  EXPECT_EQ(rep.graded, 3);
  std::vector<std::string> regraded = cls_.Graded();
  regraded.erase(regraded.begin(), regraded.begin() + 5);
  std::sort(regraded.begin(), regraded.end());
  EXPECT_EQ(regraded, (std::vector<std::string>{"bob", "carol", "dave"}));
  std::string why;
  EXPECT_EQ(ReadStoredResult(out_.path(), "dave", &why)->commit, std::string(40, 'd'));
}

TEST_F(BatchTest, ChangedRubricOrGraderVersionRegradesEveryoneAndForceToo) {
  Run();
  cls_.rubric().sha256 = "rubric-sha-2";
  Run();
  EXPECT_EQ(cls_.runner.RunCount(), 10u);
  cls_.env.grader_version = "test-2";
  Run();
  EXPECT_EQ(cls_.runner.RunCount(), 15u);
  Run();  // nothing changed
  EXPECT_EQ(cls_.runner.RunCount(), 15u);
  opts_.force = true;
  Run();
  EXPECT_EQ(cls_.runner.RunCount(), 20u);
}

TEST_F(BatchTest, ErrorResultsAreAlwaysRetried) {
  opts_.max_retries = 0;
  cls_.EngineFails("carol", true);
  EXPECT_EQ(Run().errors, 1);
  std::string why;
  EXPECT_EQ(ReadStoredResult(out_.path(), "carol", &why)->status, "error");
  cls_.EngineFails("carol", false);
  const BatchReport rep = Run();
  EXPECT_EQ(rep.graded, 1);
  EXPECT_EQ(rep.up_to_date, 4);
  EXPECT_EQ(cls_.Graded().back(), "carol");
  EXPECT_EQ(ReadStoredResult(out_.path(), "carol", &why)->status, "graded");
}

TEST_F(BatchTest, CrashAfterTwoResultsThenRerunGivesTheSameGradebook) {
  TempDir clean;
  {
    FakeClass other;
    for (const auto& s : kFive) other.Add(s);
    other.FailBuild("bob");
    BatchOptions o = opts_;
    o.out_dir = clean.path();
    o.progress = nullptr;
    RunBatch(other.Roster(), other.env, o);
  }
  const std::string uninterrupted = Gradebook(clean.path());

  opts_.jobs = 1;  // deterministic: alice, bob, then the crash on carol
  cls_.CrashOn("carol");
  EXPECT_THROW(Run(), Fatal);
  EXPECT_TRUE(fs::exists(ResultPath("alice")));
  EXPECT_TRUE(fs::exists(ResultPath("bob")));
  EXPECT_FALSE(fs::exists(out_ / "carol"));  // no half result
  EXPECT_FALSE(fs::exists(ResultPath("dave")));
  const std::size_t before = cls_.runner.RunCount();

  cls_.CrashOn("");
  const BatchReport rep = Run();
  EXPECT_EQ(rep.up_to_date, 2);
  EXPECT_EQ(cls_.runner.RunCount() - before, 3u);  // carol, dave, erin
  EXPECT_EQ(Gradebook(out_.path()), uninterrupted);
}

TEST_F(BatchTest, InterruptStopsStartingStudentsAndDropsTheOneMidGrade) {
  opts_.jobs = 1;
  std::atomic<bool> interrupted{false};
  opts_.interrupted = [&] { return interrupted.load(); };
  // The signal arrives while bob's container runs (the handler kills it).
  cls_.DuringRunOf("bob", [&] { interrupted = true; });
  const BatchReport rep = Run();
  EXPECT_TRUE(rep.interrupted);
  EXPECT_EQ(rep.Done(), 1);
  EXPECT_EQ(rep.not_done, 4);
  EXPECT_TRUE(fs::exists(ResultPath("alice")));
  EXPECT_FALSE(fs::exists(out_ / "bob"));  // never a half result
  EXPECT_EQ(cls_.runner.RunCount(), 2u);   // carol and the rest never started

  interrupted = false;
  cls_.DuringRunOf("bob", [] {});
  const BatchReport again = Run();
  EXPECT_EQ(again.up_to_date, 1);
  EXPECT_EQ(again.graded, 4);
}

TEST_F(BatchTest, OnlyRegradesThatStudentInPlaceAndLeavesOthersUntouched) {
  Run();
  std::map<std::string, ino_t> inodes;
  std::map<std::string, std::string> contents;
  for (const auto& s : kFive) {
    for (const char* f : {"/result.json", "/results.json", "/feedback.md"}) {
      // WriteFileAtomic renames a new file into place: a rewrite, even with
      // the same bytes, gets a new inode.
      inodes[s + f] = Inode(out_ / (s + f));
      contents[s + f] = ReadFileText(out_ / (s + f));
    }
  }
  Roster roster;
  roster.path = "roster.csv";
  roster.entries = cls_.Roster();
  const Selection sel = SelectStudents(roster, std::nullopt, {"carol"});
  ASSERT_EQ(sel.todo.size(), 1u);
  EXPECT_EQ(sel.mine.size(), 5u);
  opts_.force = true;  // what the CLI does for --only
  RunBatch(sel.todo, cls_.env, opts_);
  EXPECT_EQ(cls_.runner.RunCount(), 6u);
  EXPECT_EQ(cls_.Graded().back(), "carol");
  for (const auto& [file, ino] : inodes) {
    if (file.starts_with("carol/")) {
      EXPECT_NE(Inode(out_ / file), ino) << file << " was not rewritten";
    } else {
      EXPECT_EQ(Inode(out_ / file), ino) << file << " was touched";
      EXPECT_EQ(ReadFileText(out_ / file), contents[file]);
    }
  }
  // The gradebook still has the whole class.
  const std::string csv = Gradebook(out_.path());
  for (const auto& s : kFive) EXPECT_NE(csv.find("\r\n" + s + ","), std::string::npos) << s;
}

TEST_F(BatchTest, OnlyNamesOutsideTheSelectionAreFatal) {
  Roster roster;
  roster.path = "roster.csv";
  roster.entries = cls_.Roster();
  try {
    SelectStudents(roster, std::nullopt, {"zed"});
    FAIL() << "no error";
  } catch (const Fatal& e) {
    EXPECT_STREQ(e.what(),
                 "--only zed: no such student in roster.csv (names are case-sensitive; rows "
                 "skipped as invalid are listed above)");
  }
  // alice is in exactly one of two shards; asking the other one names hers.
  const int hers = ShardOf("alice", 2);
  const Shard other{3 - hers, 2};
  try {
    SelectStudents(roster, other, {"alice"});
    FAIL() << "no error";
  } catch (const Fatal& e) {
    EXPECT_EQ(std::string(e.what()), "--only alice: that student is in shard " +
                                         std::to_string(hers) + "/2, not in this one (" +
                                         other.ToString() + ")");
  }
}

TEST_F(BatchTest, EngineFailureIsRetriedWithBackoffThenGraded) {
  opts_.jobs = 1;
  cls_.runner.QueueResult(container::FakeContainerRunner::EngineFailure("daemon hiccup"));
  cls_.runner.QueueResult(container::FakeContainerRunner::EngineFailure("daemon hiccup"));
  const auto rep = RunBatch({cls_.Roster()[0]}, cls_.env, opts_);
  EXPECT_EQ(rep.graded, 1);
  EXPECT_EQ(rep.retries, 2);
  EXPECT_EQ(cls_.runner.RunCount(), 3u);
  EXPECT_EQ(sleeps_, (std::vector<double>{1, 4}));
  std::string why;
  EXPECT_EQ(ReadStoredResult(out_.path(), "alice", &why)->status, "graded");
}

TEST_F(BatchTest, EngineFailureRetriesAreBounded) {
  cls_.EngineFails("alice", true);
  const auto rep = RunBatch({cls_.Roster()[0]}, cls_.env, opts_);
  EXPECT_EQ(rep.errors, 1);
  EXPECT_EQ(cls_.runner.RunCount(), 3u);  // 1 + max_retries
  EXPECT_EQ(sleeps_.size(), 2u);
  std::string why;
  const auto r = ReadStoredResult(out_.path(), "alice", &why);
  EXPECT_EQ(r->status, "error");
  EXPECT_TRUE(r->error.starts_with("container engine failure")) << r->error;
}

TEST_F(BatchTest, UnreachableRepositoryIsRetriedAndOtherFetchErrorsAreNot) {
  cls_.fetcher.Fail("/srv/alice", fetch::FetchErrorKind::kUnreachable, "connection timed out");
  cls_.fetcher.Fail("/srv/bob", fetch::FetchErrorKind::kAuth, "authentication refused");
  const auto rep = RunBatch({cls_.Roster()[0], cls_.Roster()[1]}, cls_.env, opts_);
  EXPECT_EQ(rep.errors, 2);
  EXPECT_EQ(cls_.fetcher.fetches(), 3 + 1);
  EXPECT_EQ(cls_.runner.RunCount(), 0u);
  std::string why;
  EXPECT_EQ(ReadStoredResult(out_.path(), "bob", &why)->error, "authentication refused");
  EXPECT_EQ(ReadStoredResult(out_.path(), "alice", &why)->error, "connection timed out");
}

TEST_F(BatchTest, UnreachableRepositoryKeepsAStoredGrade) {
  Run();
  const std::string before = ReadFileText(ResultPath("alice"));
  cls_.fetcher.Fail("/srv/alice", fetch::FetchErrorKind::kUnreachable, "connection timed out");
  opts_.force = true;
  const auto rep = RunBatch({cls_.Roster()[0]}, cls_.env, opts_);
  EXPECT_EQ(rep.kept, 1);
  EXPECT_EQ(ReadFileText(ResultPath("alice")), before);
}

TEST_F(BatchTest, MergeOfTwoShardsEqualsOneBatch) {
  for (const auto& s : {"frank", "grace", "heidi", "ivan", "judy", "mallory"}) cls_.Add(s);
  TempDir all, one, two, merged;
  opts_.out_dir = all.path();
  Run();
  Roster roster;
  roster.entries = cls_.Roster();
  for (int k = 1; k <= 2; ++k) {
    opts_.out_dir = k == 1 ? one.path() : two.path();
    RunBatch(SelectStudents(roster, Shard{k, 2}, {}).todo, cls_.env, opts_);
  }
  const LoadedResults m = MergeOutputs({one.path(), two.path()}, merged.path());
  EXPECT_EQ(m.results.size(), 11u);
  EXPECT_TRUE(fs::exists(merged / "alice/results.json"));
  EXPECT_EQ(ReadFileText(fs::path(merged.path()) / "grades.csv"), Gradebook(all.path()));

  // The same student in two inputs is an error naming both.
  try {
    MergeOutputs({one.path(), all.path()}, merged.path());
    FAIL() << "no error";
  } catch (const Fatal& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("is in both " + one.path() + " and " + all.path()), std::string::npos)
        << msg;
  }
}

TEST_F(BatchTest, HostileOutputBytesStillGiveAResult) {
  // A program printing invalid UTF-8 must not make result.json unwritable.
  cls_.runner.SetHandler([](const container::RunSpec&) {
    return container::FakeContainerRunner::Exited(1, "", "\xff\xfe garbage \xc3");
  });
  const auto rep = RunBatch({cls_.Roster()[0]}, cls_.env, opts_);
  EXPECT_EQ(rep.errors, 1);
  std::string why;
  const auto r = ReadStoredResult(out_.path(), "alice", &why);
  ASSERT_TRUE(r) << why;
  EXPECT_NE(r->error.find("\xEF\xBF\xBD"), std::string::npos) << r->error;
}

}  // namespace
}  // namespace ipc::batch
