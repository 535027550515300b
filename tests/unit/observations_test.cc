// Reuse of observations (pipeline/observations.h): which boxes a key ties
// to which inputs, what a store trusts, and which boxes must run again.
#include "pipeline/observations.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "util/fs.h"

namespace ipc::pipeline {
namespace {

namespace fs = std::filesystem;
using protocol::Box;
using protocol::Plan;
using protocol::Step;
using protocol::StepResult;

Step Exec(const std::string& id, std::vector<std::string> argv, bool student) {
  Step s;
  s.id = id;
  s.process.argv = std::move(argv);
  s.student = student;
  return s;
}

// A plan shaped like a grading: a grader box first, a saved build box, two
// boxes that start from it, and a box on another ref's tree.
Plan APlan() {
  Plan p;
  p.workdir = "/work";
  p.system_dirs = {"/etc", "/tmp"};
  p.extra_trees = {"v1"};
  Box ref;
  ref.id = "sig/reference";
  ref.steps = {Exec("sig/reference", {"ref-prog"}, false)};
  Box build;
  build.id = "build/run";
  build.save = true;
  build.steps = {Exec("build/run", {"make"}, true)};
  Box a;
  a.id = "sig/file";
  a.from = protocol::FromBox("build/run");
  a.steps = {Exec("sig/file", {"./prog"}, true)};
  Box b;
  b.id = "cases/one";
  b.from = protocol::FromBox("build/run");
  b.steps = {Exec("cases/one", {"./prog", "1"}, true)};
  Box old;
  old.id = "ci/v1";
  old.from = protocol::FromTree("v1");
  old.steps = {Exec("ci/v1", {"bash", "job.sh"}, true)};
  p.boxes = {ref, build, a, b, old};
  return p;
}

struct Trees {
  std::string main = "tar of the submission";
  std::string v1 = "tar of v1";
  std::map<std::string, const std::string*> map() const { return {{"", &main}, {"v1", &v1}}; }
};

std::vector<StepResult> Results(const Box& box, int exit_code = 0) {
  std::vector<StepResult> out;
  for (const auto& s : box.steps) {
    StepResult r;
    r.id = s.id;
    r.process.started = true;
    r.process.exit_code = exit_code;
    r.process.stdout_data = "out of " + s.id;
    out.push_back(r);
  }
  return out;
}

TEST(BoxKeys, TheSameInputsGiveTheSameKeysAndEveryBoxHasOne) {
  const Trees t;
  const auto a = BoxKeys(APlan(), t.map(), "image-1");
  const auto b = BoxKeys(APlan(), t.map(), "image-1");
  EXPECT_EQ(a, b);
  EXPECT_EQ(a.size(), 5u);
  std::set<std::string> distinct;
  for (const auto& [id, key] : a) distinct.insert(key);
  EXPECT_EQ(distinct.size(), 5u);
}

TEST(BoxKeys, ABoxsEditChangesItsKeyAndTheKeysOfTheBoxesStartingFromItOnly) {
  const Trees t;
  const auto before = BoxKeys(APlan(), t.map(), "image-1");
  Plan edited = APlan();
  edited.boxes[1].steps[0].process.argv = {"make", "all"};  // the build
  const auto after = BoxKeys(edited, t.map(), "image-1");
  EXPECT_EQ(after.at("sig/reference"), before.at("sig/reference"));
  EXPECT_EQ(after.at("ci/v1"), before.at("ci/v1"));
  EXPECT_NE(after.at("build/run"), before.at("build/run"));
  EXPECT_NE(after.at("sig/file"), before.at("sig/file"));
  EXPECT_NE(after.at("cases/one"), before.at("cases/one"));

  Plan one_case = APlan();
  one_case.boxes[3].steps[0].process.argv = {"./prog", "2"};
  const auto k = BoxKeys(one_case, t.map(), "image-1");
  EXPECT_NE(k.at("cases/one"), before.at("cases/one"));
  for (const char* same : {"sig/reference", "build/run", "sig/file", "ci/v1"}) {
    EXPECT_EQ(k.at(same), before.at(same)) << same;
  }
}

TEST(BoxKeys, TreesAndTheEnvironmentAreInTheKeys) {
  Trees t;
  const auto before = BoxKeys(APlan(), t.map(), "image-1");
  t.main = "another commit";
  const auto moved = BoxKeys(APlan(), t.map(), "image-1");
  EXPECT_EQ(moved.at("ci/v1"), before.at("ci/v1")) << "the other ref's tree did not move";
  for (const char* changed : {"sig/reference", "build/run", "sig/file", "cases/one"}) {
    EXPECT_NE(moved.at(changed), before.at(changed)) << changed;
  }
  const Trees same;
  const auto other_image = BoxKeys(APlan(), same.map(), "image-2");
  for (const auto& [id, key] : other_image) EXPECT_NE(key, before.at(id)) << id;
  Plan other_workdir = APlan();
  other_workdir.workdir = "/elsewhere";
  EXPECT_NE(BoxKeys(other_workdir, same.map(), "image-1").at("sig/reference"),
            before.at("sig/reference"));
}

TEST(BoxKeys, TheDeadlineIsNotInTheKey) {
  const Trees t;
  Plan later = APlan();
  later.deadline_s = 500;
  EXPECT_EQ(BoxKeys(later, t.map(), "i"), BoxKeys(APlan(), t.map(), "i"));
}

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = MakeTempDir("ipc-observations-test-"); }
  void TearDown() override { fs::remove_all(dir_); }
  std::string dir_;
};

