// grader rubric test RUBRIC --roster ROSTER --expected DIR: grade a folder of
// known submissions (e.g. one built by fixtures/make-class.sh) with RUBRIC
// and compare each result with DIR/<student>/expected.yaml (staff/
// rubric_test.h). Exits 1 on any mismatch, printing them, and writes a JUnit
// file; prints the rubric coverage (which submissions make each check fail).
// What a course's CI runs when someone edits the rubric or the reference.
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <set>

#include "batch/outputs.h"
#include "batch/progress.h"
#include "batch/roster.h"
#include "batch/scheduler.h"
#include "cli/commands.h"
#include "cli/interrupt.h"
#include "staff/rubric_test.h"
#include "util/error.h"
#include "util/fs.h"

namespace ipc::cli {
int RunRubricTest(RubricTestOptions o) {
  if (!o.rubric.empty()) o.common.rubric_path = o.rubric;
  const batch::Roster roster = batch::LoadRoster(o.roster);
  for (const auto& p : roster.problems) std::cerr << "grader: " << p << "\n";
  if (!std::filesystem::is_directory(o.expected)) {
    throw Fatal(fmt::format("--expected {}: not a folder (it holds <student>/expected.yaml)",
                            o.expected));
  }
  auto session = OpenSession(o.common);
  session->env.reuse_observations = !o.force;
  const std::string& out = o.common.out_dir;
  std::error_code ec;
  std::filesystem::create_directories(out, ec);
  if (ec) throw Fatal(fmt::format("cannot create the output folder {}: {}", out, ec.message()));
  batch::ConsoleProgress progress(&std::cout, batch::StdoutIsTerminal());
  batch::BatchOptions bo;
  bo.out_dir = out;
  bo.jobs = o.jobs > 0 ? o.jobs : DefaultJobs();
  bo.force = o.force;
  bo.interrupted = [] { return Interrupts::Requested(); };
  bo.progress = &progress;
  const batch::BatchReport rep = batch::RunBatch(roster.entries, session->env, bo);
  if (rep.interrupted) return 128 + Interrupts::Signal();

  std::set<std::string> names;
  std::vector<std::string> students;
  for (const auto& e : roster.entries) {
    names.insert(e.student);
    students.push_back(e.student);
  }
  const batch::LoadedResults loaded = batch::LoadResults(out, names);
  std::vector<staff::FixtureOutcome> outcomes =
      staff::CompareClass(students, o.expected, loaded.results, session->rubric);
  int mismatches = 0;
  for (const auto& oc : outcomes) mismatches += static_cast<int>(oc.mismatches.size());
  for (const auto& p : roster.problems) {
    outcomes.push_back({"roster", {p}});
    ++mismatches;
  }
  const std::string junit =
      o.junit.empty() ? (std::filesystem::path(out) / "junit.xml").string() : o.junit;
  WriteFileAtomic(junit, staff::RenderRubricTestJunit(outcomes, session->rubric.assignment));

  for (const auto& oc : outcomes) {
    for (const auto& m : oc.mismatches) std::cout << "MISMATCH " << m << "\n";
  }
  std::cout << staff::RenderCoverage(staff::ComputeCoverage(session->rubric, loaded.results));
  const int failed = static_cast<int>(std::count_if(
      outcomes.begin(), outcomes.end(), [](const auto& x) { return !x.mismatches.empty(); }));
  std::cout << fmt::format("grader: rubric test {}: {} submission(s), {} with mismatches ({} "
                           "mismatch(es)); {}\n",
                           failed == 0 ? "passed" : "FAILED",
                           outcomes.size() - roster.problems.size(), failed,
                           mismatches, junit);
  return failed == 0 ? 0 : 1;
}

}  // namespace ipc::cli
