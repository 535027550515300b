// The final submission's tag, end to end on the host: the project rubric's
// `ref: {newest_tag_except: [part1], fallback: [HEAD]}` resolved by the real
// fetcher in real repositories made with the git CLI, then judged by the
// rubric's `tags` check (final_tag: true) and the late policy.
#include <gtest/gtest.h>

#include <memory>

#include "fetch/fetcher.h"
#include "scoring_fixture.h"
#include "unit/fetch_git_helpers.h"

namespace ipc::testing {
namespace {

using fetch::testing::GitRepo;
using fetch::testing::TempDir;
using report::CheckStatus;

constexpr std::int64_t kDay = 86400;

class FinalTag : public ::testing::Test, public ScoringFixture {
 protected:
  void SetUp() override {
    LoadRubricFile("ipc-project.yaml");
    repo_ = std::make_unique<GitRepo>(tmp_ / "alice");
    repo_->Write("listener.c", "int main(void) { return 0; }\n");
    first_ = repo_->Commit("part 1");
    start_ = repo_->date();
    repo_->set_date(start_ + kDay);
    repo_->Git({"tag", "-a", "part1", "-m", "part 1 done"});
    repo_->set_date(start_ + 2 * kDay);
    repo_->Write("cat.py", "print()\n");
    second_ = repo_->Commit("part 2");
  }
  // Fetches the repository as the grader does for this rubric, into
  // `snapshot`.
  void Fetch() {
    fetch::FetchRequest req;
    req.source = repo_->dir();
    req.refs = rubric.refs;
    req.cache_dir = tmp_ / "cache";
    req.timeout_s = 60;
    fetch::FetchError err;
    snapshot = {};
    ASSERT_TRUE(fetcher_->Fetch(req, &snapshot, &err)) << err.message;
  }
  void Tag(const std::string& name, std::int64_t at, const std::string& commit = "") {
    repo_->set_date(at);
    std::vector<std::string> args = {"tag", "-a", name, "-m", name};
    if (!commit.empty()) args.push_back(commit);
    repo_->Git(args);
  }
  TempDir tmp_;
  std::unique_ptr<GitRepo> repo_;
  std::unique_ptr<fetch::Fetcher> fetcher_ = fetch::MakeGitFetcher();
  std::string first_, second_;
  std::int64_t start_ = 0;
};

TEST_F(FinalTag, TheRubricAsksForTheNewestTagOtherThanPart1ThenTheDefaultBranch) {
  EXPECT_EQ(rubric.refs, (std::vector<std::string>{"newest-tag-except:part1", "HEAD"}));
  EXPECT_EQ(rubric.part_tags, std::vector<std::string>{"part1"});
}

TEST_F(FinalTag, ATagOnTheSubmissionIsGradedAndPassesTheTagsCheck) {
  Tag("submission", start_ + 3 * kDay);
  ASSERT_NO_FATAL_FAILURE(Fetch());
  EXPECT_EQ(snapshot.revision.ref, "submission");
  EXPECT_EQ(snapshot.revision.ref_kind, "tag");
  EXPECT_EQ(snapshot.revision.commit, second_);
  EXPECT_EQ(snapshot.revision.why, "the newest tag other than part1");
  const auto o = Judge("tags");
  EXPECT_EQ(o.status, CheckStatus::kPass) << o.message;
  EXPECT_EQ(o.fraction, 1);
  EXPECT_EQ(o.message, "Graded tag submission (the newest tag other than part1).");
  EXPECT_EQ(o.student, "part1: present; final submission: tag submission");
  // Lateness is judged by that tag's own date.
  const auto r = Score();
  EXPECT_EQ(r.late.time_used, "tag");
  EXPECT_EQ(r.late.submitted_at, start_ + 3 * kDay);
  EXPECT_EQ(Check(r, "tags").score, 0.5);
}

TEST_F(FinalTag, NoTagButPart1GradesTheDefaultBranchAndCostsTheFinalTagsShare) {
  ASSERT_NO_FATAL_FAILURE(Fetch());
  EXPECT_EQ(snapshot.revision.ref, "main");
  EXPECT_EQ(snapshot.revision.ref_kind, "branch");
  EXPECT_EQ(snapshot.revision.commit, second_);
  EXPECT_EQ(snapshot.revision.why, "no tag other than part1, so the default branch");
  const auto o = Judge("tags");
  EXPECT_EQ(o.status, CheckStatus::kFail);
  EXPECT_EQ(o.fraction, 0.5) << "part1 is there";
  EXPECT_EQ(o.message,
            "no tag on the final submission: tag the commit you hand in (`git tag -a NAME` with "
            "any name other than part1) and push it. Graded branch main (no tag other than "
            "part1, so the default branch).");
  EXPECT_EQ(Check(Score(), "tags").score, 0.25);
}

TEST_F(FinalTag, Part1IsNeverTheFinalTagEvenWhenItIsTheNewest) {
  Tag("final", start_ + 3 * kDay);
  repo_->Git({"tag", "-d", "part1"});
  Tag("part1", start_ + 4 * kDay, second_);
  ASSERT_NO_FATAL_FAILURE(Fetch());
  EXPECT_EQ(snapshot.revision.ref, "final");
  EXPECT_EQ(Judge("tags").status, CheckStatus::kPass);
}

TEST_F(FinalTag, TheNewestByTheTagsOwnDateWinsNotTheNewestCommitOrName) {
  Tag("z-old", start_ + 3 * kDay);            // on the newest commit, tagged first
  Tag("a-resubmit", start_ + 5 * kDay, first_);  // an older commit, tagged last
  ASSERT_NO_FATAL_FAILURE(Fetch());
  EXPECT_EQ(snapshot.revision.ref, "a-resubmit");
  EXPECT_EQ(snapshot.revision.commit, first_);
  // A tie goes to the greater name.
  Tag("b-tie", start_ + 5 * kDay);
  ASSERT_NO_FATAL_FAILURE(Fetch());
  EXPECT_EQ(snapshot.revision.ref, "b-tie");
}

TEST_F(FinalTag, AMissingPart1AndNoFinalTagScoresNothing) {
  repo_->Git({"tag", "-d", "part1"});
  ASSERT_NO_FATAL_FAILURE(Fetch());
  const auto o = Judge("tags");
  EXPECT_EQ(o.status, CheckStatus::kFail);
  EXPECT_EQ(o.fraction, 0);
  EXPECT_EQ(o.message.rfind("tag 'part1' is missing: create it with `git tag -a part1 <commit>` "
                            "and push it with `git push origin part1`; no tag on the final "
                            "submission",
                            0),
            0u)
      << o.message;
  EXPECT_TRUE(Has(o.message, "Graded branch main (no tag other than part1, so the default "
                             "branch)."))
      << o.message;
}

}  // namespace
}  // namespace ipc::testing
