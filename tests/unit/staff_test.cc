// grader/staff/: the staff files' formats (and their bad rows), appending
// an adjustment safely, and applying adjustments and extensions to a
// scored result (and to one the batch keeps); then what the class-wide
// outputs show of them, and `grader rubric test`'s comparison.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "batch/scheduler.h"
#include "batch_fake_class.h"
#include "report/feedback.h"
#include "report/gradebook.h"
#include "report/gradescope.h"
#include "report/result.h"
#include "report/summary.h"
#include "score/scorer.h"
#include "staff/adjustments.h"
#include "staff/changes.h"
#include "staff/extensions.h"
#include "staff/rubric_test.h"
#include "staff/staff_changes.h"
#include "util/error.h"
#include "util/fs.h"

namespace ipc::staff {
namespace {

namespace fs = std::filesystem;

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Two parts: p1 = build (4) + run (6), p2 = style (10). Deadline
// 2026-12-01T00:00:00Z, 10% of the max per started day.
rubric::Rubric TinyRubric() {
  rubric::Rubric r;
  r.path = "tiny.yaml";
  r.parts = {{"p1", "Part one", 10, {}, {}, {}}, {"p2", "Part two", 10, {}, {}, {}}};
  auto check = [](std::string id, std::string part, double points) {
    rubric::Check c;
    c.id = std::move(id);
    c.part = std::move(part);
    c.title = c.id;
    c.points = points;
    return c;
  };
  r.checks = {check("build", "p1", 4), check("run", "p1", 6), check("style", "p2", 10)};
  r.late.deadline = 1796083200;  // 2026-12-01T00:00:00Z
  r.late.deadline_text = "2026-12-01T00:00:00Z";
  r.late.time_source = "commit";
  r.late.penalty_per_day = 0.1;
  return r;
}

// What the scorer gives: build 4/4, run 3/6, style 10/10 = 17/20, on time.
report::Result Scored(const std::string& student, std::int64_t commit_time = 1795996800) {
  report::Result r;
  r.student = student;
  r.status = "graded";
  r.ref = "final";
  r.commit = "1111111111111111111111111111111111111111";
  r.commit_time = commit_time;
  r.max_score = 20;
  auto check = [](std::string id, std::string part, report::CheckStatus st, double score,
                  double max) {
    report::CheckResult c;
    c.id = id;
    c.title = std::move(id);
    c.part = std::move(part);
    c.status = st;
    c.score = score;
    c.max_score = max;
    return c;
  };
  r.checks = {check("build", "p1", report::CheckStatus::kPass, 4, 4),
              check("run", "p1", report::CheckStatus::kFail, 3, 6),
              check("style", "p2", report::CheckStatus::kPass, 10, 10)};
  r.parts = {{"p1", "Part one", 7, 10}, {"p2", "Part two", 10, 10}};
  r.score = 17;
  return r;
}

AdjustmentFile Adj(const std::string& yaml) { return ParseAdjustments(yaml, "adjustments.yaml"); }

TEST(StaffAdjustmentsFile, ReadsEveryTargetAndBothKindsOfChange) {
  const AdjustmentFile f = Adj(
      "# staff notes\n"
      "- student: alice\n"
      "  check: build\n"
      "  points: -2\n"
      "  reason: \"Copied, see case 12: the Makefile\"\n"
      "  by: ta-jo\n"
      "  at: 2026-12-04T10:00:00Z\n"
      "- {student: bob, part: p2, score: 8, reason: hand-graded}\n"
      "- {student: carol, total: true, points: 1.5, reason: demo}\n");
  ASSERT_TRUE(f.problems.empty()) << f.problems[0];
  ASSERT_EQ(f.entries.size(), 3u);
  EXPECT_EQ(f.entries[0].kind, "check");
  EXPECT_EQ(f.entries[0].target, "build");
  EXPECT_EQ(f.entries[0].points, -2.0);
  EXPECT_FALSE(f.entries[0].score);
  EXPECT_EQ(f.entries[0].reason, "Copied, see case 12: the Makefile");
  EXPECT_EQ(f.entries[0].by, "ta-jo");
  EXPECT_EQ(f.entries[0].at, "2026-12-04T10:00:00Z");
  EXPECT_EQ(f.entries[0].line, 2);
  EXPECT_EQ(f.entries[1].kind, "part");
  EXPECT_EQ(f.entries[1].score, 8.0);
  EXPECT_EQ(f.entries[2].kind, "total");
  EXPECT_EQ(f.entries[2].target, "");
  EXPECT_EQ(f.entries[2].points, 1.5);
}

TEST(StaffAdjustmentsFile, BadItemsAreSkippedWithTheirLineAndTheRestApply) {
  const AdjustmentFile f = Adj(
      "- {student: a, check: build, points: 1, reason: ok}\n"          // 1
      "- {student: b, check: build, points: 1}\n"                     // 2
      "- {student: c, check: build, part: p1, points: 1, reason: x}\n"  // 3
      "- {student: d, check: build, points: 1, score: 2, reason: x}\n"  // 4
      "- {student: e, check: build, points: lots, reason: x}\n"       // 5
      "- {student: f, check: build, point: 1, reason: x}\n"           // 6
      "- {student: g, total: false, points: 1, reason: x}\n"          // 7
      "- {check: build, points: 1, reason: x}\n"                      // 8
      "- just text\n"                                                 // 9
      "- {student: h, total: true, score: -1, reason: x}\n");         // 10
  ASSERT_EQ(f.entries.size(), 1u);
  EXPECT_EQ(f.entries[0].student, "a");
  const std::vector<std::string> want = {
      "adjustments.yaml:2: skipped: no 'reason' (the student reads it in the feedback)",
      "adjustments.yaml:3: skipped: give exactly one of 'check: ID', 'part: ID' or 'total: true'",
      "adjustments.yaml:4: skipped: give exactly one of 'points: +/-X' (added) or 'score: X' "
      "(replaces the automatic score)",
      "adjustments.yaml:5: skipped: 'points' is not a number",
      "adjustments.yaml:6: skipped: unknown key 'point' (did you mean 'points'?)",
      "adjustments.yaml:7: skipped: 'total' must be 'true' (the adjustment is to the whole "
      "score)",
      "adjustments.yaml:8: skipped: no 'student'",
      "adjustments.yaml:9: skipped: an adjustment must be a mapping (student:, check:, points:, "
      "reason:)",
      "adjustments.yaml:10: skipped: 'score' must not be negative",
  };
  EXPECT_EQ(f.problems, want);
}

TEST(StaffAdjustmentsFile, AFileThatIsNotAListIsFatalAndAMissingOneIsEmpty) {
  EXPECT_THROW(Adj("student: alice\n"), Fatal);
  try {
    Adj("- {student: a\n");
    FAIL() << "no error";
  } catch (const Fatal& e) {
    EXPECT_NE(std::string(e.what()).find("adjustments.yaml:"), std::string::npos) << e.what();
  }
  const AdjustmentFile none = LoadAdjustments("/nonexistent/adjustments.yaml");
  EXPECT_TRUE(none.entries.empty());
  EXPECT_TRUE(none.problems.empty());
  EXPECT_TRUE(Adj("").entries.empty());
}

TEST(StaffAdjustmentsFile, AppendKeepsWhatIsThereAndRoundTripsAwkwardReasons) {
  const std::string dir = MakeTempDir("staff-append-");
  const std::string path = dir + "/out/adjustments.yaml";
  Adjustment a;
  a.student = "alice";
  a.kind = "check";
  a.target = "build";
  a.points = -2;
  a.reason = "She said: \"it's fine\", #not a comment\nsecond line";
  a.by = "ta-jo";
  a.at = "2026-12-04T10:00:00Z";
  AppendAdjustment(path, a);  // creates the folder and the file
  const std::string first = Slurp(path);
  ASSERT_EQ(first.rfind("# ", 0), 0u) << first;  // a header comment
  // Staff edit it by hand: a comment of theirs must survive the next append.
  WriteFileAtomic(path, first + "# agreed with the instructor\n");
  Adjustment b = a;
  b.student = "bob";
  b.kind = "total";
  b.target = "";
  b.points.reset();
  b.score = 12.5;
  b.reason = "plain";
  AppendAdjustment(path, b);
  const std::string text = Slurp(path);
  EXPECT_NE(text.find("# agreed with the instructor\n"), std::string::npos);
  const AdjustmentFile f = LoadAdjustments(path);
  ASSERT_TRUE(f.problems.empty()) << f.problems[0];
  ASSERT_EQ(f.entries.size(), 2u);
  EXPECT_EQ(f.entries[0].reason, a.reason);
  EXPECT_EQ(f.entries[0].points, -2.0);
  EXPECT_EQ(f.entries[0].by, "ta-jo");
  EXPECT_EQ(f.entries[1].student, "bob");
  EXPECT_EQ(f.entries[1].kind, "total");
  EXPECT_EQ(f.entries[1].score, 12.5);
  fs::remove_all(dir);
}

TEST(StaffAdjustmentsFile, ConcurrentAppendsAllLand) {
  const std::string dir = MakeTempDir("staff-race-");
  const std::string path = dir + "/adjustments.yaml";
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&path, i] {
      Adjustment a;
      a.student = "s" + std::to_string(i);
      a.kind = "total";
      a.points = i;
      a.reason = "r";
      AppendAdjustment(path, a);
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(LoadAdjustments(path).entries.size(), 8u);
  fs::remove_all(dir);
}

TEST(StaffAdjustmentsFile, AppendRefusesToBuryABrokenFile) {
  const std::string dir = MakeTempDir("staff-broken-");
  const std::string path = dir + "/adjustments.yaml";
  WriteFileAtomic(path, "student: not a list\n");
  Adjustment a;
  a.student = "alice";
  a.kind = "total";
  a.points = 1;
  a.reason = "r";
  EXPECT_THROW(AppendAdjustment(path, a), Fatal);
  EXPECT_EQ(Slurp(path), "student: not a list\n");
  fs::remove_all(dir);
}

TEST(StaffAdjustmentsFile, AnUnknownTargetIsNamedWithTheRubricsIds) {
  const rubric::Rubric r = TinyRubric();
  EXPECT_EQ(CheckTarget(r, "check", "build"), "");
  EXPECT_EQ(CheckTarget(r, "part", "p2"), "");
  EXPECT_EQ(CheckTarget(r, "total", ""), "");
  EXPECT_EQ(CheckTarget(r, "check", "buidl"),
            "the rubric tiny.yaml has no check 'buidl' (did you mean 'build'?); its checks: "
            "build, run, style");
  EXPECT_NE(CheckTarget(r, "part", "build").find("has no part 'build'"), std::string::npos);
}

TEST(StaffExtensionsFile, ReadsDeadlinesAndExtraDays) {
  const ExtensionFile f = ParseExtensions(
      "\xEF\xBB\xBFstudent,deadline,extra_days,reason\r\n"
      "alice,2026-12-20T23:59:00Z,,\"medical, certified\"\r\n"
      "bob,,3,family\r\n",
      "extensions.csv");
  ASSERT_TRUE(f.problems.empty()) << f.problems[0];
  ASSERT_EQ(f.by_student.size(), 2u);
  const Extension& a = f.by_student.at("alice");
  EXPECT_EQ(a.reason, "medical, certified");
  EXPECT_EQ(FormatUtc(*a.deadline), "2026-12-20T23:59:00Z");
  const rubric::Rubric r = TinyRubric();
  EXPECT_EQ(ExtendedDeadline(a, r.late), a.deadline);
  const Extension& b = f.by_student.at("bob");
  EXPECT_FALSE(b.deadline);
  EXPECT_EQ(FormatUtc(*ExtendedDeadline(b, r.late)), "2026-12-04T00:00:00Z");
  rubric::LatePolicy none;
  EXPECT_FALSE(ExtendedDeadline(b, none));  // extra days of no deadline: none
}

TEST(StaffExtensionsFile, BadRowsAreSkippedWithTheirLine) {
  const ExtensionFile f = ParseExtensions(
      "student,deadline,extra_days,reason\n"
      "alice,2026-12-20T23:59:00Z,,ok\n"        // 2
      "bob,2026-12-20T23:59:00Z,2,both\n"       // 3
      "carol,,,neither\n"                       // 4
      "dave,2026-12-20 23:59,,no offset\n"      // 5
      "erin,,-1,negative\n"                     // 6
      "frank,,soon,words\n"                     // 7
      "alice,,2,again\n"                        // 8
      "../x,,2,path\n"                          // 9
      "gina,,\"2\n",                            // 10: unclosed quote
      "extensions.csv");
  ASSERT_EQ(f.by_student.size(), 1u);
  ASSERT_EQ(f.problems.size(), 8u);
  EXPECT_EQ(f.problems[0],
            "extensions.csv:3: skipped: give exactly one of 'deadline' (ISO 8601, e.g. "
            "2026-12-20T23:59:00Z) or 'extra_days'");
  EXPECT_EQ(f.problems[1].rfind("extensions.csv:4: skipped: give exactly one", 0), 0u);
  EXPECT_EQ(f.problems[2].rfind("extensions.csv:5: skipped: deadline '2026-12-20 23:59': ", 0),
            0u) << f.problems[2];
  EXPECT_EQ(f.problems[3],
            "extensions.csv:6: skipped: extra_days '-1' is not a positive number of days");
  EXPECT_EQ(f.problems[4],
            "extensions.csv:7: skipped: extra_days 'soon' is not a positive number of days");
  EXPECT_EQ(f.problems[5], "extensions.csv:8: skipped: duplicate student 'alice' (first on line 2)");
  EXPECT_EQ(f.problems[6].rfind("extensions.csv:9: skipped: ", 0), 0u);
  EXPECT_EQ(f.problems[7],
            "extensions.csv:10: skipped: a quoted field is not closed before the end of the file");
}

TEST(StaffExtensionsFile, AHeaderWithoutTheColumnsIsFatal) {
  EXPECT_THROW(ParseExtensions("name,days\nalice,2\n", "x.csv"), Fatal);
  EXPECT_THROW(ParseExtensions("student,reason\nalice,ill\n", "x.csv"), Fatal);
  EXPECT_TRUE(ParseExtensions("", "x.csv").by_student.empty());
  EXPECT_TRUE(LoadExtensions("/nonexistent/extensions.csv").by_student.empty());
}

TEST(StaffChangesApply, ACheckAdjustmentMovesItsPartAndTheTotalAndKeepsTheAutomaticScore) {
  const rubric::Rubric rubric = TinyRubric();
  StaffChanges changes(&rubric, Adj("- {student: alice, check: run, points: 2, reason: partial}\n"
                                    "- {student: bob, check: run, points: 9, reason: x}\n"),
                       {});
  report::Result r = Scored("alice");
  changes.Apply(&r);
  EXPECT_EQ(r.checks[1].score, 5);
  EXPECT_EQ(r.parts[0].score, 9);
  EXPECT_EQ(r.score, 19);
  ASSERT_TRUE(r.auto_score);
  EXPECT_EQ(*r.auto_score, 17);
  ASSERT_EQ(r.adjustments.size(), 1u);  // bob's is not alice's
  EXPECT_EQ(r.adjustments[0].before, 3);
  EXPECT_EQ(r.adjustments[0].after, 5);
  EXPECT_EQ(r.adjustments[0].reason, "partial");
  EXPECT_TRUE(r.adjustments[0].problem.empty());
  // A check never goes past its maximum, whatever the points.
  report::Result b = Scored("bob");
  changes.Apply(&b);
  EXPECT_EQ(b.checks[1].score, 6);
  EXPECT_EQ(b.score, 20);
}

TEST(StaffChangesApply, PartAndTotalScoresReplaceAndApplyInOrder) {
  const rubric::Rubric rubric = TinyRubric();
  // Written total first: still applied after the part, on its result.
  StaffChanges changes(&rubric,
                       Adj("- {student: alice, total: true, points: -1, reason: late demo}\n"
                           "- {student: alice, part: p2, score: 4, reason: style by hand}\n"),
                       {});
  report::Result r = Scored("alice");
  changes.Apply(&r);
  EXPECT_EQ(r.parts[1].score, 4);
  EXPECT_EQ(r.score, 10);  // 7 + 4 - 1
  EXPECT_EQ(*r.auto_score, 17);
  ASSERT_EQ(r.adjustments.size(), 2u);
  EXPECT_EQ(r.adjustments[0].kind, "total");  // file order kept
  EXPECT_EQ(r.adjustments[0].before, 11);
  EXPECT_EQ(r.adjustments[0].after, 10);
  EXPECT_EQ(r.adjustments[1].kind, "part");
  EXPECT_EQ(r.adjustments[1].before, 10);
  EXPECT_EQ(r.adjustments[1].after, 4);
}

TEST(StaffChangesApply, AnAdjustmentOfACheckTheRubricNoLongerHasIsReportedNotDropped) {
  const rubric::Rubric rubric = TinyRubric();
  StaffChanges changes(&rubric, Adj("- {student: alice, check: lint, points: -3, reason: x}\n"), {});
  report::Result r = Scored("alice");
  changes.Apply(&r);
  EXPECT_EQ(r.score, 17);
  ASSERT_EQ(r.adjustments.size(), 1u);
  EXPECT_NE(r.adjustments[0].problem.find("has no check 'lint'"), std::string::npos);
  // It stays visible in everything derived from the result.
  const report::Result back = report::ResultFromJson(report::ToJson(r));
  ASSERT_EQ(back.adjustments.size(), 1u);
  EXPECT_EQ(back.adjustments[0].problem, r.adjustments[0].problem);
  EXPECT_NE(report::RenderFeedback(r, true).find("NOT APPLIED"), std::string::npos);
  EXPECT_EQ(report::RenderFeedback(r, false).find("NOT APPLIED"), std::string::npos);
  const auto summary = report::Summarize({r});
  ASSERT_EQ(summary.adjusted.size(), 1u);
  EXPECT_NE(summary.adjusted[0].detail.find("NOT APPLIED"), std::string::npos);
}

TEST(StaffChangesApply, AnExtensionTurnsALateResultOnTime) {
  const rubric::Rubric rubric = TinyRubric();
  // Committed 2026-12-02T12:00Z: 1.5 days late under the rubric (2 started
  // days, 4 points), on time with 3 extra days.
  const std::int64_t commit = 1796083200 + 36 * 3600;
  StaffChanges changes(&rubric, {},
                       ParseExtensions("student,extra_days,reason\nalice,3,ill\n", "e.csv"));
  report::Result late = Scored("bob", commit);
  late.late.late = true;  // as the scorer left it; bob has no extension
  late.late.penalty = 4;
  changes.Apply(&late);
  EXPECT_EQ(late.score, 13);
  EXPECT_TRUE(late.late.extended_to.empty());

  report::Result r = Scored("alice", commit);
  r.late.late = true;
  r.late.penalty = 4;
  changes.Apply(&r);
  EXPECT_FALSE(r.late.late);
  EXPECT_EQ(r.late.penalty, 0);
  EXPECT_EQ(r.score, 17);
  EXPECT_EQ(r.late.extended_to, "2026-12-04T00:00:00Z");
  EXPECT_EQ(r.late.extension_reason, "ill");
  EXPECT_EQ(r.late.explanation.rfind("Deadline extended to 2026-12-04T00:00:00Z for you. On time", 0),
            0u) << r.late.explanation;
  EXPECT_NE(report::RenderFeedback(r).find("Deadline extended to 2026-12-04T00:00:00Z"),
            std::string::npos);
  // The reason is staff's, not in the student's feedback.
  EXPECT_EQ(report::RenderFeedback(r, false).find("ill"), std::string::npos);
}

// A part with its own deadline moves with the student's: by as much as the
// rubric's deadline does.
TEST(StaffChangesApply, AnExtensionMovesThePartDeadlinesToo) {
  rubric::Rubric rubric = TinyRubric();
  rubric.parts[0].deadline = 1796083200 - 10 * 86400;  // p1 (10 points) due 2026-11-21
  rubric.parts[0].deadline_text = "2026-11-21T00:00:00Z";
  // Committed 2026-11-22T12:00Z: p1 1.5 days late (2 started days: 2
  // points), p2 on time.
  const std::int64_t commit = 1796083200 - 8 * 86400 - 12 * 3600;
  fetch::Revision rev;
  rev.ref = "final";
  rev.commit_time = commit;
  report::Result r = Scored("alice", commit);
  r.late = score::ComputeLate(rubric.late, score::PartDeadlines(rubric), rev, 20);
  ASSERT_EQ(r.late.penalty, 2);
  StaffChanges changes(&rubric, {},
                       ParseExtensions("student,extra_days,reason\nalice,2,ill\n", "e.csv"));
  changes.Apply(&r);
  EXPECT_FALSE(r.late.late) << r.late.explanation;
  EXPECT_EQ(r.late.penalty, 0);
  EXPECT_EQ(r.score, 17);
  EXPECT_EQ(r.late.extended_to, "2026-12-03T00:00:00Z");
  EXPECT_NE(r.late.explanation.find("Part 'Part one': On time: judged by the commit time, as the "
                                    "rubric says against the deadline 2026-11-23T00:00:00Z."),
            std::string::npos)
      << r.late.explanation;
  // One day is not enough for p1.
  StaffChanges one(&rubric, {},
                   ParseExtensions("student,extra_days,reason\nalice,1,ill\n", "e.csv"));
  one.Apply(&r);
  EXPECT_EQ(r.late.penalty, 1);  // 1 started day x 10% x 10
  EXPECT_EQ(r.score, 16);
}

// A stored result carries its last adjustments and deadline: applying
// staff's current ones takes those back first, so nothing is applied twice
// and a withdrawn one is gone.
TEST(StaffChangesApply, OnAStoredResultTheCurrentChangesReplaceTheOnesItCarries) {
  const rubric::Rubric rubric = TinyRubric();
  const std::int64_t commit = 1796083200 + 36 * 3600;  // 2 started days late
  report::Result automatic = Scored("alice", commit);
  fetch::Revision rev;
  rev.ref = "final";
  rev.commit = automatic.commit;
  rev.commit_time = commit;
  automatic.late = score::ComputeLate(rubric.late, rev, 20);
  automatic.score = 13;
  const StaffChanges none(&rubric, {}, {});
  const StaffChanges v1(
      &rubric,
      Adj("- {student: alice, check: run, points: 2, reason: a}\n"
          "- {student: alice, check: run, points: -1, reason: b}\n"
          "- {student: alice, part: p2, points: -5, reason: c}\n"),
      ParseExtensions("student,extra_days,reason\nalice,3,ill\n", "e.csv"));
  const StaffChanges v2(&rubric, Adj("- {student: alice, check: build, score: 0, reason: d}\n"),
                        {});
  report::Result r = automatic;
  v1.Apply(&r);
  EXPECT_EQ(r.checks[1].score, 4);  // 3 + 2 - 1
  EXPECT_EQ(r.score, 13);           // 4 + 4 + 5, on time
  report::Result twice = r;
  v1.Apply(&twice);
  EXPECT_EQ(report::ToJson(twice), report::ToJson(r));
  v2.Apply(&r);  // run back to 3, p2 back to 10, the rubric's deadline again
  EXPECT_EQ(r.checks[1].score, 3);
  EXPECT_EQ(r.checks[0].score, 0);
  EXPECT_TRUE(r.late.late);
  EXPECT_EQ(r.late.penalty, 4);
  EXPECT_TRUE(r.late.extended_to.empty());
  EXPECT_EQ(r.score, 9);  // 0 + 3 + 10 - 4
  EXPECT_EQ(*r.auto_score, 13);
  none.Apply(&r);
  EXPECT_EQ(report::ToJson(r), report::ToJson(automatic));
}

// The batch keeps a graded result when its repository cannot be reached
// (scheduler.h); staff's adjustments and extensions made since reach it,
// scored from what it stores, with no container, and withdrawing them gives
// the original back byte for byte.
TEST(StaffKeptResult, ChangedAdjustmentsAndExtensionsReachAResultKeptForAnUnreachableRepository) {
  batch::testing::FakeClass cls;
  batch::testing::TempDir out;
  // Committed 1.5 days after the deadline: 2 started days at 10% of 3.
  cls.rubric().late.deadline = 1796083200;
  cls.rubric().late.deadline_text = "2026-12-01T00:00:00Z";
  cls.rubric().late.time_source = "commit";
  cls.rubric().late.penalty_per_day = 0.1;
  cls.Add("alice");
  fetch::Snapshot snap;
  snap.revision.ref = "final";
  snap.revision.ref_kind = "tag";
  snap.revision.commit = std::string(40, 'a');
  snap.revision.commit_time = 1796083200 + 36 * 3600;
  snap.entries.push_back({"listener.c", fetch::EntryType::kFile, 3});
  snap.tar = "TAR";
  cls.fetcher.Add("/srv/alice", snap);

  auto changes = std::make_shared<StaffChanges>(&cls.rubric(), AdjustmentFile{}, ExtensionFile{});
  cls.env.staff_apply = [&changes](report::Result* r) { changes->Apply(r); };
  cls.env.staff_why_stale = [&changes](const report::Result& r) { return changes->WhyStale(r); };
  struct Lines : batch::ProgressSink {
    void Begin(int) override {}
    void Started(const std::string&) override {}
    void Finished(const std::string&, batch::Outcome, const std::string& line) override {
      last = line;
    }
    void Note(const std::string&) override {}
    void End() override {}
    std::string last;
  } lines;
  batch::BatchOptions opts;
  opts.out_dir = out.path();
  opts.max_retries = 0;
  opts.progress = &lines;
  const std::string file = (fs::path(out.path()) / "alice" / "result.json").string();

  ASSERT_EQ(batch::RunBatch(cls.Roster(), cls.env, opts).graded, 1);
  const std::string graded = Slurp(file);
  std::string why;
  EXPECT_EQ(batch::ReadStoredResult(out.path(), "alice", &why)->score, 2.4);

  cls.fetcher.Fail("/srv/alice", fetch::FetchErrorKind::kUnreachable, "connection timed out");
  changes = std::make_shared<StaffChanges>(
      &cls.rubric(), Adj("- {student: alice, check: files, points: -1, reason: copied}\n"),
      ParseExtensions("student,extra_days,reason\nalice,3,ill\n", "e.csv"));
  ASSERT_EQ(batch::RunBatch(cls.Roster(), cls.env, opts).kept, 1);
  EXPECT_EQ(cls.runner.RunCount(), 1u);  // the first grading only
  auto kept = batch::ReadStoredResult(out.path(), "alice", &why);
  ASSERT_TRUE(kept) << why;
  EXPECT_EQ(kept->score, 2);  // 3 - 1, on time
  EXPECT_EQ(*kept->auto_score, 3);
  EXPECT_FALSE(kept->late.late);
  EXPECT_EQ(kept->late.extended_to, "2026-12-04T00:00:00Z");
  ASSERT_EQ(kept->adjustments.size(), 1u);
  EXPECT_EQ(kept->adjustments[0].reason, "copied");
  EXPECT_NE(lines.last.find("(kept: cannot reach the repository now: connection timed out; "
                            "extension changed (deadline the rubric's -> 2026-12-04T00:00:00Z): "
                            "applied to it)"),
            std::string::npos)
      << lines.last;
  EXPECT_NE(Slurp((fs::path(out.path()) / "alice" / "feedback.md").string()).find("copied"),
            std::string::npos);
  EXPECT_EQ(nlohmann::json::parse(Slurp((fs::path(out.path()) / "alice" / "results.json").string()))
                .value("score", -1.0),
            2);

  // Unchanged since: kept as it is.
  const std::string adjusted = Slurp(file);
  ASSERT_EQ(batch::RunBatch(cls.Roster(), cls.env, opts).kept, 1);
  EXPECT_EQ(Slurp(file), adjusted);
  EXPECT_EQ(lines.last.find("applied to it"), std::string::npos) << lines.last;

  changes = std::make_shared<StaffChanges>(&cls.rubric(), AdjustmentFile{}, ExtensionFile{});
  ASSERT_EQ(batch::RunBatch(cls.Roster(), cls.env, opts).kept, 1);
  EXPECT_EQ(Slurp(file), graded);
}

TEST(StaffChangesWhyStale, AChangedAdjustmentOrExtensionMakesOnlyThatStudentStale) {
  const rubric::Rubric rubric = TinyRubric();
  const std::string v1 = "- {student: alice, check: run, points: 2, reason: partial}\n";
  StaffChanges before(&rubric, Adj(v1), {});
  report::Result alice = Scored("alice");
  report::Result bob = Scored("bob");
  before.Apply(&alice);
  before.Apply(&bob);
  EXPECT_EQ(before.WhyStale(alice), "");
  EXPECT_EQ(before.WhyStale(bob), "");
  // Through result.json, as resume reads it.
  alice = report::ResultFromJson(report::ToJson(alice));
  EXPECT_EQ(before.WhyStale(alice), "");

  StaffChanges edited(&rubric, Adj("- {student: alice, check: run, points: 3, reason: partial}\n"),
                      {});
  EXPECT_EQ(edited.WhyStale(alice), "adjustments changed");
  EXPECT_EQ(edited.WhyStale(bob), "");
  StaffChanges removed(&rubric, {}, {});
  EXPECT_EQ(removed.WhyStale(alice), "adjustments changed");

  StaffChanges extended(&rubric, Adj(v1),
                        ParseExtensions("student,extra_days\nbob,2\n", "e.csv"));
  EXPECT_EQ(extended.WhyStale(alice), "");
  EXPECT_EQ(extended.WhyStale(bob),
            "extension changed (deadline the rubric's -> 2026-12-03T00:00:00Z)");
}

TEST(StaffOutputs, GradebookGradescopeAndSummaryShowTheAdjustment) {
  const rubric::Rubric rubric = TinyRubric();
  StaffChanges changes(&rubric, Adj("- {student: alice, check: run, points: 2, reason: partial}\n"),
                       {});
  report::Result alice = Scored("alice");
  changes.Apply(&alice);
  report::Result bob = Scored("bob");
  changes.Apply(&bob);
  // Without any staff change the columns are as before.
  EXPECT_EQ(report::RenderGradebookCsv({bob}).find("auto_score"), std::string::npos);
  const std::string csv = report::RenderGradebookCsv({alice, bob});
  EXPECT_NE(csv.find(",error,auto_score,adjustments,extended_to\r\n"), std::string::npos) << csv;
  EXPECT_NE(csv.find("alice,19,20,"), std::string::npos) << csv;
  EXPECT_NE(csv.find(",17,check run 3 -> 5: partial,\r\n"), std::string::npos) << csv;
  const nlohmann::json gs = report::ToGradescope(alice);
  EXPECT_EQ(gs["score"], 19);
  EXPECT_EQ(gs["extra_data"]["auto_score"], 17);
  EXPECT_EQ(gs["extra_data"]["adjustments"][0]["reason"], "partial");
  EXPECT_NE(gs["output"].get<std::string>().find("partial"), std::string::npos);
  const report::ClassSummary s = report::Summarize({alice, bob});
  ASSERT_EQ(s.adjusted.size(), 1u);
  EXPECT_EQ(s.adjusted[0].student, "alice");
  EXPECT_EQ(s.adjusted[0].detail, "17 → 19; check run: partial");
  EXPECT_NE(report::RenderSummaryMarkdown(s, "h.svg").find("## Adjusted by staff"),
            std::string::npos);
  const std::string fb = report::RenderFeedback(alice, false);
  EXPECT_NE(fb.find("**Adjusted by course staff** (automatic score 17)"), std::string::npos) << fb;
  EXPECT_NE(fb.find("check `run`: 3 → 5: partial"), std::string::npos) << fb;
}

TEST(StaffChanges, OnlyStudentsWhoseResultsMovedAreListedWithWhy) {
  const report::Result alice = Scored("alice");
  report::Result alice2 = alice;
  alice2.commit = "2222222222222222222222222222222222222222";
  alice2.checks[1].status = report::CheckStatus::kPass;
  alice2.checks[1].score = 6;
  alice2.score = 20;
  const report::Result bob = Scored("bob");  // unchanged
  report::Result carol = Scored("carol");
  report::Result carol2 = carol;
  carol2.provenance.rubric_sha256 = "new";
  carol2.checks[2].score = 8;  // same status, fewer points
  carol2.score = 15;
  carol2.adjustments.push_back({"total", "", -1.0, std::nullopt, "r", "", "", 16, 15, ""});
  report::Result dave = Scored("dave");
  report::Result dave2 = dave;
  dave2.status = "error";
  dave2.error = "boom";
  const report::Result erin = Scored("erin");
  const auto changes =
      CompareResults({alice, bob, carol, dave}, {alice2, bob, carol2, dave2, erin});
  ASSERT_EQ(changes.size(), 4u);
  EXPECT_EQ(changes[0].student, "alice");
  EXPECT_EQ(changes[0].why, std::vector<std::string>{"commit changed 1111111111 → 2222222222"});
  ASSERT_EQ(changes[0].checks.size(), 1u);
  EXPECT_EQ(changes[0].checks[0].id, "run");
  EXPECT_EQ(changes[0].checks[0].before_status, "fail");
  EXPECT_EQ(changes[0].checks[0].after_status, "pass");
  EXPECT_EQ(changes[1].student, "carol");
  EXPECT_EQ(changes[1].why, (std::vector<std::string>{"rubric changed", "adjustment"}));
  EXPECT_EQ(changes[2].student, "dave");
  EXPECT_FALSE(changes[2].after);
  EXPECT_EQ(changes[2].why, std::vector<std::string>{"status graded → error"});
  EXPECT_EQ(changes[3].student, "erin");
  EXPECT_EQ(changes[3].why, std::vector<std::string>{"new result"});
  const std::string csv = RenderChangesCsv(changes);
  EXPECT_NE(csv.find("alice,17,20,3,commit changed 1111111111 → 2222222222,run:fail->pass\r\n"),
            std::string::npos) << csv;
  EXPECT_NE(csv.find("erin,,17,,new result,\r\n"), std::string::npos) << csv;
  const std::string md = RenderChangesMarkdown(changes, "a", "b");
  EXPECT_NE(md.find("4 student(s) changed"), std::string::npos);
  EXPECT_NE(md.find("| carol | 17 | 15 | rubric changed; adjustment | style pass → pass (10 → 8) |"),
            std::string::npos) << md;
  EXPECT_TRUE(CompareResults({bob}, {bob}).empty());
}

TEST(StaffRubricTest, ExpectedYamlAuthoringErrorsAreMismatches) {
  std::vector<std::string> problems;
  const Expected e = ParseExpected(
      "ref: final\nscore: 17\nchecks:\n  build: pass\n"
      "  run: {status: fail, why: half, facts: [timeout, run.sh]}\n  style: passed\n",
      "x/expected.yaml", &problems);
  EXPECT_EQ(e.ref, "final");
  EXPECT_EQ(e.score, 17.0);
  ASSERT_EQ(e.checks.size(), 3u);
  EXPECT_EQ(e.checks.at("run").status, "fail");
  EXPECT_EQ(e.checks.at("run").facts, (std::vector<std::string>{"timeout", "run.sh"}));
  EXPECT_EQ(problems, std::vector<std::string>{
                          "x/expected.yaml: check 'style': status must be pass, fail, skipped "
                          "or error, got 'passed'"});
  problems.clear();
  ParseExpected("score: 3\n", "y.yaml", &problems);
  EXPECT_EQ(problems, std::vector<std::string>{"y.yaml: no 'checks'"});
}

TEST(StaffRubricTest, EveryKindOfMismatchIsNamed) {
  const rubric::Rubric rubric = TinyRubric();
  report::Result r = Scored("alice");
  r.checks[1].message = "timed out";
  std::vector<std::string> problems;
  const Expected same = ParseExpected(
      "ref: final\nscore: 17\nchecks: {build: pass, run: {status: fail, facts: [timed]}, "
      "style: pass}\n",
      "e.yaml", &problems);
  EXPECT_TRUE(CompareWithExpected("alice", same, r, rubric).empty());
  const Expected off = ParseExpected(
      "ref: main\nscore: 20\nchecks: {build: fail, run: {status: fail, facts: [crash]}, "
      "lint: pass}\n",
      "e.yaml", &problems);
  EXPECT_EQ(CompareWithExpected("alice", off, r, rubric),
            (std::vector<std::string>{
                "alice: graded ref: expected main, got final",
                "alice/build: expected fail, got pass:  | student: ",
                "alice/run: the words do not say 'crash': timed out | student: ",
                "alice/style: expected.yaml has no status for this rubric check",
                "alice/lint: expected.yaml names a check the rubric lacks",
                "alice: score: expected 20, got 17",
            }));
  report::Result error = r;
  error.status = "error";
  error.error = "engine down";
  EXPECT_EQ(CompareWithExpected("alice", same, error, rubric),
            std::vector<std::string>{"alice: not graded: engine down"});
}

TEST(StaffRubricTest, ScoreIsComparedWithinItsToleranceAndABrokenFileIsAMismatch) {
  const rubric::Rubric rubric = TinyRubric();
  const report::Result r = Scored("alice");  // 17
  const std::string checks = "checks: {build: pass, run: fail, style: pass}\n";
  std::vector<std::string> problems;
  EXPECT_TRUE(
      CompareWithExpected("alice", ParseExpected("score: 17.0099\n" + checks, "e", &problems), r,
                          rubric)
          .empty());
  EXPECT_EQ(CompareWithExpected("alice", ParseExpected("score: 17.02\n" + checks, "e", &problems),
                                r, rubric),
            std::vector<std::string>{"alice: score: expected 17.02, got 17"});
  EXPECT_EQ(CompareWithExpected("alice", ParseExpected("score: 16.98\n" + checks, "e", &problems),
                                r, rubric),
            std::vector<std::string>{"alice: score: expected 16.98, got 17"});
  EXPECT_TRUE(problems.empty());
  // Not YAML at all: the parser's message, and no checks.
  ParseExpected("checks: {build: [pass\n", "b/expected.yaml", &problems);
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_TRUE(problems[0].starts_with("b/expected.yaml: yaml-cpp: error at line")) << problems[0];
  EXPECT_EQ(problems[1], "b/expected.yaml: no 'checks'");
}

TEST(StaffRubricTest, ARubricCheckTheResultLacksAndASkippedStatusAreCompared) {
  const rubric::Rubric rubric = TinyRubric();
  report::Result r = Scored("alice");
  r.checks.pop_back();  // graded before the rubric had `style`
  r.checks[1].status = report::CheckStatus::kSkipped;
  r.checks[1].message = "needs build";
  std::vector<std::string> problems;
  const Expected e = ParseExpected(
      "checks: {build: pass, run: {status: fail, why: half done}, style: pass}\n", "e", &problems);
  EXPECT_EQ(CompareWithExpected("alice", e, r, rubric),
            (std::vector<std::string>{
                "alice/run: expected fail (half done), got skipped: needs build | student: ",
                "alice/style: not in the result",
            }));
}

// The command's whole comparison over a class folder: every roster student
// needs an expected.yaml and a result, and an expected.yaml nobody on the
// roster answers is named (a roster that lost a submission compares less).
TEST(StaffRubricTest, CompareClassNamesMissingFilesResultsAndOrphanExpectations) {
  const rubric::Rubric rubric = TinyRubric();
  const std::string dir = MakeTempDir("ipc-staff-rubric-test-");
  const auto put = [&](const std::string& name, const std::string& text) {
    fs::create_directories(fs::path(dir) / name);
    WriteFileAtomic((fs::path(dir) / name / "expected.yaml").string(), text);
  };
  const std::string good = "score: 17\nchecks: {build: pass, run: fail, style: pass}\n";
  put("alice", good);
  put("bob", "checks: {build: pass, run: pass, style: pass}\n");
  put("carol", good);
  put("zed", good);  // not on the roster
  put("amy", good);  // not on the roster
  fs::create_directories(fs::path(dir) / "solution");  // no expected.yaml: not a submission
  const std::vector<FixtureOutcome> got =
      CompareClass({"alice", "bob", "carol", "dave"}, dir,
                   {Scored("alice"), Scored("bob"), Scored("dave")}, rubric);
  const std::string d = (fs::path(dir) / "dave" / "expected.yaml").string();
  ASSERT_EQ(got.size(), 6u);
  EXPECT_EQ(got[0].name, "alice");
  EXPECT_TRUE(got[0].mismatches.empty()) << got[0].mismatches[0];
  EXPECT_EQ(got[1].name, "bob");
  EXPECT_EQ(got[1].mismatches,
            std::vector<std::string>{"bob/run: expected pass, got fail:  | student: "});
  EXPECT_EQ(got[2].name, "carol");
  EXPECT_EQ(got[2].mismatches,
            std::vector<std::string>{
                "carol: no result (its grading did not finish; rerun to grade it)"});
  EXPECT_EQ(got[3].name, "dave");
  EXPECT_EQ(got[3].mismatches,
            std::vector<std::string>{"dave: no " + d +
                                     " (every submission needs hand-written statuses)"});
  EXPECT_EQ(got[4].name, "amy");
  EXPECT_EQ(got[4].mismatches,
            std::vector<std::string>{"amy: " + (fs::path(dir) / "amy" / "expected.yaml").string() +
                                     " has no submission in the roster (add it to the roster, "
                                     "or remove the folder)"});
  EXPECT_EQ(got[5].name, "zed");
  // An authoring error of one file is that submission's mismatch.
  put("alice", "checks: {build: pass, run: failed, style: pass}\n");
  const auto again = CompareClass({"alice"}, dir, {Scored("alice")}, rubric);
  ASSERT_FALSE(again[0].mismatches.empty());
  EXPECT_NE(again[0].mismatches[0].find("check 'run': status must be pass, fail, skipped or "
                                        "error, got 'failed'"),
            std::string::npos)
      << again[0].mismatches[0];
  fs::remove_all(dir);
}

TEST(StaffRubricTest, CoverageNamesWhoFailsEachCheckAndTheUntested) {
  const rubric::Rubric rubric = TinyRubric();
  report::Result a = Scored("alice");  // run fails
  report::Result b = Scored("bob");
  b.checks[1].status = report::CheckStatus::kPass;
  b.checks[0].status = report::CheckStatus::kSkipped;
  report::Result c = Scored("carol");
  c.status = "error";  // an ungraded result covers nothing
  c.checks[2].status = report::CheckStatus::kFail;
  const Coverage cov = ComputeCoverage(rubric, {a, b, c});
  ASSERT_EQ(cov.checks.size(), 3u);
  EXPECT_EQ(cov.checks[0].failed_by, std::vector<std::string>{"bob"});
  EXPECT_EQ(cov.checks[1].failed_by, std::vector<std::string>{"alice"});
  EXPECT_EQ(cov.untested, std::vector<std::string>{"style"});
  const std::string text = RenderCoverage(cov);
  EXPECT_NE(text.find("UNTESTED"), std::string::npos);
  EXPECT_NE(text.find("untested: 1 check(s): style"), std::string::npos);
}

TEST(StaffRubricTest, JunitHasOneCasePerSubmissionAndEscapes) {
  const std::string xml = RenderRubricTestJunit(
      {{"good", {}}, {"bad", {"bad/run: expected <pass>, got fail & more"}}}, "tiny");
  EXPECT_NE(xml.find("<testsuite name=\"tiny\" tests=\"2\" failures=\"1\">"), std::string::npos);
  EXPECT_NE(xml.find("<testcase classname=\"tiny\" name=\"good\"/>"), std::string::npos);
  EXPECT_NE(xml.find("bad/run: expected &lt;pass&gt;, got fail &amp; more"), std::string::npos)
      << xml;
}

}  // namespace
}  // namespace ipc::staff
