// A strict reader for one ISO 8601 / RFC 3339 form, the only one a deadline
// may take: YYYY-MM-DDTHH:MM:SS followed by Z or +HH:MM / -HH:MM. A deadline
// without an offset would depend on the grading machine's time zone, and a
// lenient parser would turn a typo into a different instant, so both fail.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ipc::rubric {

// Unix seconds, or nullopt with the reason in *why ("month 13 is out of range").
std::optional<std::int64_t> ParseIsoDateTime(std::string_view text, std::string* why);

}  // namespace ipc::rubric
