// A part with a deadline of its own: read from the rubric (errors at the
// value, file:line:col), and its points judged against it by the late
// policy while the rest of the score keeps the rubric's deadline.
#include <gtest/gtest.h>

#include <string>

#include "rubric/rubric.h"
#include "rubric_text.h"
#include "score/scorer.h"

namespace ipc::score {
namespace {

constexpr const char* kFile = "rubrics/x.yaml";
constexpr std::int64_t kDeadline = 1796083200;  // 2026-12-01T00:00:00Z
constexpr std::int64_t kDay = 86400;

std::string ErrorOf(const std::string& text) {
  try {
    ipc::testing::ParseTestRubric(text, kFile);
  } catch (const rubric::RubricError& e) {
    return e.what();
  }
  return "<no error>";
}

constexpr const char* kChecks =
    "checks:\n"
    "  - {id: a, part: p1, title: A, type: command, points: 4}\n"
    "  - {id: b, part: p2, title: B, type: command, points: 16}\n";

TEST(PartDeadlines, ReadFromTheRubricBesideItsLatePolicy) {
  const rubric::Rubric r = ipc::testing::ParseTestRubric(
      std::string("assignment: x\nref: main\n"
                  "late: {deadline: 2026-12-01T00:00:00Z, penalty_per_day: 0.1}\n"
                  "parts:\n"
                  "  - {id: p1, title: Part 1, points: 4, deadline: 2026-11-21T00:00:00-05:00}\n"
                  "  - {id: p2, title: Part 2, points: 16}\n") +
          kChecks,
      kFile);
  ASSERT_EQ(r.parts.size(), 2u);
  EXPECT_EQ(r.parts[0].deadline, kDeadline - 10 * kDay + 5 * 3600);
  EXPECT_EQ(r.parts[0].deadline_text, "2026-11-21T00:00:00-05:00");
  EXPECT_FALSE(r.parts[1].deadline);
  const auto parts = PartDeadlines(r);
  ASSERT_EQ(parts.size(), 1u);
  EXPECT_EQ(parts[0].title, "Part 1");
  EXPECT_EQ(parts[0].points, 4);
  EXPECT_EQ(parts[0].deadline, *r.parts[0].deadline);
}

TEST(PartDeadlines, ABadDateOrOneWithoutALatePolicyIsAnErrorAtTheValue) {
  const std::string part =
      "parts:\n"
      "  - id: p1\n"
      "    title: P\n"
      "    points: 0\n"
      "    deadline: 2026-11-31T00:00:00Z\n"
      "checks:\n"
      "  - {id: a, part: p1, title: A, type: command}\n";
  EXPECT_EQ(ErrorOf("assignment: x\nref: main\nlate: {deadline: 2026-12-01T00:00:00Z}\n" + part),
            "rubrics/x.yaml:8:15: part 'p1': bad 'deadline' \"2026-11-31T00:00:00Z\": day 31 does "
            "not exist in 2026-11 (expected YYYY-MM-DDTHH:MM:SS then Z or +HH:MM/-HH:MM, "
            "e.g. 2026-10-31T23:59:00-04:00)");
  EXPECT_EQ(ErrorOf("assignment: x\nref: main\n" + part),
            "rubrics/x.yaml:7:15: part 'p1': a part's 'deadline' needs the rubric's late policy: "
            "add a top-level 'late:' with its own 'deadline' and 'penalty_per_day' (see "
            "rubrics/README.md, late)");
}

rubric::LatePolicy Policy() {
  rubric::LatePolicy p;
  p.deadline = kDeadline;
  p.deadline_text = "2026-12-01T00:00:00Z";
  p.time_source = "commit";
  p.penalty_per_day = 0.1;
  p.max_penalty = 0.5;
  return p;
}

fetch::Revision At(std::int64_t t) {
  fetch::Revision rev;
  rev.ref = "final";
  rev.commit_time = t;
  return rev;
}

const std::vector<PartDeadline> kPart1 = {
    {"Part 1", 4, kDeadline - 10 * kDay, "2026-11-21T00:00:00Z"}};

TEST(PartDeadlines, APartLateForItsOwnDeadlineLosesItsShareOnly) {
  // A day and an hour after Part 1's deadline, nine days before the rest's:
  // 2 started days x 10% x Part 1's 4 points.
  const report::Late late = ComputeLate(Policy(), kPart1, At(kDeadline - 9 * kDay + 3600), 20);
  EXPECT_TRUE(late.late);
  EXPECT_DOUBLE_EQ(late.penalty, 0.8);
  EXPECT_NEAR(late.days_late, 1.04, 0.01);
  EXPECT_EQ(late.time_used, "commit");
  EXPECT_EQ(late.explanation,
            "The parts without a deadline of their own: On time: judged by the commit time, as "
            "the rubric says against the deadline 2026-12-01T00:00:00Z. Part 'Part 1': Late by 1.0 "
            "days (judged by the commit time, as the rubric says against the deadline "
            "2026-11-21T00:00:00Z): 0.8 point(s) removed.");
  // Late for both: each share pays for its own lateness (Part 1 at the 50%
  // cap: 2; the rest 2 started days x 10% x 16: 3.2).
  const report::Late both = ComputeLate(Policy(), kPart1, At(kDeadline + kDay + 60), 20);
  EXPECT_DOUBLE_EQ(both.penalty, 5.2);
  EXPECT_NEAR(both.days_late, 11.0, 0.01);
  // On time for both.
  const report::Late none = ComputeLate(Policy(), kPart1, At(kDeadline - 11 * kDay), 20);
  EXPECT_FALSE(none.late);
  EXPECT_EQ(none.penalty, 0);
}

TEST(PartDeadlines, WithoutPartDeadlinesThePenaltyIsTheRubricsAndWithOnlyThemTheirs) {
  const auto rev = At(kDeadline + 36 * 3600);
  const report::Late plain = ComputeLate(Policy(), rev, 20);
  const report::Late same = ComputeLate(Policy(), {}, rev, 20);
  EXPECT_EQ(same.penalty, plain.penalty);
  EXPECT_EQ(same.explanation, plain.explanation);
  EXPECT_EQ(same.late, plain.late);
  // Every point in a part with its own (later) deadline: the rubric's
  // deadline, long past, costs nothing.
  const report::Late only =
      ComputeLate(Policy(), {{"All", 20, kDeadline + 5 * kDay, "2026-12-06T00:00:00Z"}}, rev, 20);
  EXPECT_FALSE(only.late);
  EXPECT_EQ(only.penalty, 0);
  EXPECT_EQ(only.explanation.rfind("Part 'All': On time", 0), 0u) << only.explanation;
}

}  // namespace
}  // namespace ipc::score
