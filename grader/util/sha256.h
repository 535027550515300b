// SHA-256 of a byte string, as lowercase hex (64 characters).
#pragma once

#include <string>
#include <string_view>

struct evp_md_ctx_st;  // OpenSSL's EVP_MD_CTX

namespace ipc {

// Uses OpenSSL's EVP interface; throws ipc::Error if OpenSSL fails (it only
// does on allocation failure).
std::string Sha256Hex(std::string_view data);

// The same over pieces fed one by one, so large inputs need not be joined
// into one buffer first (the derived image's hash covers ~20 MB of tools).
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void Update(std::string_view data);
  std::string HexDigest();  // once; the object is done after it

 private:
  ::evp_md_ctx_st* ctx_;
};

}  // namespace ipc
