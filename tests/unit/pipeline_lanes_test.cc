// Lanes: one submission's plan spread over several containers. The split
// must keep what each step sees (its sandbox's source, the replayed build)
// and the merge must give scoring the same report as one container would.
// GradeOne with several lanes over a fake engine: pipeline_test.cc.
#include <gtest/gtest.h>

#include <algorithm>

#include "pipeline/lanes.h"
#include "protocol/probe_protocol.h"

namespace ipc::pipeline {
namespace {

using protocol::Step;

Step Shared(const std::string& id, int group) {
  Step s;
  s.id = id;
  s.group = group;
  s.process.argv = {"true"};
  return s;
}

Step Alone(const std::string& id, int group, const std::string& sandbox,
           const std::string& from = "") {
  Step s = Shared(id, group);
  s.sandbox = sandbox;
  s.sandbox_from = from;
  s.fresh_users = true;
  s.at_workdir = true;
  return s;
}

std::vector<std::string> Ids(const protocol::Plan& plan) {
  std::vector<std::string> ids;
  for (const auto& s : plan.steps) ids.push_back(s.id);
  return ids;
}

double One(const Step&) { return 1; }

// make (group 0), a signal-like step on the workdir (1), a sandboxed matrix
// that shares its sandbox with a non-fresh set-up (1, 2), two adequacy-like
// units copied from the workdir (3) and a CI-like job from a tag (10).
protocol::Plan Sample() {
  protocol::Plan p;
  p.nonce = "n";
  p.extra_trees = {"part1", "unused"};
  p.steps.push_back(Shared("build/run", 0));
  p.steps.push_back(Shared("sig/student", 1));
  Step setup = Shared("cat/setup", 1);
  setup.sandbox = "cat";
  p.steps.push_back(setup);
  Step matrix = Shared("cat/case", 2);
  matrix.sandbox = "cat";
  p.steps.push_back(matrix);
  p.steps.push_back(Alone("adq/ref", 3, "adq.ref"));
  p.steps.push_back(Alone("adq/mut", 3, "adq.mut"));
  p.steps.push_back(Alone("ci/job", 10, "ci", "tree:part1"));
  return p;
}

TEST(SplitPlan, OneLaneIsThePlanUnchanged) {
  const auto p = Sample();
  for (int max : {0, 1}) {
    const auto lanes = SplitPlan(p, max, One);
    ASSERT_EQ(lanes.size(), 1u);
    EXPECT_EQ(lanes[0].plan, p);
    EXPECT_EQ(lanes[0].owned, std::vector<bool>(p.steps.size(), true));
  }
}

TEST(SplitPlan, NothingMovableStaysInOneContainer) {
  protocol::Plan p = Sample();
  p.steps.resize(4);  // no fresh_users unit left
  EXPECT_EQ(SplitPlan(p, 3, One).size(), 1u);
}

TEST(SplitPlan, FreshUserUnitsMoveAndReplayTheBuildTheyCopy) {
  const auto p = Sample();
  // The two adequacy units copy the workdir: placed first, they share
  // lane 1 (in lane 2 the second would end at 1 + a replay of weight 2,
  // charged twice: 5 > 2 + 2); the CI job (weight 4) then fits in lane 2.
  const auto lanes = SplitPlan(p, 3, [](const Step& s) { return s.id == "ci/job" ? 4.0 : 1.0; });
  ASSERT_EQ(lanes.size(), 3u);
  // Lane 0: everything that does not move, the shared sandbox included.
  EXPECT_EQ(Ids(lanes[0].plan),
            (std::vector<std::string>{"build/run", "sig/student", "cat/setup", "cat/case"}));
  EXPECT_EQ(lanes[0].owned, std::vector<bool>(4, true));
  EXPECT_TRUE(lanes[0].plan.extra_trees.empty()) << "lane 0 copies from no tree";
  // Lane 1: both adequacy units, after a replay of the workdir steps of the
  // groups before theirs (build and the signal step), not owned.
  EXPECT_EQ(Ids(lanes[1].plan),
            (std::vector<std::string>{"build/run", "sig/student", "adq/ref", "adq/mut"}));
  EXPECT_EQ(lanes[1].owned, (std::vector<bool>{false, false, true, true}));
  EXPECT_TRUE(lanes[1].plan.extra_trees.empty());
  // Lane 2: the CI job from the tag: no replay, and only its tree shipped.
  EXPECT_EQ(Ids(lanes[2].plan), (std::vector<std::string>{"ci/job"}));
  EXPECT_EQ(lanes[2].plan.extra_trees, (std::vector<std::string>{"part1"}));
  // Every step is owned by exactly one lane; each lane plan is valid.
  std::vector<std::string> owned;
  for (const auto& lane : lanes) {
    EXPECT_NO_THROW(protocol::ValidatePlan(lane.plan));
    for (std::size_t i = 0; i < lane.plan.steps.size(); ++i) {
      if (lane.owned[i]) owned.push_back(lane.plan.steps[i].id);
    }
  }
  std::sort(owned.begin(), owned.end());
  auto all = Ids(p);
  std::sort(all.begin(), all.end());
  EXPECT_EQ(owned, all);
}

TEST(SplitPlan, UnitsNeedingTheBuildSpreadWhenTheBalanceIsWorthAReplay) {
  protocol::Plan p = Sample();
  // Heavy adequacy units (weight 10 each): one lane for both would end at
  // 22, a second lane at 14 even with its replay charged twice: they spread.
  const auto lanes = SplitPlan(p, 4, [](const Step& s) {
    return s.id.rfind("adq/", 0) == 0 ? 10.0 : 1.0;
  });
  ASSERT_EQ(lanes.size(), 4u);
  EXPECT_EQ(Ids(lanes[1].plan), (std::vector<std::string>{"build/run", "sig/student", "adq/ref"}));
  EXPECT_EQ(Ids(lanes[2].plan), (std::vector<std::string>{"build/run", "sig/student", "adq/mut"}));
  EXPECT_EQ(Ids(lanes[3].plan), (std::vector<std::string>{"ci/job"}));
}

TEST(SplitPlan, NeverMoreLanesThanUnitsPlusOne) {
  const auto lanes = SplitPlan(Sample(), 8, One);
  EXPECT_EQ(lanes.size(), 4u);  // lane 0 + three units
}

TEST(SplitPlan, AUnitWithAStepThatKeepsTheUserDatabaseStays) {
  protocol::Plan p = Sample();
  // adq.ref's unit gets a second step that does not reset the user
  // database: it would see what earlier steps did to it, so it stays.
  Step extra = Alone("adq/ref-again", 4, "adq.ref");
  extra.fresh_users = false;
  p.steps.push_back(extra);
  const auto lanes = SplitPlan(p, 8, One);
  const auto ids0 = Ids(lanes[0].plan);
  EXPECT_NE(std::find(ids0.begin(), ids0.end(), "adq/ref"), ids0.end());
  EXPECT_NE(std::find(ids0.begin(), ids0.end(), "adq/ref-again"), ids0.end());
  EXPECT_EQ(lanes.size(), 3u);  // adq.mut and ci move
}

TEST(SplitPlan, TheSamePlanSplitsTheSameWay) {
  const auto a = SplitPlan(Sample(), 3, One);
  const auto b = SplitPlan(Sample(), 3, One);
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t k = 0; k < a.size(); ++k) EXPECT_EQ(a[k].plan, b[k].plan);
}

protocol::Report Answer(const protocol::Plan& plan, const std::string& tag) {
  protocol::Report r;
  for (const auto& s : plan.steps) {
    protocol::StepResult sr;
    sr.id = s.id;
    sr.process.stdout_data = tag;
    r.steps.push_back(sr);
  }
  return r;
}

TEST(MergeReports, PlanOrderAndEachStepFromTheLaneThatOwnsIt) {
  const auto p = Sample();
  const auto lanes = SplitPlan(p, 3, One);
  std::vector<protocol::Report> reports;
  for (std::size_t k = 0; k < lanes.size(); ++k) {
    reports.push_back(Answer(lanes[k].plan, "lane" + std::to_string(k)));
  }
  reports[2].probe_error = "boom";
  const auto merged = MergeReports(p, lanes, reports);
  ASSERT_EQ(merged.steps.size(), p.steps.size());
  for (std::size_t i = 0; i < p.steps.size(); ++i) EXPECT_EQ(merged.steps[i].id, p.steps[i].id);
  // build/run ran in lanes 0 and 2: the graded one is lane 0's.
  EXPECT_EQ(merged.steps[0].process.stdout_data, "lane0");
  EXPECT_NE(merged.steps[4].process.stdout_data, "lane0") << "adq/ref moved";
  EXPECT_EQ(merged.probe_error, "container 3: boom");
}

}  // namespace
}  // namespace ipc::pipeline
