// The events of a traced step (Step::watch) as JSON: in the report, and on
// the line-per-event log the probe's tracer writes for the probe (one
// object per line). Byte strings (argv, paths, environment) are base64, so
// no student byte can break a line or a field.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "protocol/probe_protocol.h"

namespace ipc::protocol {

// What the tracer keeps of an exec: the first kTraceMaxArgs arguments, each
// cut to kTraceMaxArgBytes; of a watched exec's environment, the first
// kTraceMaxEnvBytes bytes (whole variables only).
inline constexpr std::size_t kTraceMaxArgs = 64;
inline constexpr std::size_t kTraceMaxArgBytes = 1024;
inline constexpr std::size_t kTraceMaxEnvBytes = 64 * 1024;

nlohmann::json TraceEventToJson(const TraceEvent& e);
// Throws ProtocolError naming `path` on malformed input.
TraceEvent TraceEventFromJson(const nlohmann::json& j, const std::string& path);

// One event as a log line (JSON, then '\n').
std::string TraceLine(const TraceEvent& e);
// A log line (without its '\n'); nullopt with *err when it is not one.
std::optional<TraceEvent> ParseTraceLine(std::string_view line, std::string* err);

}  // namespace ipc::protocol
