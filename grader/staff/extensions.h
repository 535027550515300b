// extensions.csv: per-student deadlines. A header row, then one row per
// student with either an absolute `deadline` (ISO 8601 with an offset, as in
// the rubric) or `extra_days` added to the rubric's deadline:
//
//   student,deadline,extra_days,reason
//   alice,2026-12-20T23:59:00Z,,medical certificate
//   bob,,3,family emergency
//
// The late policy then judges that student against this deadline (and
// each part deadline of the rubric moved by as much as the rubric's); the
// feedback says "Deadline extended to ..." (the reason is kept for staff in
// result.json, not shown to the student). Bad rows are reported as
// `extensions.csv:3: skipped: ...` (as the roster does) and ignored.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rubric/rubric.h"

namespace ipc::staff {

struct Extension {
  std::string student;
  std::optional<std::int64_t> deadline;  // absolute, unix seconds
  double extra_days = 0;                 // else: the rubric's deadline + this
  std::string reason;
  int line = 0;
};

struct ExtensionFile {
  std::string path;
  std::map<std::string, Extension> by_student;
  std::vector<std::string> problems;  // "path:line: skipped: why"
};

// Throws ipc::Fatal when the header lacks `student` or both of `deadline`
// and `extra_days`. A missing file (Load) is no extension.
ExtensionFile ParseExtensions(std::string_view text, const std::string& path);
ExtensionFile LoadExtensions(const std::string& path);

// The student's deadline under `policy`: unix seconds, nullopt when the
// rubric has no deadline and the extension gives no absolute one.
std::optional<std::int64_t> ExtendedDeadline(const Extension& e, const rubric::LatePolicy& policy);

// Unix seconds as "2026-12-20T23:59:00Z".
std::string FormatUtc(std::int64_t t);

}  // namespace ipc::staff
