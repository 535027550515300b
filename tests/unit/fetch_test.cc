// Fetching real repositories made with the git CLI: sources, ref
// resolution, tag times, the cache, and the error kinds for local sources.
#include <sys/stat.h>

#include <filesystem>
#include <thread>

#include "unit/fetch_test_util.h"

namespace ipc::fetch::testing {
namespace {

class LocalFetchTest : public FetchTest {
 protected:
  // main: two commits, lightweight tag "light" on the first, annotated tag
  // "part1" (tagged a day after its commit) on the first, branch "feature".
  void SetUp() override {
    repo_ = std::make_unique<GitRepo>(tmp_ / "alice");
    repo_->Write("listener.c", "int main(void) { return 0; }\n");
    repo_->Write("litterbox/treasure.txt", "Treasure found!\n");
    first_ = repo_->Commit("first commit");
    first_time_ = repo_->date();
    repo_->Git({"tag", "light"});
    repo_->set_date(first_time_ + 86400);
    repo_->Git({"tag", "-a", "part1", "-m", "part 1 done"});
    repo_->Git({"branch", "feature"});
    repo_->set_date(first_time_ + 2 * 86400);
    repo_->Write("secret.txt", "Hey! This is a secret!\n");
    second_ = repo_->Commit("second commit\n\nwith a body");
    second_time_ = repo_->date();
  }

