// Standard base64 (RFC 4648, with padding) for the protocol's byte fields:
// stdin, stdout, stderr and pid_line can hold any bytes, and JSON strings
// must be valid UTF-8.
#pragma once

#include <optional>
#include <string>

namespace ipc::protocol {

std::string Base64Encode(const std::string& bytes);
// nullopt on malformed input; *bad_offset (if given) = first offending char.
std::optional<std::string> Base64Decode(const std::string& text, std::size_t* bad_offset = nullptr);

}  // namespace ipc::protocol
