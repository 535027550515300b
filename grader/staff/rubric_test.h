// `grader rubric test`: a rubric's own test suite. A folder of known
// submissions (the model solution and known-bad variants), each with a
// hand-written DIR/<student>/expected.yaml, is graded and every result is
// compared with what staff expect (format: fixtures/README.md):
//
//   ref: final            # optional: the graded ref
//   score: 17.5           # optional, within 0.01
//   checks:               # every check id of the rubric
//     build: pass
//     run: {status: fail, why: "...", facts: [substring, ...]}
//
// A rubric check expected.yaml does not state, or an expected check the
// rubric lacks, is a mismatch (a typo must not drop a comparison); so are a
// submission without expected.yaml or without a result, and an
// expected.yaml no submission answers. The coverage says, per check, which
// submissions make it fail; a check none fails is untested. The project's
// own CI holds fixtures/ to it (tests/e2e/fixture_class_test.cc).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "report/result.h"
#include "rubric/rubric.h"

namespace ipc::staff {

// expected.yaml writes scores to 4 decimals; the scorer rounds to 2.
inline constexpr double kScoreTolerance = 0.01;

struct ExpectedCheck {
  std::string status;  // pass | fail | skipped | error
  std::string why;
  std::vector<std::string> facts;  // substrings of message + " | student: " + student
};

struct Expected {
  std::optional<std::string> ref;
  std::optional<double> score;
  std::map<std::string, ExpectedCheck> checks;
};

// Authoring errors go to *problems ("path: ..."): they are mismatches too.
Expected ParseExpected(const std::string& text, const std::string& path,
                       std::vector<std::string>* problems);

// Every mismatch of `result` against `expected`, each "name/check: ..." or
// "name: ...".
std::vector<std::string> CompareWithExpected(const std::string& name, const Expected& expected,
                                             const report::Result& result,
                                             const rubric::Rubric& rubric);

struct FixtureOutcome {
  std::string name;
  std::vector<std::string> mismatches;
};

// The whole comparison, one outcome per roster student (in `students`
// order): `expected_dir`/<student>/expected.yaml against that student's
// result in `results`. Then one outcome per `expected_dir`/<name>/
// expected.yaml whose name is not a roster student (a roster that lost a
// submission must not pass by comparing less), in name order.
std::vector<FixtureOutcome> CompareClass(const std::vector<std::string>& students,
                                         const std::string& expected_dir,
                                         const std::vector<report::Result>& results,
                                         const rubric::Rubric& rubric);

struct Coverage {
  struct Line {
    std::string check;
    std::vector<std::string> failed_by;  // graded results where it is not "pass"
  };
  std::vector<Line> checks;  // rubric order
  std::vector<std::string> untested;
};
Coverage ComputeCoverage(const rubric::Rubric& rubric, const std::vector<report::Result>& results);

// One testsuite, one testcase per submission, a <failure> listing its
// mismatches.
std::string RenderRubricTestJunit(const std::vector<FixtureOutcome>& outcomes,
                                  const std::string& suite_name);

std::string RenderCoverage(const Coverage& c);

}  // namespace ipc::staff
