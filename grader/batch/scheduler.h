// The batch core: grade a list of students with N workers, write each
// result the moment it is done, resume where a killed run stopped.
//
// Per student (a worker takes the next one from a shared queue):
//  1. Fetch (pipeline::FetchSubmission). An unreachable server is retried
//     (max_retries times, waiting backoff_s between tries).
//  2. Unless `force`: if OUT/STUDENT/result.json is a graded result of the
//     same commit, rubric, grader and image (pipeline::WhyStale), keep it
//     (kUpToDate). If the fetch failed because the server was unreachable
//     and a graded result is stored, keep that too (kKept): a network blip
//     must not replace a grade with an error. If staff's adjustments or
//     extension changed since (env.staff_why_stale), they are applied to
//     the kept result and it is written again.
//  3. Grade over the fetched snapshot (pipeline::GradeFetched). A
//     container-engine failure is retried like an unreachable server.
//  4. Write OUT/STUDENT/results.json (Gradescope), feedback.md and, last,
//     result.json (the "done" marker), each atomically.
// One student's failure is that student's status-error result, never the
// end of the batch; only ipc::Fatal (the run cannot go on, e.g. the disk is
// full) stops it, after the running workers finish, and is rethrown.
//
// Interrupts: before each student, and after each grade, `interrupted()`
// is asked; once it is true no student is started and a grade that was
// running (its container killed by the interrupt handler) is thrown away,
// so no half result is ever written. Finished results stay: rerunning the
// same batch grades only the rest.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "batch/progress.h"
#include "batch/roster.h"
#include "pipeline/grade.h"
#include "report/result.h"

namespace ipc::batch {

struct BatchOptions {
  std::string out_dir;
  int jobs = 1;
  bool force = false;  // regrade even when the stored result is current
  int max_retries = 2;
  std::vector<double> backoff_s = {1, 4};  // before retry 1, 2, ... (last repeats)
  std::function<void(double)> sleep;       // default: sleeps, waking early on interrupt
  std::function<bool()> interrupted;       // default: never
  ProgressSink* progress = nullptr;
};

struct BatchReport {
  int total = 0;
  int graded = 0;      // graded now, status graded
  int errors = 0;      // graded now, status error
  int up_to_date = 0;  // stored result current, not regraded
  int kept = 0;        // fetch unreachable, stored graded result kept
  int not_done = 0;    // never started, or thrown away on interrupt
  int retries = 0;     // fetch + engine retries, all students
  bool interrupted = false;
  int Done() const { return graded + errors + up_to_date + kept; }
};

BatchReport RunBatch(const std::vector<RosterEntry>& students, const pipeline::Environment& env,
                     const BatchOptions& options);

// result.json of a student in `out_dir`; nullopt with *why when missing or
// unreadable (a truncated or hand-edited file is regraded, not trusted).
std::optional<report::Result> ReadStoredResult(const std::string& out_dir,
                                               const std::string& student, std::string* why);

// The prefix GradeOne gives container-engine failures (the engine, not the
// student, failed: retried).
bool IsEngineFailure(const report::Result& r);

}  // namespace ipc::batch
