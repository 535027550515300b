// Internal to util/tar*.cc: the ustar layout and the header parser shared
// by Extract and List. Like tar.cc, libc/libstdc++ only (the probe links it
// statically).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "util/strings.h"

namespace ipc::tar::internal {

constexpr std::size_t kBlock = 512;
// ustar field offsets and widths (POSIX.1-2001, "ustar Interchange Format").
constexpr std::size_t kNameOff = 0, kNameLen = 100;
constexpr std::size_t kModeOff = 100, kUidOff = 108, kGidOff = 116;
constexpr std::size_t kSizeOff = 124, kMtimeOff = 136, kSumOff = 148;
constexpr std::size_t kTypeOff = 156, kLinkOff = 157, kLinkLen = 100;
constexpr std::size_t kMagicOff = 257, kVersionOff = 263;
constexpr std::size_t kUnameOff = 265, kGnameOff = 297, kPrefixOff = 345;
constexpr std::size_t kPrefixLen = 155;
constexpr std::uint64_t kMaxOctal11 = 077777777777ull;  // 11 octal digits

inline std::size_t Padded(std::uint64_t n) {
  return static_cast<std::size_t>((n + kBlock - 1) / kBlock * kBlock);
}

// One member as stored, pax/GNU long names already applied. `data` points
// into the archive.
struct Raw {
  char type = '0';
  std::string path, link;
  std::uint64_t size = 0;
  unsigned mode = 0;
  std::int64_t mtime = 0;
  const char* data = nullptr;
};

// Walks headers; applies pax ('x') and GNU long-name ('L'/'K') records to
// the entry that follows them. Validates checksums, magic, numeric fields
// and that every member lies inside the archive.
class Parser {
 public:
  explicit Parser(const std::string& a) : a_(a) {}

  // 1: *e filled; 0: end of archive; -1: *err set.
  int Next(Raw* e, std::string* err);

 private:
  static bool CheckSum(const char* h);
  static bool ParsePax(std::string_view body, std::string* path,
                       bool* have_path, std::string* link, bool* have_link,
                       std::uint64_t* size, bool* have_size,
                       std::int64_t* mtime, bool* have_mtime,
                       std::string* err);

  const std::string& a_;
  std::size_t pos_ = 0;
};

}  // namespace ipc::tar::internal
