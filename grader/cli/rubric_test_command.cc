// grader rubric test RUBRIC --roster ROSTER --expected DIR: grade a folder of
// known submissions (e.g. one built by fixtures/make-class.sh) with RUBRIC
// and compare each result with DIR/<student>/expected.yaml (staff/
// rubric_test.h). Exits 1 on any mismatch, printing them, and writes a JUnit
// file; prints the rubric coverage (which submissions make each check fail).
// What a course's CI runs when someone edits the rubric or the reference.
#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>

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
namespace {

struct RubricTestOptions {
  CommonOptions common;
  std::string rubric;
  std::string roster;
  std::string expected;
  std::string junit;  // default: OUT/junit.xml
  int jobs = 0;
  bool force = false;
};

int RunRubricTest(RubricTestOptions o) {
  if (!o.rubric.empty()) o.common.rubric_path = o.rubric;
  const batch::Roster roster = batch::LoadRoster(o.roster);
  for (const auto& p : roster.problems) std::cerr << "grader: " << p << "\n";
  if (!std::filesystem::is_directory(o.expected)) {
    throw Fatal(fmt::format("--expected {}: not a folder (it holds <student>/expected.yaml)",
                            o.expected));
  }
  auto session = OpenSession(o.common);
  session->runner->ShareNetworkNamespaces(roster.entries.size() > 1);
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
  for (const auto& e : roster.entries) names.insert(e.student);
  const batch::LoadedResults loaded = batch::LoadResults(out, names);
  std::map<std::string, const report::Result*> by_student;
  for (const auto& r : loaded.results) by_student[r.student] = &r;

  std::vector<staff::FixtureOutcome> outcomes;
  int mismatches = 0;
  for (const auto& e : roster.entries) {
    staff::FixtureOutcome outcome{e.student, {}};
    const auto file = std::filesystem::path(o.expected) / e.student / "expected.yaml";
    std::ifstream in(file);
    if (!in) {
      outcome.mismatches.push_back(
          fmt::format("{}: no {} (every submission needs hand-written statuses)", e.student,
                      file.string()));
    } else if (!by_student.count(e.student)) {
      outcome.mismatches.push_back(fmt::format("{}: no result", e.student));
    } else {
      std::ostringstream ss;
      ss << in.rdbuf();
      const staff::Expected exp = staff::ParseExpected(ss.str(), file.string(), &outcome.mismatches);
      for (auto& m : staff::CompareWithExpected(e.student, exp, *by_student[e.student],
                                                session->rubric)) {
        outcome.mismatches.push_back(std::move(m));
      }
    }
    mismatches += static_cast<int>(outcome.mismatches.size());
    outcomes.push_back(std::move(outcome));
  }
  for (const auto& p : roster.problems) outcomes.push_back({"roster", {p}});
  const std::string junit =
      o.junit.empty() ? (std::filesystem::path(out) / "junit.xml").string() : o.junit;
  WriteFileAtomic(junit, staff::RenderRubricTestJunit(outcomes, session->rubric.assignment));

  for (const auto& oc : outcomes) {
    for (const auto& m : oc.mismatches) std::cout << "MISMATCH " << m << "\n";
  }
  std::vector<report::Result> graded;
  for (const auto& r : loaded.results) graded.push_back(r);
  std::cout << staff::RenderCoverage(staff::ComputeCoverage(session->rubric, graded));
  const int failed = static_cast<int>(std::count_if(
      outcomes.begin(), outcomes.end(), [](const auto& x) { return !x.mismatches.empty(); }));
  std::cout << fmt::format("grader: rubric test {}: {} submission(s), {} with mismatches ({} "
                           "mismatch(es)); {}\n",
                           failed == 0 ? "passed" : "FAILED", roster.entries.size(), failed,
                           mismatches, junit);
  return failed == 0 ? 0 : 1;
}

}  // namespace

void RegisterRubricTest(CLI::App* rubric, std::function<int()>* run) {
  auto o = std::make_shared<RubricTestOptions>();
  o->common.out_dir = "rubric-test";
  CLI::App* cmd = rubric->add_subcommand(
      "test", "Grade known submissions and compare each with DIR/<student>/expected.yaml; "
              "exit 1 on any mismatch (CI for a rubric)");
  cmd->add_option("RUBRIC", o->rubric, "Rubric YAML (or --rubric)");
  cmd->add_option("--roster", o->roster, "Roster CSV of the submissions (student,repo[,ref])")
      ->required();
  cmd->add_option("--expected", o->expected, "Folder holding <student>/expected.yaml")
      ->required();
  cmd->add_option("--junit", o->junit, "JUnit XML of the comparison (default: OUT/junit.xml)");
  cmd->add_option("-j,--jobs", o->jobs, "Submissions graded in parallel (default: twice the cores)");
  cmd->add_flag("--force", o->force, "Observe everything again instead of reusing observations");
  AddCommonOptions(cmd, &o->common);
  cmd->callback([o, run] { *run = [o] { return RunRubricTest(*o); }; });
}

}  // namespace ipc::cli