TEST_F(StoreTest, WhatIsSavedIsLoadedForTheSameBoxAndKey) {
  const ObservationStore store(dir_);
  const Plan p = APlan();
  const auto steps = Results(p.boxes[2], 3);
  store.Save("abcdef", p.boxes[2], steps, "2026-12-04T12:00:00Z");
  std::string problem;
  const auto got = store.Load("abcdef", p.boxes[2], &problem);
  ASSERT_TRUE(got) << problem;
  EXPECT_EQ(got->steps, steps);
  EXPECT_EQ(got->observed_at, "2026-12-04T12:00:00Z");
  EXPECT_FALSE(store.Load("abcdee", p.boxes[2], &problem));
  EXPECT_EQ(problem, "") << "absent is not a problem";
}

TEST_F(StoreTest, ACorruptOrForeignEntryIsNeverTrustedAndSaysWhy) {
  const ObservationStore store(dir_);
  const Plan p = APlan();
  store.Save("k1", p.boxes[2], Results(p.boxes[2]), "t");
  std::string problem;
  // Another box asking with that key (a key collision, or a copied file).
  EXPECT_FALSE(store.Load("k1", p.boxes[3], &problem));
  EXPECT_NE(problem.find("not the observation of box 'cases/one'"), std::string::npos) << problem;
  // Truncated.
  std::string text;
  {
    std::ifstream in(store.PathOf("k1"));
    text.assign(std::istreambuf_iterator<char>(in), {});
  }
  WriteFileAtomic(store.PathOf("k1"), text.substr(0, text.size() / 2));
  EXPECT_FALSE(store.Load("k1", p.boxes[2], &problem));
  EXPECT_NE(problem.find("unreadable"), std::string::npos) << problem;
  // Renamed under another key.
  store.Save("k2", p.boxes[2], Results(p.boxes[2]), "t");
  fs::create_directories(fs::path(store.PathOf("k3")).parent_path());
  fs::copy_file(store.PathOf("k2"), store.PathOf("k3"));
  EXPECT_FALSE(store.Load("k3", p.boxes[2], &problem));
  EXPECT_NE(problem.find("not the observation"), std::string::npos) << problem;
}

TEST_F(StoreTest, ReusePlanRunsWhatIsMissingAndTheBoxesItStartsFrom) {
  const ObservationStore store(dir_);
  const Trees t;
  const Plan p = APlan();
  const auto keys = BoxKeys(p, t.map(), "i");
  // Nothing kept: everything runs, with the extra tree.
  ReusePlan r = PlanReuse(p, keys, store);
  EXPECT_EQ(r.to_run.boxes.size(), 5u);
  EXPECT_EQ(r.to_run.extra_trees, std::vector<std::string>{"v1"});
  EXPECT_TRUE(r.reused.empty());
  // Everything kept but one case: that case runs with the build it starts
  // from; the build's kept observation is not used (it runs again).
  for (const auto& box : p.boxes) {
    if (box.id != "cases/one") store.Save(keys.at(box.id), box, Results(box), "t0");
  }
  r = PlanReuse(p, keys, store);
  std::vector<std::string> ran;
  for (const auto& box : r.to_run.boxes) ran.push_back(box.id);
  EXPECT_EQ(ran, (std::vector<std::string>{"build/run", "cases/one"}));
  EXPECT_TRUE(r.to_run.extra_trees.empty()) << "no box that runs needs v1";
  EXPECT_EQ(r.reused.size(), 3u);
  EXPECT_FALSE(r.reused.count("build/run"));
  EXPECT_NO_THROW(protocol::ValidatePlan(r.to_run));
  // All kept: nothing runs.
  store.Save(keys.at("cases/one"), p.boxes[3], Results(p.boxes[3]), "t0");
  r = PlanReuse(p, keys, store);
  EXPECT_TRUE(r.to_run.boxes.empty());
  EXPECT_EQ(r.reused.size(), 5u);
  // A corrupt entry runs again, and is reported.
  WriteFileAtomic(store.PathOf(keys.at("sig/file")), "{");
  r = PlanReuse(p, keys, store);
  ASSERT_EQ(r.to_run.boxes.size(), 2u);
  EXPECT_EQ(r.to_run.boxes[1].id, "sig/file");
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_NE(r.problems[0].find(store.PathOf(keys.at("sig/file"))), std::string::npos);
}

