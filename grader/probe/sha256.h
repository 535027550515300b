// SHA-256 for the static probe, which links no crypto library: the tracer
// fingerprints the test scripts a CI job runs. Tested against OpenSSL's
// (util/sha256.h) in the unit tests.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace ipc::probe {

// Lower-case hex digest of `data`.
std::string Sha256Hex(std::string_view data);

}  // namespace ipc::probe
