// dd_insight: its plan (one box of the grader's own: the set-up, then the
// reference cat as the user, the assignment's way and from the repository
// folder, and the modes the probe sees), and its verdicts from hand-made
// observations of those steps.
#include <cerrno>
#include <csignal>
#include <string>
#include <vector>

#include "rubric_text.h"
#include "scoring_fixture.h"

namespace ipc::testing {
namespace {

using report::CheckStatus;

constexpr const char* kSetup =
    "useradd -m -U -G users -s /bin/bash -c ',,,' -K HOME_MODE=0700 garfield\n"
    "chgrp users ./litterbox && chown garfield ./litterbox && chmod g+rwx ./litterbox\n";

std::string Rubric(int points, const std::string& secret = "../secret.txt") {
  return RubricWithPrograms(R"(
parts:
  - {id: part1, title: Part 1, points: 1}
  - {id: part2, title: Part 2, points: )" + std::to_string(points) + R"(}
checks:
  - id: build
    part: part1
    title: make builds
    type: command
    points: 1
    run: [make]
  - id: dd_insight
    part: part2
    title: "Insight: is the DD protection real?"
    type: dd_insight
    points: )" + std::to_string(points) + R"(
    reference: cat
    user: garfield
    secret: ")" + secret + R"("
    legit: treasure.txt
    setup: |
      useradd -m -U -G users -s /bin/bash -c ',,,' -K HOME_MODE=0700 garfield
      chgrp users ./litterbox && chown garfield ./litterbox && chmod g+rwx ./litterbox
)");
}

constexpr const char* kEnoentSecret =
    "MEOW [Errno 2] No such file or directory: './litterbox/../secret.txt'\n";
constexpr const char* kEnoentTreasure =
    "MEOW [Errno 2] No such file or directory: './litterbox/treasure.txt'\n";
constexpr const char* kEaccesSecret =
    "MEOW [Errno 13] Permission denied: './litterbox/../secret.txt'\n";

protocol::PathStat Stat(const std::string& path, const std::string& type, int mode,
                        const std::string& user, const std::string& group) {
  protocol::PathStat st;
  st.path = path;
  st.exists = true;
  st.type = type;
  st.mode = mode;
  st.user = user;
  st.group = group;
  return st;
}

class DdInsightTest : public ::testing::Test, public ScoringFixture {
 protected:
  void Use(int points) {
    Load(Rubric(points));
    AddFile("litterbox/treasure.txt", "Treasure found!");
    AddFile("secret.txt", "Hey! This is a secret!");
    Exited("build/run", 0);
    ModelRun();
  }
  // The model solution, as the assignment's image shows it.
  void ModelRun() {
    Exited("dd_insight/setup", 0);
    Exited("dd_insight/home", 0, "garfield:x:1000:1000:,,,:/home/garfield:/bin/bash\n");
    Step("dd_insight/modes").stats = {Stat(".", "dir", 0755, "root", "root"),
                                      Stat("litterbox", "dir", 0775, "garfield", "users"),
                                      Stat("litterbox/treasure.txt", "file", 0644, "root", "root"),
                                      Stat("secret.txt", "file", 0644, "root", "root")};
    Exited("dd_insight/su-secret", 0, kEnoentSecret);
    Exited("dd_insight/su-legit", 0, kEnoentTreasure);
    Exited("dd_insight/repo-secret", 0, "Hey! This is a secret!\n");
    Exited("dd_insight/repo-legit", 0, "Treasure found!\n");
  }
  report::CheckResult Insight() { return Check(Score(), "dd_insight"); }
};

// ---- The plan ------------------------------------------------------------------

TEST_F(DdInsightTest, OneGraderBoxWithTheSetUpThenTheReferenceCatAsTheUserBothWays) {
  Use(0);
  const protocol::Box* box = PlannedBox("dd_insight/insight");
  ASSERT_NE(box, nullptr);
  EXPECT_EQ(box->from, protocol::kFromPristine);
  EXPECT_FALSE(protocol::HasStudentStep(*box)) << "the insight is about the set-up, not the cat";
  EXPECT_LT(BoxIndex("dd_insight/insight"), BoxIndex("build/run")) << "grader boxes first";
  ASSERT_EQ(box->files.size(), 2u);
  EXPECT_TRUE(box->files[0].if_missing);
  std::vector<std::string> ids;
  for (const auto& s : box->steps) {
    ids.push_back(s.id);
    EXPECT_FALSE(s.student) << s.id;
  }
  EXPECT_EQ(ids, (std::vector<std::string>{"dd_insight/setup", "dd_insight/home",
                                           "dd_insight/modes", "dd_insight/su-secret",
                                           "dd_insight/su-legit", "dd_insight/repo-secret",
                                           "dd_insight/repo-legit"}));
  EXPECT_EQ(box->steps[0].process.argv, (std::vector<std::string>{"bash", "-c", kSetup}));
  EXPECT_EQ(box->steps[0].process.user, "");
  EXPECT_EQ(box->steps[1].process.argv,
            (std::vector<std::string>{"getent", "passwd", "garfield"}));
  // The modes: the repository folder, the cat's folder, and both files as
  // the cat would open them (litterbox/../secret.txt is secret.txt).
  EXPECT_EQ(box->steps[2].kind, protocol::Step::Kind::kStat);
  EXPECT_EQ(box->steps[2].paths, (std::vector<std::string>{".", "litterbox",
                                                           "litterbox/treasure.txt", "secret.txt"}));
  const std::vector<std::string> cat = {"/opt/ipc-grader/ref-cat", "--folder=litterbox",
                                        "--refusal=MEOW"};
  const struct {
    const char* id;
    const char* stdin_data;
    bool login;
  } runs[] = {{"dd_insight/su-secret", "../secret.txt", true},
              {"dd_insight/su-legit", "treasure.txt", true},
              {"dd_insight/repo-secret", "../secret.txt", false},
              {"dd_insight/repo-legit", "treasure.txt", false}};
  for (const auto& run : runs) {
    const auto* s = Planned(run.id);
    ASSERT_NE(s, nullptr) << run.id;
    EXPECT_EQ(s->process.argv, cat) << run.id << ": the reference cat, never the student's";
    EXPECT_EQ(s->process.user, "garfield") << run.id;
    EXPECT_EQ(s->process.login_shell, run.login) << run.id;
    EXPECT_EQ(s->process.stdin_data, run.stdin_data) << run.id;
  }
}

// A rubric the grader accepts must plan a box the probe accepts: a stat
// path may not leave the workdir.
TEST(DdInsightPlan, ASecretOutsideTheRepositoryIsRefusedByTheRubricOrPlansAValidBox) {
  ScoringFixture f;
  try {
    f.rubric = ipc::testing::ParseTestRubric(Rubric(0, "../../etc/shadow"), "r.yaml");
    checks::ValidateChecks(f.rubric);
  } catch (const rubric::RubricError& e) {
    SUCCEED() << "refused: " << e.what();
    return;
  }
  EXPECT_NO_THROW(f.Replan(/*with_snapshot=*/false));
}

// ---- Verdicts ----------------------------------------------------------------------

TEST_F(DdInsightTest, ModelSolutionIsAnAccidentOfTheWorkingDirectoryAndLeaksFromTheRepository) {
  Use(0);
  const auto c = Insight();
  EXPECT_EQ(c.status, CheckStatus::kPass) << c.message;
  EXPECT_TRUE(c.insight);
  EXPECT_EQ(c.message.rfind("The protection is an accident of the working directory: the "
                            "assignment's DD test passes because `su -` moves garfield to "
                            "/home/garfield, where ./litterbox/../secret.txt does not exist "
                            "(ENOENT), not because garfield may not read it. From the repository "
                            "folder (/root), garfield reads the secret: secret.txt is -rw-r--r-- "
                            "root root (readable by everyone).",
                            0),
            0u)
      << c.message;
  EXPECT_TRUE(Has(c.message, "Legitimate reads: treasure.txt works from the repository folder; "
                             "under `su -` it is not found either (ENOENT), so the assignment's "
                             "way cannot read the litterbox at all."))
      << c.message;
  EXPECT_TRUE(Has(c.message, "`chmod o-r secret.txt`")) << c.message;
  EXPECT_TRUE(Has(c.message, "Modes after the set-up: the repository folder drwxr-xr-x root root; "
                             "litterbox drwxrwxr-x garfield users; litterbox/treasure.txt "
                             "-rw-r--r-- root root; secret.txt -rw-r--r-- root root."))
      << c.message;
  EXPECT_TRUE(Has(c.message, "(An insight for you and your instructor: not scored.)"))
      << c.message;
  EXPECT_EQ(c.student,
            "su -: ../secret.txt ENOENT, treasure.txt ENOENT; repository folder: ../secret.txt "
            "read, treasure.txt read");
}

TEST_F(DdInsightTest, EaccesFromTheRepositoryIsRealProtectionAndEarnsPointsWhenScored) {
  Use(1);
  Exited("dd_insight/repo-secret", 0, kEaccesSecret);
  Exited("dd_insight/su-secret", 0, kEaccesSecret);
  Step("dd_insight/modes").stats[3].mode = 0600;
  const auto c = Insight();
  EXPECT_EQ(c.status, CheckStatus::kPass) << c.message;
  EXPECT_EQ(c.score, 1);
  EXPECT_EQ(c.message.rfind("The protection is real: the kernel refuses garfield the secret "
                            "(EACCES) even from the repository folder.",
                            0),
            0u)
      << c.message;
  EXPECT_FALSE(Has(c.message, "chmod o-r")) << "no advice when it is real";
  EXPECT_TRUE(Has(c.message, "secret.txt -rw------- root root.")) << c.message;
}

TEST_F(DdInsightTest, WhenScoredALeakFails) {
  Use(1);
  const auto c = Insight();
  EXPECT_EQ(c.status, CheckStatus::kFail);
  EXPECT_EQ(c.score, 0);
  EXPECT_FALSE(Has(c.message, "not scored")) << c.message;
  EXPECT_FALSE(Has(c.message, "Reported, not graded")) << c.message;
}

TEST_F(DdInsightTest, ReadableBothWaysIsNoProtection) {
  Use(0);
  Exited("dd_insight/su-secret", 0, "Hey! This is a secret!\n");
  Exited("dd_insight/su-legit", 0, "Treasure found!\n");
  const auto c = Insight();
  EXPECT_EQ(c.message.rfind("There is no protection: garfield reads the secret both ways "
                            "(secret.txt is -rw-r--r-- root root (readable by everyone)). "
                            "Legitimate reads: treasure.txt works from the repository folder and "
                            "under `su -`.",
                            0),
            0u)
      << c.message;
}

TEST_F(DdInsightTest, ASecretThatIsNotThereHasNothingToProtect) {
  Use(0);
  Exited("dd_insight/repo-secret", 0, kEnoentSecret);
  const auto c = Insight();
  EXPECT_TRUE(Has(c.message, "Nothing to protect: secret.txt does not exist in the repository "
                             "(ENOENT from the repository folder too)"))
      << c.message;
}

TEST_F(DdInsightTest, ARefusalThatIsNotAboutPermissionsIsQuoted) {
  Use(1);
  Exited("dd_insight/repo-secret", 0, "MEOW Sandbox escaped!\n");
  const auto c = Insight();
  EXPECT_EQ(c.status, CheckStatus::kFail);
  EXPECT_TRUE(Has(c.message, "From the repository folder, the secret is refused, but not by "
                             "permissions: 'MEOW Sandbox escaped!'."))
      << c.message;
}

TEST_F(DdInsightTest, ASetUpThatCannotRunBecauseTheFolderIsMissingIsReportedNotGraded) {
  Use(0);
  snapshot = {};
  AddFile("secret.txt");
  Exited("dd_insight/setup", 1).process.stderr_data =
      "chgrp: cannot access './litterbox': No such file or directory\n";
  const auto raw = Judge("dd_insight");
  EXPECT_EQ(raw.status, CheckStatus::kFail);
  EXPECT_EQ(raw.message,
            "The DD set-up cannot run: there is no litterbox/ folder in the repository, so there "
            "is nothing for garfield to be confined to (chgrp: cannot access './litterbox': No "
            "such file or directory).");
  // Worth 0 points: the scorer reports it, it does not fail it.
  const auto c = Insight();
  EXPECT_EQ(c.status, CheckStatus::kPass);
  EXPECT_EQ(c.message, "Reported, not graded: " + raw.message);
  EXPECT_TRUE(Has(c.output, "chgrp: cannot access")) << c.output;
}

TEST_F(DdInsightTest, ASetUpThatFailsWithTheFolderPresentSaysHowItFailed) {
  Use(1);
  Exited("dd_insight/setup", 4).process.stderr_data = "useradd: group 'users' does not exist\n";
  const auto c = Insight();
  EXPECT_EQ(c.status, CheckStatus::kFail);
  EXPECT_EQ(c.message, "The DD set-up failed (exit 4): useradd: group 'users' does not exist");
}

TEST_F(DdInsightTest, GraderSideFailuresAreErrorsEvenForAnInsight) {
  Use(0);
  // su itself failing is the image's problem, not the student's.
  Exited("dd_insight/su-legit", 1).process.stderr_data = "su: Authentication failure\n";
  auto c = Insight();
  EXPECT_EQ(c.status, CheckStatus::kError);
  EXPECT_EQ(c.message,
            "running the reference cat as garfield (su-legit) failed with exit 1: su: "
            "Authentication failure");
  Exited("dd_insight/su-legit", 0, kEnoentTreasure);
  // A set-up that hung.
  auto& setup = Killed("dd_insight/setup", SIGKILL);
  setup.process.timed_out = true;
  setup.process.wall_s = 30;
  c = Insight();
  EXPECT_EQ(c.status, CheckStatus::kError);
  EXPECT_EQ(c.message.rfind("the DD set-up timed out after 30.0 s", 0), 0u) << c.message;
  // A run missing from the report.
  Exited("dd_insight/setup", 0).process.timed_out = false;
  Forget("dd_insight/repo-legit");
  c = Insight();
  EXPECT_EQ(c.status, CheckStatus::kError);
  EXPECT_TRUE(Has(c.message, "the probe did not report this step")) << c.message;
}

}  // namespace
}  // namespace ipc::testing
