// ValidatePlan (plan_rules.cc): the rules that span fields and boxes, as
// the grader applies them to a plan it built in memory and as the probe
// applies them through PlanFromJson. Each rule is shown by the smallest
// change to an otherwise valid plan, with the exact message.
#include "protocol/box_layout.h"
#include "protocol_test_support.h"

namespace ipc::protocol {
namespace {

using nlohmann::json;
using testing::PlanError;
using testing::RuleError;
using testing::SamplePlan;

Step StudentStep(const std::string& id) {
  Step s;
  s.id = id;
  s.process.argv = {"./listener"};
  return s;
}

Step GraderStep(const std::string& id) {
  Step s = StudentStep(id);
  s.student = false;
  return s;
}

Box BoxOf(const std::string& id, std::vector<Step> steps) {
  Box b;
  b.id = id;
  b.steps = std::move(steps);
  return b;
}

TEST(PlanRules, TheSamplePlanIsValidInMemoryAndAfterDecoding) {
  EXPECT_EQ(RuleError([](Plan&) {}), "(accepted)");
  EXPECT_EQ(PlanError([](json&) {}), "(accepted)");
}

TEST(PlanRules, PlanFromJsonAppliesTheRules) {
  EXPECT_EQ(PlanError([](json& j) { j["boxes"][1]["attempts"] = 0; }),
            "boxes[1].attempts: must be 1 to 10, got 0");
}

TEST(PlanRules, WorkdirSystemDirsAndDeadline) {
  EXPECT_EQ(RuleError([](Plan& p) { p.workdir = "root"; }),
            "workdir: expected an absolute path below /, got 'root'");
  EXPECT_EQ(RuleError([](Plan& p) { p.workdir = "/"; }),
            "workdir: expected an absolute path below /, got '/'");
  EXPECT_EQ(RuleError([](Plan& p) { p.system_dirs[1] = "tmp"; }),
            "system_dirs[1]: expected an absolute path below /, got 'tmp'");
  // Putting back a system folder must never touch the box's tree, nor the
  // reverse.
  EXPECT_EQ(RuleError([](Plan& p) { p.system_dirs[1] = "/root/tmp"; }),
            "system_dirs[1]: '/root/tmp' overlaps the workdir '/root'");
  EXPECT_EQ(RuleError([](Plan& p) { p.workdir = "/tmp/work"; }),
            "system_dirs[1]: '/tmp' overlaps the workdir '/tmp/work'");
  EXPECT_EQ(RuleError([](Plan& p) { p.system_dirs[1] = "/root"; }),
            "system_dirs[1]: '/root' overlaps the workdir '/root'");
  EXPECT_EQ(RuleError([](Plan& p) { p.system_dirs[1] = "/rootfs"; }), "(accepted)");
  EXPECT_EQ(RuleError([](Plan& p) { p.system_dirs[2] = "/etc"; }),
            "system_dirs[2]: duplicate '/etc'");
  EXPECT_EQ(RuleError([](Plan& p) { p.deadline_s = -1; }), "deadline_s: must not be negative");
  EXPECT_EQ(RuleError([](Plan& p) { p.deadline_s = 0; }), "(accepted)");
}

TEST(PlanRules, TheGradersOwnLayoutIsAValidPlan) {
  // What grade.cc sends: the workdir apart from every system folder.
  EXPECT_EQ(RuleError([](Plan& p) { p.system_dirs = SystemDirs(); }), "(accepted)");
}

TEST(PlanRules, ExtraTreesAreNamedOnceEach) {
  EXPECT_EQ(RuleError([](Plan& p) { p.extra_trees[1] = "part1"; }),
            "extra_trees[1]: duplicate tree 'part1' (the probe would read one tar too many)");
  EXPECT_EQ(RuleError([](Plan& p) { p.extra_trees[1] = ""; }), "extra_trees[1]: must not be empty");
  EXPECT_EQ(RuleError([](Plan& p) { p.extra_trees[1] = std::string("a\0b", 3); }),
            "extra_trees[1]: contains a NUL byte");
}

TEST(PlanRules, BoxIdsAndStepIdsAreUniqueAcrossThePlan) {
  EXPECT_EQ(RuleError([](Plan& p) { p.boxes[2].id = "setup"; }),
            "boxes[2].id: duplicate id 'setup' (first at boxes[0])");
  EXPECT_EQ(RuleError([](Plan& p) { p.boxes[1].id = ""; }), "boxes[1].id: must not be empty");
  // Step ids are the report's keys: unique in the plan, not only the box.
  EXPECT_EQ(RuleError([](Plan& p) { p.boxes[2].steps[1].id = "build/run"; }),
            "boxes[2].steps[1].id: duplicate id 'build/run' (first at boxes[0].steps[0])");
  EXPECT_EQ(RuleError([](Plan& p) { p.boxes[2].steps[1].id = "listener/student-pty"; }),
            "boxes[2].steps[1].id: duplicate id 'listener/student-pty' (first at "
            "boxes[2].steps[0])");
  EXPECT_EQ(RuleError([](Plan& p) { p.boxes[1].steps[0].id = ""; }),
            "boxes[1].steps[0].id: must not be empty");
  EXPECT_EQ(RuleError([](Plan& p) { p.boxes[1].steps.clear(); }),
            "boxes[1].steps: a box needs at least one step");
}

TEST(PlanRules, AttemptsAreOneToTen) {
  EXPECT_EQ(RuleError([](Plan& p) { p.boxes[1].attempts = 0; }),
            "boxes[1].attempts: must be 1 to 10, got 0");
  EXPECT_EQ(RuleError([](Plan& p) { p.boxes[1].attempts = -2; }),
            "boxes[1].attempts: must be 1 to 10, got -2");
  EXPECT_EQ(RuleError([](Plan& p) { p.boxes[1].attempts = 11; }),
            "boxes[1].attempts: must be 1 to 10, got 11");
  EXPECT_EQ(RuleError([](Plan& p) { p.boxes[1].attempts = 10; }), "(accepted)");
}

TEST(PlanRules, FromIsPristineAKnownTreeOrAnEarlierSavedBox) {
  EXPECT_EQ(RuleError([](Plan& p) { p.boxes[1].from = FromTree("final"); }),
            "boxes[1].from: tree 'final' is not in extra_trees (the probe gets no tar for it)");
  EXPECT_EQ(RuleError([](Plan& p) { p.boxes[1].from = "tree:"; }),
            "boxes[1].from: tree '' is not in extra_trees (the probe gets no tar for it)");
  EXPECT_EQ(RuleError([](Plan& p) { p.boxes[1].from = FromTree("refs/heads/odd name"); }),
            "(accepted)");
  EXPECT_EQ(RuleError([](Plan& p) { p.boxes[1].from = "Pristine"; }),
            "boxes[1].from: expected \"pristine\", \"tree:NAME\" or \"box:ID\", got 'Pristine'");
  EXPECT_EQ(RuleError([](Plan& p) { p.boxes[1].from = ""; }),
            "boxes[1].from: expected \"pristine\", \"tree:NAME\" or \"box:ID\", got ''");
  // A box starts from what an earlier box left, never a later one or itself.
  EXPECT_EQ(RuleError([](Plan& p) { p.boxes[1].from = FromBox("listener"); }),
            "boxes[1].from: box 'listener' is not an earlier box of the plan");
  EXPECT_EQ(RuleError([](Plan& p) {
              p.boxes[1].from = FromBox("cat");
              p.boxes[1].save = true;
            }),
            "boxes[1].from: box 'cat' is not an earlier box of the plan");
  EXPECT_EQ(RuleError([](Plan& p) { p.boxes[1].from = FromBox("nowhere"); }),
            "boxes[1].from: box 'nowhere' is not an earlier box of the plan");
  EXPECT_EQ(RuleError([](Plan& p) { p.boxes[0].save = false; }),
            "boxes[2].from: box 'setup' does not save what it leaves (save: false)");
  // A saved student box may be the start of a later one.
  EXPECT_EQ(RuleError([](Plan& p) {
              p.boxes[1].save = true;
              p.boxes[2].from = FromBox("cat");
            }),
            "(accepted)");
}

TEST(PlanRules, FilePathsStayInsideTheWorkdir) {
  auto path_error = [](const std::string& path) {
    return RuleError([&](Plan& p) { p.boxes[1].files[0].path = path; });
  };
  EXPECT_EQ(path_error("../listener"), "boxes[1].files[0].path: '../listener' has a '..' component");
  EXPECT_EQ(path_error("a/../../b"), "boxes[1].files[0].path: 'a/../../b' has a '..' component");
  EXPECT_EQ(path_error("/root/listener"),
            "boxes[1].files[0].path: '/root/listener' is absolute (expected a path relative to "
            "the workdir)");
  EXPECT_EQ(path_error(""), "boxes[1].files[0].path: must not be empty");
  EXPECT_EQ(path_error("a//b"), "boxes[1].files[0].path: 'a//b' has an empty or '.' component");
  EXPECT_EQ(path_error("./a"), "boxes[1].files[0].path: './a' has an empty or '.' component");
  EXPECT_EQ(path_error("dir/"), "boxes[1].files[0].path: 'dir/' has an empty or '.' component");
  EXPECT_EQ(path_error("..."), "(accepted)");  // a name, not a walk upwards
  EXPECT_EQ(RuleError([](Plan& p) { p.boxes[1].files[1].mode = 04755; }),
            "boxes[1].files[1].mode: expected permission bits 0..0777, got 2541");
  EXPECT_EQ(RuleError([](Plan& p) { p.boxes[1].files[1].mode = -1; }),
            "boxes[1].files[1].mode: expected permission bits 0..0777, got -1");
}

TEST(PlanRules, StatStepsAndOnlyThemHavePathsInsideTheWorkdir) {
  EXPECT_EQ(RuleError([](Plan& p) { p.boxes[1].steps[1].paths.clear(); }),
            "boxes[1].steps[1].paths: a stat step needs paths");
  EXPECT_EQ(RuleError([](Plan& p) { p.boxes[1].steps[1].paths[1] = "../etc/shadow"; }),
            "boxes[1].steps[1].paths[1]: '../etc/shadow' has a '..' component");
  EXPECT_EQ(RuleError([](Plan& p) { p.boxes[1].steps[1].paths[1] = "/etc/shadow"; }),
            "boxes[1].steps[1].paths[1]: '/etc/shadow' is absolute (expected a path relative to "
            "the workdir)");
  EXPECT_EQ(RuleError([](Plan& p) { p.boxes[1].steps[0].paths = {"a"}; }),
            "boxes[1].steps[0].paths: only stat steps have paths");
}

TEST(PlanRules, OnlyExecStepsAsRootAreTracedAndWatchPathsStayInside) {
  EXPECT_EQ(RuleError([](Plan& p) { p.boxes[2].steps[0].watch = {"listener"}; }),
            "boxes[2].steps[0].watch: only exec steps can be traced");
  EXPECT_EQ(RuleError([](Plan& p) { p.boxes[2].steps[1].process.user = "garfield"; }),
            "boxes[2].steps[1].watch: a traced step runs as root (the tracer must be able to "
            "trace it)");
  EXPECT_EQ(RuleError([](Plan& p) { p.boxes[2].steps[1].watch[1] = "../run.sh"; }),
            "boxes[2].steps[1].watch[1]: '../run.sh' has a '..' component");
  EXPECT_EQ(RuleError([](Plan& p) { p.boxes[2].steps[1].watch[0] = "/root/tests/run.sh"; }),
            "boxes[2].steps[1].watch[0]: '/root/tests/run.sh' is absolute (expected a path "
            "relative to the workdir)");
}

TEST(PlanRules, GraderOnlyBoxesComeBeforeTheFirstStudentBox) {
  // After student code has run, no box may hold only the grader's steps:
  // a reference observation must never depend on what a student did.
  Plan plan;
  plan.nonce = "n";
  plan.workdir = "/w";
  plan.boxes = {BoxOf("ref", {GraderStep("ref/run")}), BoxOf("student", {StudentStep("st/run")}),
                BoxOf("ref-late", {GraderStep("ref/late")})};
  try {
    ValidatePlan(plan);
    ADD_FAILURE() << "accepted";
  } catch (const ProtocolError& e) {
    EXPECT_STREQ(e.what(),
                 "boxes[2]: box 'ref-late' runs only grader steps after boxes[1] ran student code "
                 "(grader boxes come first)");
  }
  // A box mixing both counts as a student box, and may follow one.
  plan.boxes[2].steps.push_back(StudentStep("st/late"));
  EXPECT_NO_THROW(ValidatePlan(plan));
  // A box of stat steps only runs no program at all: a grader box.
  Step stat;
  stat.id = "stat";
  stat.kind = Step::Kind::kStat;
  stat.paths = {"."};
  plan.boxes.push_back(BoxOf("stat", {stat}));
  EXPECT_THROW(ValidatePlan(plan), ProtocolError);
  const Box stat_box = plan.boxes.back();
  plan.boxes.pop_back();
  plan.boxes.insert(plan.boxes.begin(), stat_box);
  EXPECT_NO_THROW(ValidatePlan(plan));
}

TEST(PlanRules, HasStudentStepCountsProgramsOfTheSubmissionOnly) {
  EXPECT_TRUE(HasStudentStep(BoxOf("b", {StudentStep("a")})));
  EXPECT_FALSE(HasStudentStep(BoxOf("b", {GraderStep("a")})));
  EXPECT_TRUE(HasStudentStep(BoxOf("b", {GraderStep("a"), StudentStep("c")})));
  Step stat;
  stat.id = "s";
  stat.kind = Step::Kind::kStat;
  stat.paths = {"."};
  ASSERT_TRUE(stat.student);  // the default...
  EXPECT_FALSE(HasStudentStep(BoxOf("b", {stat})));  // ...but nothing of the student's runs
  Step sig = StudentStep("sig");
  sig.kind = Step::Kind::kSignal;
  sig.signal = SIGUSR1;
  EXPECT_TRUE(HasStudentStep(BoxOf("b", {sig})));
}

TEST(BoxFrom, SpellingsRoundTrip) {
  EXPECT_EQ(FromTree("part1"), "tree:part1");
  EXPECT_EQ(FromBox("setup"), "box:setup");
  EXPECT_EQ(TreeOfFrom(FromTree("refs/heads/a:b")), "refs/heads/a:b");
  EXPECT_EQ(BoxOfFrom(FromBox("x")), "x");
  EXPECT_EQ(TreeOfFrom(kFromPristine), std::nullopt);
  EXPECT_EQ(BoxOfFrom(kFromPristine), std::nullopt);
  EXPECT_EQ(TreeOfFrom(FromBox("x")), std::nullopt);
  EXPECT_EQ(BoxOfFrom(FromTree("x")), std::nullopt);
}

TEST(BoxLayout, TheProbePutsBackEveryWritableMountAndTheEnginesOwn) {
  std::vector<std::string> want;
  for (const auto& m : WritableMounts()) want.push_back(m.path);
  want.insert(want.end(), {"/dev", "/dev/shm", "/dev/mqueue"});
  EXPECT_EQ(SystemDirs(), want);
  // /etc starts with the image's users (adduser changes it); the others
  // start empty.
  for (const auto& m : WritableMounts()) EXPECT_EQ(m.image_content, m.path == "/etc") << m.path;
}

TEST(BoxLayout, WritableByStepIsTheWorkdirTheSystemFoldersAndRelativePaths) {
  EXPECT_TRUE(WritableByStep("/root", "/root"));
  EXPECT_TRUE(WritableByStep("/root/bin", "/root"));
  EXPECT_TRUE(WritableByStep("bin", "/root"));
  EXPECT_TRUE(WritableByStep("", "/root"));
  EXPECT_TRUE(WritableByStep("/tmp/x", "/root"));
  EXPECT_TRUE(WritableByStep("/dev/shm", "/root"));
  EXPECT_TRUE(WritableByStep("/etc", "/root"));
  EXPECT_FALSE(WritableByStep("/rootfs/bin", "/root"));  // a prefix, not a folder below
  EXPECT_FALSE(WritableByStep("/usr/bin", "/root"));
  EXPECT_FALSE(WritableByStep("/opt/ipc-grader", "/root"));
  EXPECT_FALSE(WritableByStep("/etcetera", "/root"));
  EXPECT_TRUE(WritableByStep("/srv/work/x", "/srv/work"));
}

}  // namespace
}  // namespace ipc::protocol