  std::unique_ptr<GitRepo> repo_;
  std::string first_, second_;
  std::int64_t first_time_ = 0, second_time_ = 0;
};

TEST_F(LocalFetchTest, LocalPathGivesTreeFilesAndRevision) {
  Snapshot s = MustFetch(Req(repo_->dir(), {"main"}));
  EXPECT_EQ(s.revision.ref, "main");
  EXPECT_EQ(s.revision.ref_kind, "branch");
  EXPECT_EQ(s.revision.commit, second_);
  EXPECT_EQ(s.revision.commit_time, second_time_);
  EXPECT_FALSE(s.revision.tag_time.has_value());
  EXPECT_EQ(s.revision.commit_summary, "second commit");
  EXPECT_EQ(s.ReadFile("secret.txt"), "Hey! This is a secret!\n");
  EXPECT_EQ(s.ReadFile("litterbox/treasure.txt"), "Treasure found!\n");
  EXPECT_FALSE(s.ReadFile("litterbox").has_value());
  ASSERT_NE(FindEntry(s, "litterbox"), nullptr);
  EXPECT_EQ(EntryAt(s, "litterbox").type, EntryType::kDir);
  EXPECT_EQ(EntryAt(s, "secret.txt").size, 23u);
  for (std::size_t i = 1; i < s.entries.size(); ++i) {
    EXPECT_LT(s.entries[i - 1].path, s.entries[i].path);
  }
  EXPECT_EQ(s.tags, (std::vector<std::string>{"light", "part1"}));
  EXPECT_TRUE(s.refused.empty());
}

TEST_F(LocalFetchTest, FileUrlWorksLikeThePath) {
  Snapshot s = MustFetch(Req("file://" + repo_->dir(), {"part1"}));
  EXPECT_EQ(s.revision.commit, first_);
  EXPECT_FALSE(s.ReadFile("secret.txt").has_value());
  // Same repository, same mirror, whichever way it is named.
  EXPECT_EQ(MirrorPath(tmp_ / "cache", "file://" + repo_->dir()),
            MirrorPath(tmp_ / "cache", repo_->dir()));
}

TEST_F(LocalFetchTest, ResolvesTagBranchCommitAndRefname) {
  struct Case {
    std::vector<std::string> refs;
    std::string ref, kind, commit;
  } cases[] = {
      {{"part1"}, "part1", "tag", first_},
      {{"feature"}, "feature", "branch", first_},
      {{second_}, second_, "commit", second_},
      {{first_.substr(0, 7)}, first_.substr(0, 7), "commit", first_},
      {{"refs/tags/light"}, "refs/tags/light", "tag", first_},
      {{"final", "submission", "part1", "main"}, "part1", "tag", first_},
      // HEAD is named by the branch it stands for, as people know it.
      {{"HEAD"}, "main", "branch", second_},
  };
  for (const Case& c : cases) {
    Snapshot s = MustFetch(Req(repo_->dir(), c.refs));
    EXPECT_EQ(s.revision.ref, c.ref);
    EXPECT_EQ(s.revision.ref_kind, c.kind) << c.ref;
    EXPECT_EQ(s.revision.commit, c.commit) << c.ref;
  }
}

// The rubric's `ref: {newest_tag_except: [part1], fallback: [HEAD]}`.
const std::string kNewestButPart1 = std::string(kNewestTagExcept) + "part1";

TEST_F(LocalFetchTest, NewestTagExceptPicksTheNewestOtherTagAndSaysWhy) {
  // Only "light" (on the first commit) is not excepted.
  Snapshot s = MustFetch(Req(repo_->dir(), {kNewestButPart1, "HEAD"}));
  EXPECT_EQ(s.revision.ref, "light");
  EXPECT_EQ(s.revision.ref_kind, "tag");
  EXPECT_EQ(s.revision.commit, first_);
  EXPECT_EQ(s.revision.why, "the newest tag other than part1");

  // A lightweight tag counts by its commit's time: newer than "light".
  repo_->Git({"tag", "final", second_});
  s = MustFetch(Req(repo_->dir(), {kNewestButPart1, "HEAD"}));
  EXPECT_EQ(s.revision.ref, "final");
  EXPECT_EQ(s.revision.commit, second_);

  // An annotated tag counts by its own date, not its commit's: an old
  // commit tagged last is the newest submission.
  repo_->set_date(second_time_ + 86400);
  repo_->Git({"tag", "-a", "resubmitted", "-m", "again", first_});
  s = MustFetch(Req(repo_->dir(), {kNewestButPart1, "HEAD"}));
  EXPECT_EQ(s.revision.ref, "resubmitted");
  EXPECT_EQ(s.revision.commit, first_);
  ASSERT_TRUE(s.revision.tag_time.has_value());
  EXPECT_EQ(*s.revision.tag_time, second_time_ + 86400);
  EXPECT_EQ(s.revision.why, "the newest tag other than part1");

  // The excepted tag itself is never chosen, even when it is the newest.
  repo_->set_date(second_time_ + 2 * 86400);
  repo_->Git({"tag", "-f", "-a", "part1", "-m", "moved", second_});
  EXPECT_EQ(MustFetch(Req(repo_->dir(), {kNewestButPart1, "HEAD"})).revision.ref, "resubmitted");
}

TEST_F(LocalFetchTest, ATagThatNamesNoCommitIsNoCandidate) {
  // A tag of a blob, with a name that would win a tie, on a fresh mirror.
  repo_->Git({"tag", "zzz-blob", repo_->Rev("main:listener.c")});
  repo_->Git({"tag", "final", second_});
  repo_->Git({"tag", "zzz-tree", repo_->Rev("main^{tree}")});
  const Snapshot s = MustFetch(Req(repo_->dir(), {kNewestButPart1, "HEAD"}));
  EXPECT_EQ(s.revision.ref, "final");
  EXPECT_EQ(s.revision.commit, second_);
}

// Found by the test above's first version: once the mirror holds a tag of
// a blob, every later fetch into it fails ("object is not a committish":
// libgit2 1.5 pushes each local ref into the negotiation's revwalk,
// libgit2/libgit2#3595, fixed upstream by #6898 in 1.9). A student who
// tags a blob once makes every regrade of theirs an error.
TEST_F(LocalFetchTest, ATagOfABlobDoesNotBreakTheNextFetch) {
  repo_->Git({"tag", "blob-tag", repo_->Rev("main:listener.c")});
  MustFetch(Req(repo_->dir(), {"main"}));
  repo_->set_date(second_time_ + 60);
  repo_->Write("listener.c", "int main(void) { return 2; }\n");
  const std::string third = repo_->Commit("third");
  EXPECT_EQ(MustFetch(Req(repo_->dir(), {"main"})).revision.commit, third);
}

TEST_F(LocalFetchTest, NewestTagTiesGoToTheGreaterName) {
  repo_->Git({"tag", "beta", second_});
  repo_->Git({"tag", "alpha", second_});
  EXPECT_EQ(MustFetch(Req(repo_->dir(), {kNewestButPart1})).revision.ref, "beta");
}

TEST_F(LocalFetchTest, WithoutAnotherTagTheFallbackIsGradedAndTheResultSaysWhy) {
  Snapshot s = MustFetch(Req(repo_->dir(), {kNewestButPart1 + ",light", "HEAD"}));
  EXPECT_EQ(s.revision.ref, "main");
  EXPECT_EQ(s.revision.ref_kind, "branch");
  EXPECT_EQ(s.revision.commit, second_);
  EXPECT_EQ(s.revision.why, "no tag other than part1, light, so the default branch");
  // A named fallback is named.
  s = MustFetch(Req(repo_->dir(), {kNewestButPart1 + ",light", "feature"}));
  EXPECT_EQ(s.revision.commit, first_);
  EXPECT_EQ(s.revision.why, "no tag other than part1, light, so branch feature");
  // The first candidate found needs no explanation.
  EXPECT_EQ(MustFetch(Req(repo_->dir(), {"part1", "HEAD"})).revision.why, "");
}

TEST_F(LocalFetchTest, NoTagAndNoFallbackNamesTheRuleInTheError) {
  const FetchError e = MustFail(Req(repo_->dir(), {kNewestButPart1 + ",light"}));
  EXPECT_EQ(e.kind, FetchErrorKind::kRefMissing);
  EXPECT_NE(e.message.find("'the newest tag other than part1,light'"), std::string::npos)
      << e.message;
  EXPECT_NE(e.message.find("no tag other than part1, light"), std::string::npos) << e.message;
}

TEST_F(LocalFetchTest, EmptyRefListMeansDefaultBranch) {
  Snapshot s = MustFetch(Req(repo_->dir(), {}));
  EXPECT_EQ(s.revision.commit, second_);
}

TEST_F(LocalFetchTest, AnnotatedTagHasTaggerTimeLightweightHasNone) {
  Snapshot annotated = MustFetch(Req(repo_->dir(), {"part1"}));
  ASSERT_TRUE(annotated.revision.tag_time.has_value());
  EXPECT_EQ(*annotated.revision.tag_time, first_time_ + 86400);
  EXPECT_EQ(annotated.revision.commit_time, first_time_);

  Snapshot light = MustFetch(Req(repo_->dir(), {"light"}));
  EXPECT_FALSE(light.revision.tag_time.has_value());
  EXPECT_EQ(light.tag_times.at("light"), first_time_);
  EXPECT_EQ(light.tag_times.at("part1"), first_time_ + 86400);
}

TEST_F(LocalFetchTest, MissingRefNamesCandidatesAndWhatExists) {
  FetchError e = MustFail(Req(repo_->dir(), {"final", "submission"}));
  EXPECT_EQ(e.kind, FetchErrorKind::kRefMissing);
  for (const char* word : {"'final'", "'submission'", "part1", "light", "main",
                           "feature", repo_->dir().c_str()}) {
    EXPECT_NE(e.message.find(word), std::string::npos)
        << word << " in " << e.message;
  }
}

TEST_F(LocalFetchTest, DirectoryThatIsNoRepository) {
  const std::string dir = tmp_ / "plain";
  std::filesystem::create_directories(dir);
  FetchError e = MustFail(Req(dir, {"main"}));
  EXPECT_EQ(e.kind, FetchErrorKind::kNotARepository);
  EXPECT_NE(e.message.find(dir), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("not a git repository"), std::string::npos)
      << e.message;
}

TEST_F(LocalFetchTest, NonexistentPath) {
  const std::string dir = tmp_ / "nobody";
  FetchError e = MustFail(Req(dir, {"main"}));
  EXPECT_EQ(e.kind, FetchErrorKind::kNotARepository);
  EXPECT_NE(e.message.find(dir), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("No such file or directory"), std::string::npos)
      << e.message;
}

TEST_F(LocalFetchTest, SecondFetchSeesNewCommitMovedTagAndDeletedBranch) {
  const FetchRequest req = Req(repo_->dir(), {"main"});
  EXPECT_EQ(MustFetch(req).revision.commit, second_);
  EXPECT_EQ(MustFetch(Req(repo_->dir(), {"part1"})).revision.commit, first_);

  repo_->set_date(second_time_ + 3600);
  repo_->Write("listener.c", "int main(void) { return 1; }\n");
  const std::string third = repo_->Commit("third");
  repo_->Git({"tag", "-f", "-a", "part1", "-m", "moved"});
  repo_->Git({"branch", "-D", "feature"});

  Snapshot s = MustFetch(req);
  EXPECT_EQ(s.revision.commit, third);
  EXPECT_EQ(s.ReadFile("listener.c"), "int main(void) { return 1; }\n");
  EXPECT_EQ(MustFetch(Req(repo_->dir(), {"part1"})).revision.commit, third);
  EXPECT_EQ(MustFail(Req(repo_->dir(), {"feature"})).kind,
            FetchErrorKind::kRefMissing);
  // One mirror for the source, reused.
  int mirrors = 0;
  for (const auto& d : std::filesystem::directory_iterator(tmp_ / "cache")) {
    mirrors += d.is_directory();
  }
  EXPECT_EQ(mirrors, 1);
  EXPECT_TRUE(
      std::filesystem::is_directory(MirrorPath(tmp_ / "cache", repo_->dir())));
}

TEST_F(LocalFetchTest, ResolveReadsTheMirrorWithoutTheSource) {
  MustFetch(Req(repo_->dir(), {"main"}));
  std::filesystem::remove_all(repo_->dir());
  Snapshot s;
  FetchError e;
  ASSERT_TRUE(fetcher_->Resolve(Req(repo_->dir(), {"main"}), "part1", &s, &e))
      << e.message;
  EXPECT_EQ(s.revision.commit, first_);
  EXPECT_EQ(s.revision.ref, "part1");
}

TEST_F(LocalFetchTest, ConcurrentFetchesOfOneSourceShareTheMirror) {
  GitRepo other(tmp_ / "bob");
  other.Write("a.txt", "bob\n");
  const std::string bob_head = other.Commit("bob");
  constexpr int kThreads = 4;
  std::vector<Snapshot> snaps(kThreads);
  std::vector<FetchError> errs(kThreads);
  std::vector<char> ok(kThreads, 0);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    const FetchRequest req = Req(i % 2 ? other.dir() : repo_->dir(), {"main"});
    threads.emplace_back(
        [&, i, req] { ok[i] = fetcher_->Fetch(req, &snaps[i], &errs[i]); });
  }
  for (auto& t : threads) t.join();
  for (int i = 0; i < kThreads; ++i) {
    ASSERT_TRUE(ok[i]) << errs[i].message;
    EXPECT_EQ(snaps[i].revision.commit, i % 2 ? bob_head : second_);
  }
}

}  // namespace
}  // namespace ipc::fetch::testing
