// Finding the probe's report in raw container stdout. The probe is the only
// writer of that stream and writes exactly one frame, last. Anything else
// (a second frame, a frame with another nonce) means something other than
// the probe wrote there, so no report is trusted at all.
#include <algorithm>
#include <string_view>

#include "protocol/probe_protocol.h"

namespace ipc::protocol {
namespace {

// Every occurrence of `marker` followed by `nonce` and then a newline (or,
// for the end marker, the end of the output)? Counts all occurrences in *n.
bool AllOurs(std::string_view raw, std::string_view marker, std::string_view nonce, bool eof_ok,
             std::size_t* n) {
  bool ours = true;
  *n = 0;
  for (auto at = raw.find(marker); at != std::string_view::npos; at = raw.find(marker, at + 1)) {
    ++*n;
    const std::string_view rest = raw.substr(at + marker.size());
    const bool ok = rest.substr(0, nonce.size()) == nonce &&
                    (rest.size() == nonce.size() ? eof_ok : rest[nonce.size()] == '\n');
    ours = ours && ok;
  }
  return ours;
}

std::optional<Report> Fail(std::string* err, const std::string& why) {
  if (err) *err = why;
  return std::nullopt;
}

}  // namespace

std::optional<Report> ExtractReport(const std::string& raw_stdout, const std::string& nonce,
                                    std::string* err) {
  if (nonce.empty()) return Fail(err, "internal error: empty report nonce");
  const std::string_view raw(raw_stdout);
  const std::string begin_line = std::string(kReportBegin) + nonce + "\n";
  const std::string end_marker = std::string(kReportEnd) + nonce;

  std::size_t begins = 0, ends = 0;
  const bool begins_ours = AllOurs(raw, kReportBegin, nonce, /*eof_ok=*/false, &begins);
  const bool ends_ours = AllOurs(raw, kReportEnd, nonce, /*eof_ok=*/true, &ends);
  if (begins == 0) {
    return Fail(err,
                "no probe report in the container's output (the probe was killed, crashed "
                "or ran out of memory before it could report)");
  }
  if (!begins_ours || !ends_ours) {
    return Fail(err,
                "the container's output holds a report frame with another nonce: something "
                "other than the probe wrote it (forged report); nothing in it is trusted");
  }
  if (begins > 1 || ends > 1) {
    return Fail(err, "the container's output holds " + std::to_string(std::max(begins, ends)) +
                         " report frames where the probe writes one: the output was tampered "
                         "with; nothing in it is trusted");
  }
  const std::size_t body_at = raw.find(begin_line) + begin_line.size();
  const std::size_t end_at = raw.find(end_marker);
  if (ends == 0 || end_at < body_at) {
    return Fail(err,
                "the probe's report is cut off (no end marker after the start; output "
                "capped or the probe killed while writing)");
  }
  if (end_at == body_at || raw[end_at - 1] != '\n') {
    return Fail(err, "the probe's report frame is malformed (no newline before the end marker)");
  }
  const std::string_view body = raw.substr(body_at, end_at - 1 - body_at);
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(body);
  } catch (const nlohmann::json::exception& e) {
    return Fail(err, std::string("the probe's report is not valid JSON: ") + e.what());
  }
  Report report;
  try {
    report = ReportFromJson(j);
  } catch (const ProtocolError& e) {
    return Fail(err, std::string("the probe's report is malformed: ") + e.what());
  }
  if (report.nonce != nonce) {
    return Fail(err, "the probe's report names nonce '" + report.nonce + "' inside a frame for '" +
                         nonce + "'");
  }
  return report;
}

}  // namespace ipc::protocol