// The size bound: a subfolder over its 256th of max_bytes loses its least
// recently used entries, where a Load counts as a use; other subfolders and
// an unbounded store keep everything.
TEST_F(StoreTest, OverItsBoundTheStoreRemovesTheLeastRecentlyUsedOfThatSubfolder) {
  const Plan p = APlan();
  const Box& box = p.boxes[2];
  const auto save_in = [&](const ObservationStore& s, const std::string& key) {
    s.Save(key, box, Results(box), "2026-12-04T12:00:00Z");
    return static_cast<std::uint64_t>(fs::file_size(s.PathOf(key)));
  };
  const ObservationStore probe_size(dir_ + "/size");
  const std::uint64_t entry = save_in(probe_size, "aa00");
  // A share of three and a half entries per subfolder.
  const ObservationStore store(dir_ + "/bounded", 256 * (entry * 7 / 2));
  const ObservationStore unbounded(dir_ + "/unbounded");
  const auto age = [&](const ObservationStore& s, const std::string& key, int seconds) {
    fs::last_write_time(s.PathOf(key),
                        fs::file_time_type::clock::now() - std::chrono::seconds(seconds));
  };
  for (const ObservationStore* s : {&store, &unbounded}) {
    for (const std::string key : {"aa01", "aa02", "aa03", "bb01"}) ASSERT_EQ(save_in(*s, key), entry);
    age(*s, "aa01", 300);
    age(*s, "aa02", 200);
    age(*s, "aa03", 100);
    age(*s, "bb01", 400);
    std::string problem;
    ASSERT_TRUE(s->Load("aa01", box, &problem)) << problem;  // used now: the newest
    save_in(*s, "aa04");
  }
  const auto kept = [&](const ObservationStore& s) {
    std::vector<std::string> keys;
    for (const std::string key : {"aa01", "aa02", "aa03", "aa04", "bb01"}) {
      if (fs::exists(s.PathOf(key))) keys.push_back(key);
    }
    return keys;
  };
  // Four entries over a share of 3.5: down to 80% of it (2.8), oldest
  // first: aa02, then aa03; aa01 was used, aa04 just written; bb01 is in
  // another subfolder.
  EXPECT_EQ(kept(store), (std::vector<std::string>{"aa01", "aa04", "bb01"}));
  EXPECT_EQ(kept(unbounded), (std::vector<std::string>{"aa01", "aa02", "aa03", "aa04", "bb01"}));
  // What was removed is simply absent: the box runs again, no problem.
  std::string problem;
  EXPECT_FALSE(store.Load("aa02", box, &problem));
  EXPECT_EQ(problem, "");
}

TEST(Keepable, OnlyWholeObservationsTheDeadlineDidNotDecide) {
  const Box box = APlan().boxes[1];
  auto steps = Results(box);
  EXPECT_TRUE(Keepable(box, {&steps[0]}));
  EXPECT_FALSE(Keepable(box, {nullptr}));
  EXPECT_FALSE(Keepable(box, {}));
  StepResult cut = steps[0];
  cut.cut_by_deadline = true;
  EXPECT_FALSE(Keepable(box, {&cut}));
  StepResult not_run;
  not_run.id = steps[0].id;
  not_run.process.error = "not run: box 'x', which it starts from, did not run";
  EXPECT_FALSE(Keepable(box, {&not_run}));
  StepResult failed = steps[0];
  failed.process.exit_code = 2;  // a failure is an observation like any other
  EXPECT_TRUE(Keepable(box, {&failed}));
}

TEST(MergeReports, EveryStepInPlanOrderFromWhereverItCame) {
  const Plan p = APlan();
  ReusePlan reuse;
  reuse.reused["sig/reference"] = {Results(p.boxes[0], 7), "t0"};
  reuse.reused["ci/v1"] = {Results(p.boxes[4], 8), "t0"};
  protocol::Report fresh;
  for (int i : {3, 1, 2}) {  // any order
    for (auto& s : Results(p.boxes[static_cast<std::size_t>(i)], i)) fresh.steps.push_back(s);
  }
  const auto merged = MergeReports(p, reuse, &fresh);
  ASSERT_EQ(merged.steps.size(), 5u);
  std::vector<std::string> ids;
  for (const auto& s : merged.steps) ids.push_back(s.id);
  EXPECT_EQ(ids, (std::vector<std::string>{"sig/reference", "build/run", "sig/file", "cases/one",
                                           "ci/v1"}));
  EXPECT_EQ(merged.steps[0].process.exit_code, 7);
  EXPECT_EQ(merged.steps[1].process.exit_code, 1);
  EXPECT_EQ(merged.steps[4].process.exit_code, 8);
}

}  // namespace
}  // namespace ipc::pipeline
