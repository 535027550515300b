// result.json: the contract every output (feedback, gradebook, Gradescope,
// JUnit, summaries) is derived from. Later versions add fields; they never
// rename or remove one.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace ipc::report {

inline constexpr int kResultSchemaVersion = 1;

enum class CheckStatus { kPass, kFail, kError, kSkipped };
std::string CheckStatusName(CheckStatus s);
CheckStatus CheckStatusFromName(const std::string& s);  // throws ipc::Error

struct CheckResult {
  std::string id;
  std::string part;
  std::string title;
  CheckStatus status = CheckStatus::kSkipped;
  double score = 0;
  double max_score = 0;
  std::string message;    // what to fix, in a sentence or two
  std::string expected;   // what the assignment asks for
  std::string student;    // short observation of the student's program
  std::string reference;  // what the reference did under the same conditions
  std::string output;     // longer log (build output), capped
  std::string visibility = "visible";
  bool insight = false;   // reported, never scored (0 points)
  bool flaky = false;     // passed only after a rerun
  // The assignment's sentences this check's points come from (the
  // rubric's `quote:`), so a student can see which sentence was missed.
  std::vector<std::string> quotes;
};

struct PartResult {
  std::string id;
  std::string title;
  double score = 0;
  double max_score = 0;
};

struct Provenance {
  std::string grader_version;
  std::string rubric_path;
  std::string rubric_sha256;
  std::string image;       // as requested
  std::string image_id;    // what actually ran
  std::string engine;
  std::string graded_at;   // ISO 8601 UTC
  // "none", "userns-remap", "rootless" or "unknown": whether root in the
  // container was an unprivileged user on the host (docs/SECURITY.md).
  std::string engine_userns;
  // Checks whose observations came from an earlier grading (issue 18):
  // check id -> when they were observed (the oldest of its boxes).
  std::map<std::string, std::string> reused;
  // Stored observations that could not be used, and why (they were run
  // again).
  std::vector<std::string> observation_problems;
};

struct Late {
  bool late = false;
  std::string time_used;   // "tag" or "commit"
  std::int64_t submitted_at = 0;
  double days_late = 0;
  double penalty = 0;      // points removed
  std::string explanation;
  // A per-student extension (grader/staff/extensions.h): the deadline that
  // applied instead of the rubric's ("" none), and why (staff only).
  std::string extended_to;
  std::string extension_reason;
};

// A change course staff made to the automatic score (grader/staff/
// adjustments.h), as applied: kept in the result beside the automatic score
// so a regrade re-applies it instead of losing it.
struct AppliedAdjustment {
  std::string kind;    // "check", "part" or "total"
  std::string target;  // the check or part id ("" for total)
  std::optional<double> points;  // added (negative: removed)
  std::optional<double> score;   // replaces the automatic score
  std::string reason;  // the student reads it
  std::string by;
  std::string at;
  double before = 0;   // the target's score before, and after
  double after = 0;
  // Why it was not applied ("the rubric has no check 'x'"): reported,
  // never dropped silently.
  std::string problem;
};

struct Result {
  int schema = kResultSchemaVersion;
  std::string student;
  std::string source;      // redacted
  std::string ref;
  std::string ref_why;     // why that ref: "the newest tag other than milestone1"; "" = the rubric's first
  std::string commit;
  std::int64_t commit_time = 0;
  std::optional<std::int64_t> tag_time;
  std::string status = "graded";  // "graded" | "error"
  std::string error;
  double score = 0;
  double max_score = 0;
  std::vector<PartResult> parts;
  std::vector<CheckResult> checks;
  Late late;
  Provenance provenance;
  std::map<std::string, double> timing;  // seconds per stage
  // Staff adjustments (empty: none) and the score before them.
  std::vector<AppliedAdjustment> adjustments;
  std::optional<double> auto_score;
};

nlohmann::json ToJson(const Result& r);
Result ResultFromJson(const nlohmann::json& j);  // throws ipc::Error

}  // namespace ipc::report
