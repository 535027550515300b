#include "batch/scheduler.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <exception>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "pipeline/resume.h"
#include "report/feedback.h"
#include "report/gradescope.h"
#include "report/text.h"
#include "util/error.h"

namespace ipc::batch {
namespace {

namespace fs = std::filesystem;

// nlohmann::json refuses invalid UTF-8 when writing result.json, and a
// student's program can print any bytes: make every text field valid first,
// so such a student gets a result instead of an exception.
void MakeTextValid(report::Result* r) {
  const auto fix = [](std::string* s) { *s = report::ValidUtf8(*s); };
  fix(&r->error);
  fix(&r->ref);
  fix(&r->source);
  for (auto& c : r->checks) {
    for (std::string* s :
         {&c.title, &c.message, &c.expected, &c.student, &c.reference, &c.output}) {
      fix(s);
    }
  }
  fix(&r->late.explanation);
}

class Batch {
 public:
  Batch(const std::vector<RosterEntry>& students, const pipeline::Environment& env,
        const BatchOptions& o)
      : students_(students), env_(env), o_(o) {
    report_.total = static_cast<int>(students.size());
  }

  BatchReport Run() {
    if (o_.progress) o_.progress->Begin(report_.total);
    const int jobs = std::clamp(o_.jobs, 1, std::max(1, report_.total));
    std::vector<std::thread> workers;
    for (int i = 0; i < jobs; ++i) workers.emplace_back([this] { Work(); });
    for (auto& w : workers) w.join();
    if (o_.progress) o_.progress->End();
    report_.not_done = report_.total - report_.Done();
    report_.interrupted = Interrupted();
    if (fatal_) std::rethrow_exception(fatal_);
    return report_;
  }

 private:
  bool Interrupted() const { return o_.interrupted && o_.interrupted(); }

  void Sleep(double seconds) {
    if (o_.sleep) return o_.sleep(seconds);
    // Slices of 100 ms so an interrupt does not wait out a 4 s backoff.
    const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    while (std::chrono::steady_clock::now() < until && !Interrupted()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }

  double Backoff(int attempt) const {
    if (o_.backoff_s.empty()) return 0;
    return o_.backoff_s[std::min<std::size_t>(attempt, o_.backoff_s.size() - 1)];
  }

  void Note(const std::string& message) {
    if (o_.progress) o_.progress->Note(message);
  }

  void Work() {
    for (;;) {
      if (stop_ || Interrupted()) return;
      const std::size_t i = next_++;
      if (i >= students_.size()) return;
      try {
        One(students_[i]);
      } catch (const Fatal&) {
        std::lock_guard lock(mu_);
        if (!fatal_) fatal_ = std::current_exception();
        stop_ = true;
        return;
      }
    }
  }

  // Runs `attempt`, and again while `retryable` says so, at most max_retries
  // more times. False once interrupted: a failure the interrupt caused
  // (killed containers) is not retried, and its result is thrown away.
  template <typename Attempt, typename Retryable>
  bool WithRetries(const std::string& student, Attempt attempt, Retryable retryable) {
    for (int n = 0;; ++n) {
      std::string why;
      attempt();
      if (Interrupted()) return false;
      if (!retryable(&why) || n >= o_.max_retries) return true;
      const double wait = Backoff(n);
      Note(fmt::format("{}: {}; retry {}/{} in {} s", student, report::OneLine(why, 200), n + 1,
                       o_.max_retries, wait));
      {
        std::lock_guard lock(mu_);
        ++report_.retries;
      }
      Sleep(wait);
      if (Interrupted()) return false;
    }
  }

  void One(const RosterEntry& e) {
    const pipeline::GradeRequest req{e.student, e.repo, e.refs};
    if (o_.progress) o_.progress->Started(e.student);

    fetch::Snapshot snap;
    fetch::FetchError ferr;
    bool fetched = false;
    const auto fetch_start = std::chrono::steady_clock::now();
    const bool go_on = WithRetries(
        e.student,
        [&] {
          snap = {};
          ferr = {};
          try {
            fetched = pipeline::FetchSubmission(req, env_, &snap, &ferr);
          } catch (const Fatal&) {
            throw;
          } catch (const std::exception& ex) {
            fetched = false;
            ferr = {fetch::FetchErrorKind::kOther, std::string("fetch failed: ") + ex.what()};
          }
        },
        [&](std::string* why) {
          *why = "cannot reach the repository: " + ferr.message;
          return !fetched && ferr.kind == fetch::FetchErrorKind::kUnreachable;
        });
    if (!go_on) return;  // interrupted: no result
    // The fetch happens here, before GradeFetched: account for it in the
    // result's timing as GradeOne would (retries and their waits included).
    const double fetch_s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - fetch_start).count();

    std::string why_not;
    const auto stored = ReadStoredResult(o_.out_dir, e.student, &why_not);
    if (fetched && stored && !o_.force &&
        pipeline::WhyStale(*stored, snap.revision, env_).empty()) {
      // The Gradescope file is derived; bring it back if someone removed it.
      if (!fs::exists(fs::path(o_.out_dir) / e.student / "results.json")) {
        Write([&] { report::WriteGradescopeFile(*stored, o_.out_dir); });
      }
      Finish(e.student, Outcome::kUpToDate, report::SummaryLine(*stored) + "  (up to date)");
      return;
    }
    if (!fetched && ferr.kind == fetch::FetchErrorKind::kUnreachable && stored &&
        stored->status == "graded") {
      // Staff's adjustments and extensions apply at scoring time, and this
      // result's last scoring is all there is: when they changed since,
      // score it again from what it stores.
      report::Result kept = *stored;
      std::string staff;
      if (env_.staff_apply && env_.staff_why_stale) {
        staff = env_.staff_why_stale(kept);
        if (!staff.empty()) {
          env_.staff_apply(&kept);
          Write([&] {
            report::WriteGradescopeFile(kept, o_.out_dir);
            report::WriteResultFiles(kept, o_.out_dir);
          });
          staff = "; " + staff + ": applied to it";
        }
      }
      Finish(e.student, Outcome::kKept,
             fmt::format("{}  (kept: cannot reach the repository now: {}{})",
                         report::SummaryLine(kept), report::OneLine(ferr.message, 200), staff));
      return;
    }

    report::Result r;
    const bool finished = WithRetries(
        e.student,
        [&] {
          try {
            r = pipeline::GradeFetched(req, env_, fetched ? &snap : nullptr, ferr);
          } catch (const Fatal&) {
            throw;
          } catch (const std::exception& ex) {
            // A grader bug on one submission must not end the batch.
            r = {};
            r.student = e.student;
            r.source = fetch::RedactSource(e.repo);
            r.status = "error";
            r.error = std::string("internal error while grading: ") + ex.what();
          }
        },
        [&](std::string* why) {
          *why = r.error;
          return IsEngineFailure(r);
        });
    // A grade that ran while the interrupt killed its container is garbage.
    if (!finished) return;
    r.timing["fetch"] += fetch_s;
    r.timing["total"] += fetch_s;
    MakeTextValid(&r);
    Write([&] {
      report::WriteGradescopeFile(r, o_.out_dir);
      report::WriteResultFiles(r, o_.out_dir);  // result.json last: the marker
    });
    const bool ok = r.status == "graded";
    Finish(e.student, ok ? Outcome::kGraded : Outcome::kError, report::SummaryLine(r));
  }

