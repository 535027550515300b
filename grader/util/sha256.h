// SHA-256 of a byte string, as lowercase hex (64 characters).
#pragma once

#include <string>
#include <string_view>

namespace ipc {

// Uses OpenSSL's EVP interface; throws ipc::Error if OpenSSL fails (it only
// does on allocation failure).
std::string Sha256Hex(std::string_view data);

}  // namespace ipc
