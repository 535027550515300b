// grader batch --roster FILE: a whole class, N at a time, resumable.
// All logic is in grader/batch/; this file picks the students (roster,
// shard, --only), runs the batch and rebuilds the class-wide files.
#include <fmt/format.h>

#include <csignal>
#include <filesystem>
#include <iostream>
#include <set>

#include "batch/outputs.h"
#include "batch/progress.h"
#include "batch/roster.h"
#include "batch/scheduler.h"
#include "batch/selection.h"
#include "batch/shard.h"
#include "cli/commands.h"
#include "cli/interrupt.h"
#include "cli/staff_options.h"
#include "staff/changes.h"
#include "util/error.h"
#include "util/fs.h"

namespace ipc::cli {
int RunBatchCommand(const BatchCliOptions& o) {
  const batch::Roster roster = batch::LoadRoster(o.roster);
  for (const auto& p : roster.problems) std::cerr << p << "\n";
  std::optional<batch::Shard> shard;
  if (!o.shard.empty()) shard = batch::ParseShard(o.shard);
  const batch::Selection selection = batch::SelectStudents(roster, shard, o.only);
  const std::vector<batch::RosterEntry>& mine = selection.mine;
  const std::vector<batch::RosterEntry>& todo = selection.todo;
  if (o.jobs < 0)
    throw Fatal(fmt::format("-j {}: the number of parallel jobs must be >= 1", o.jobs));
  const int jobs = o.jobs > 0 ? o.jobs : DefaultJobs();

  auto session = OpenSession(o.common);
  // --force observes everything again; otherwise a box already observed
  // on the same trees is reused (pipeline/observations.h).
  session->env.reuse_observations = !o.force;
  const std::string& out = o.common.out_dir;
  // Extensions and adjustments (grader/staff/): applied at scoring time; a
  // change to a student's makes only that student stale.
  const auto staff_changes = InstallStaffChanges(o.staff, out, &session->env);
  // Even a shard with no student gets its folder (and empty class files), so
  // `grader merge` over every shard's folder works whatever the split.
  std::error_code ec;
  std::filesystem::create_directories(out, ec);
  if (ec) throw Fatal(fmt::format("cannot create the output folder {}: {}", out, ec.message()));
  std::cout << fmt::format("grader: {} {} student(s){}{} with -j {} into {}\n",
                           o.only.empty() ? "grading" : "regrading", todo.size(),
                           shard ? " of shard " + shard->ToString() : "",
                           o.force ? " (--force: regrading all)" : "", jobs, out);
  std::cout.flush();

  batch::ConsoleProgress progress(&std::cout, batch::StdoutIsTerminal());
  batch::BatchOptions bo;
  bo.out_dir = out;
  bo.jobs = jobs;
  // --only is the TA's "regrade these now": always regrade them (reusing
  // what was already observed of an unchanged tree, unless --force).
  bo.force = o.force || !o.only.empty();
  bo.interrupted = [] { return Interrupts::Requested(); };
  bo.progress = &progress;
  // The results before this batch, for changes.md (staff/changes.h).
  std::set<std::string> mine_names;
  for (const auto& e : mine) mine_names.insert(e.student);
  const std::vector<report::Result> previous = batch::LoadResults(out, mine_names).results;
  const batch::BatchReport rep = batch::RunBatch(todo, session->env, bo);

  if (rep.interrupted) {
    const int sig = Interrupts::Signal();
    const char* name = sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "SIGHUP";
    std::cerr << fmt::format(
        "grader: interrupted by {}: {} of {} student(s) done, their results are in {}. "
        "Students being graded were stopped and have no result. Run the same command again to "
        "grade the rest (finished students are not regraded).\n",
        name, rep.Done(), rep.total, out);
    return 128 + sig;
  }

  // The class-wide files come from every result on disk for this roster
  // (and shard), so an --only run still produces the whole gradebook.
  std::set<std::string> names;
  for (const auto& e : mine) names.insert(e.student);
  batch::LoadedResults loaded = batch::LoadResults(out, names);
  for (const auto& w : loaded.warnings) std::cerr << "grader: " << w << "\n";
  std::vector<std::string> notes = roster.problems;
  for (const auto& p : staff_changes->adjustments().problems) notes.push_back(p);
  for (const auto& p : staff_changes->extensions().problems) notes.push_back(p);
  for (const auto& r : loaded.results) {
    for (const auto& a : r.adjustments) {
      if (a.problem.empty()) continue;
      const std::string w = fmt::format("{}: adjustment of {} '{}' not applied: {}", r.student,
                                        a.kind, a.target, a.problem);
      std::cerr << "grader: warning: " << w << "\n";
      notes.push_back(w);
    }
  }
  for (const auto& a : staff_changes->adjustments().entries) {
    if (names.count(a.student)) continue;
    const std::string w = fmt::format("{}:{}: adjustment for '{}', who is not in the roster",
                                      staff_changes->adjustments().path, a.line, a.student);
    std::cerr << "grader: warning: " << w << "\n";
    notes.push_back(w);
  }
  std::set<std::string> have;
  int errors = 0;
  for (const auto& r : loaded.results) {
    have.insert(r.student);
    errors += r.status != "graded";
  }
  for (const auto& e : mine) {
    if (!have.count(e.student)) notes.push_back(e.student + ": no result (not graded yet)");
  }
  const auto changes = staff::CompareResults(previous, loaded.results);
  WriteFileAtomic((std::filesystem::path(out) / "changes.md").string(),
                  staff::RenderChangesMarkdown(changes, "the previous results", "this batch"));
  WriteFileAtomic((std::filesystem::path(out) / "changes.csv").string(),
                  staff::RenderChangesCsv(changes));
  notes.push_back(fmt::format("What changed since the previous results: changes.md ({} "
                              "student(s))", changes.size()));
  batch::WriteClassOutputs(loaded.results, out, notes);

  const int missing = static_cast<int>(mine.size() - have.size());
  std::cout << fmt::format(
      "grader: {} done: {} graded, {} error(s), {} up to date{}; {} retr{}. Class of {}: "
      "{} result(s), {} error(s){}{}.\n"
      "  {}/grades.csv, summary.html, summary.md, junit.xml; per student: result.json, "
      "results.json (Gradescope), feedback.md\n",
      rep.total, rep.graded, rep.errors, rep.up_to_date,
      rep.kept ? fmt::format(", {} kept (repository unreachable)", rep.kept) : "", rep.retries,
      rep.retries == 1 ? "y" : "ies", mine.size(), loaded.results.size(), errors,
      missing ? fmt::format(", {} without a result", missing) : "",
      roster.problems.empty() ? ""
                              : fmt::format(", {} roster row(s) skipped", roster.problems.size()),
      out);
  // Non-zero when anyone is not graded, so CI marks the job: errors, missing
  // results, skipped roster rows (or staff-file rows), results kept from an
  // earlier run.
  const bool staff_rows_skipped = !staff_changes->adjustments().problems.empty() ||
                                  !staff_changes->extensions().problems.empty();
  return errors == 0 && missing == 0 && roster.problems.empty() && rep.kept == 0 &&
                 !staff_rows_skipped
             ? 0
             : 1;
}

}  // namespace ipc::cli