  template <typename F>
  void Write(F write) {
    try {
      write();
    } catch (const std::exception& ex) {
      // The output folder is everyone's: if it cannot be written, no other
      // student can be either.
      throw Fatal(fmt::format("cannot write results to {}: {}", o_.out_dir, ex.what()));
    }
  }

  void Finish(const std::string& student, Outcome outcome, const std::string& line) {
    {
      std::lock_guard lock(mu_);
      switch (outcome) {
        case Outcome::kGraded: ++report_.graded; break;
        case Outcome::kError: ++report_.errors; break;
        case Outcome::kUpToDate: ++report_.up_to_date; break;
        case Outcome::kKept: ++report_.kept; break;
      }
    }
    if (o_.progress) o_.progress->Finished(student, outcome, line);
  }

  const std::vector<RosterEntry>& students_;
  const pipeline::Environment& env_;
  const BatchOptions& o_;
  std::atomic<std::size_t> next_{0};
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  BatchReport report_;
  std::exception_ptr fatal_;
};

}  // namespace

bool IsEngineFailure(const report::Result& r) {
  return r.status == "error" && r.error.starts_with("container engine failure");
}

std::optional<report::Result> ReadStoredResult(const std::string& out_dir,
                                               const std::string& student, std::string* why) {
  const fs::path path = fs::path(out_dir) / student / "result.json";
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *why = "no stored result";
    return std::nullopt;
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  try {
    report::Result r = report::ResultFromJson(nlohmann::json::parse(ss.str()));
    if (r.student != student) {
      *why = fmt::format("{} is for student '{}'", path.string(), r.student);
      return std::nullopt;
    }
    return r;
  } catch (const std::exception& ex) {
    *why = fmt::format("{} is unreadable: {}", path.string(), ex.what());
    return std::nullopt;
  }
}

BatchReport RunBatch(const std::vector<RosterEntry>& students, const pipeline::Environment& env,
                     const BatchOptions& options) {
  return Batch(students, env, options).Run();
}

}  // namespace ipc::batch
