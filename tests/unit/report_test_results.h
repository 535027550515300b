// Results for the report tests, built by hand: a graded one with every
// check status, a late one, and an error, with hostile text where a
// student controls it.
#pragma once

#include "report/result.h"

namespace ipc::report::testing {

inline Result Graded(const std::string& student, double score_setup = 5, double score_p1 = 10) {
  Result r;
  r.student = student;
  r.ref = "final";
  r.commit = "0123456789abcdef0123456789abcdef01234567";
  r.status = "graded";
  r.max_score = 25;
  r.parts = {{"setup", "Setup", score_setup, 5},
             {"part1", "Part 1", score_p1, 10},
             {"part2", "Part 2", 0, 10}};
  const auto check = [](std::string id, std::string part, CheckStatus st, double score, double max,
                        std::string vis = "visible") {
    CheckResult c;
    c.id = id;
    c.part = part;
    c.title = "Check " + id;
    c.status = st;
    c.score = score;
    c.max_score = max;
    c.visibility = vis;
    c.insight = max == 0;
    if (st != CheckStatus::kPass) c.message = "fix " + id;
    return c;
  };
  r.checks = {check("gitignore", "setup", CheckStatus::kPass, score_setup, 5),
              check("build", "part1", CheckStatus::kPass, score_p1 / 2, 5),
              check("usr1", "part1", score_p1 >= 10 ? CheckStatus::kPass : CheckStatus::kFail,
                    score_p1 / 2, 5, "after_due_date"),
              check("cat", "part2", CheckStatus::kSkipped, 0, 5),
              check("dd", "part2", CheckStatus::kError, 0, 5, "hidden"),
              check("eacces", "part2", CheckStatus::kFail, 0, 0)};
  r.score = score_setup + score_p1;
  r.timing = {{"fetch", 0.5}, {"container", 2.0}, {"total", 2.7}};
  r.provenance.rubric_sha256 = "abc";
  r.provenance.grader_version = "0.1.0";
  return r;
}

inline Result Errored(const std::string& student, const std::string& error) {
  Result r;
  r.student = student;
  r.status = "error";
  r.error = error;
  r.max_score = 25;
  r.timing = {{"fetch", 1.25}};
  return r;
}

}  // namespace ipc::report::testing
