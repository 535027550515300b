// The ustar/pax header parser (see tar_format.h).
#include <cstring>
#include <limits>

#include "util/tar_format.h"

namespace ipc::tar::internal {
namespace {

bool ParseOctal(const char* p, std::size_t n, std::uint64_t* out) {
  std::uint64_t v = 0;
  std::size_t i = 0;
  while (i < n && p[i] == ' ') ++i;
  bool any = false;
  for (; i < n && p[i] >= '0' && p[i] <= '7'; ++i) {
    if (v >> 60) return false;  // would overflow
    v = v * 8 + static_cast<std::uint64_t>(p[i] - '0');
    any = true;
  }
  for (; i < n; ++i) {
    if (p[i] != ' ' && p[i] != '\0') return false;
  }
  *out = v;
  return any || n == 0 || p[0] == '\0' || p[0] == ' ';
}

// GNU's base-256 numbers (first byte 0x80, or 0xff when negative): the
// rest of the field is a big-endian two's-complement number. GNU tar writes
// them for times before 1970 or after 2242 and for sizes over 8 GiB.
bool ParseBase256(const char* p, std::size_t n, std::int64_t* out) {
  const bool negative = static_cast<unsigned char>(p[0]) == 0xff;
  const unsigned char fill = negative ? 0xff : 0x00;
  std::uint64_t v = negative ? ~std::uint64_t{0} : 0;  // sign-extended
  for (std::size_t i = 1; i < n; ++i) {
    const auto b = static_cast<unsigned char>(p[i]);
    if (i + 8 < n) {  // more than 64 bits: only sign extension fits
      if (b != fill) return false;
      continue;
    }
    v = (v << 8) | b;
  }
  const auto s = static_cast<std::int64_t>(v);
  if ((s < 0) != negative) return false;
  *out = s;
  return true;
}

// A numeric header field: octal digits, or base-256.
bool ParseNumber(const char* p, std::size_t n, std::int64_t* out) {
  const auto first = static_cast<unsigned char>(p[0]);
  if (first == 0x80 || first == 0xff) return ParseBase256(p, n, out);
  std::uint64_t v = 0;
  if (!ParseOctal(p, n, &v) ||
      v > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    return false;
  }
  *out = static_cast<std::int64_t>(v);
  return true;
}

bool ParseDecimal(std::string_view s, std::uint64_t* out) {
  if (s.empty() || s.size() > 19) return false;
  std::uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  *out = v;
  return true;
}

// A pax time, [-]SECONDS[.FRACTION], rounded down to whole seconds:
// "-1.5" is 1.5 s before 1970, second -2 (as st_mtim.tv_sec has it).
bool ParsePaxTime(std::string_view s, std::int64_t* out) {
  const bool negative = !s.empty() && s[0] == '-';
  if (negative) s.remove_prefix(1);
  const std::size_t dot = s.find('.');
  std::uint64_t whole = 0;
  if (!ParseDecimal(s.substr(0, dot), &whole) ||
      whole > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    return false;
  }
  bool fraction = false;
  if (dot != std::string_view::npos) {
    for (char c : s.substr(dot + 1)) {
      if (c < '0' || c > '9') return false;
      fraction |= c != '0';
    }
  }
  const auto t = static_cast<std::int64_t>(whole);
  *out = negative ? -t - (fraction ? 1 : 0) : t;
  return true;
}

std::string CString(const char* p, std::size_t n) {
  return std::string(p, strnlen(p, n));
}

}  // namespace

int Parser::Next(Raw* e, std::string* err) {
  std::string pax_path, pax_link;
  bool have_path = false, have_link = false, have_size = false;
  bool have_mtime = false;
  std::uint64_t pax_size = 0;
  std::int64_t pax_mtime = 0;
  for (;;) {
    if (pos_ + kBlock > a_.size()) {
      *err = "truncated archive: no end-of-archive block after offset " +
             std::to_string(pos_);
      return -1;
    }
    const char* h = a_.data() + pos_;
    bool zero = true;
    for (std::size_t i = 0; i < kBlock && zero; ++i) zero = h[i] == '\0';
    if (zero) return 0;
    if (!CheckSum(h)) {
      *err = "bad header checksum at offset " + std::to_string(pos_);
      return -1;
    }
    if (std::memcmp(h + kMagicOff, "ustar", 5) != 0) {
      *err = "not a ustar header at offset " + std::to_string(pos_);
      return -1;
    }
    std::int64_t signed_size = 0, mode = 0, mtime = 0;
    if (!ParseNumber(h + kSizeOff, 12, &signed_size) || signed_size < 0 ||
        !ParseNumber(h + kModeOff, 8, &mode) || mode < 0 ||
        !ParseNumber(h + kMtimeOff, 12, &mtime)) {
      *err = "bad numeric field at offset " + std::to_string(pos_);
      return -1;
    }
    std::uint64_t size = static_cast<std::uint64_t>(signed_size);
    const char type = h[kTypeOff];
    if (have_size && type != 'x' && type != 'g') size = pax_size;
    const std::size_t data_off = pos_ + kBlock;
    if (size > a_.size() || Padded(size) > a_.size() - data_off) {
      *err = "truncated archive: entry at offset " + std::to_string(pos_) +
             " claims " + std::to_string(size) + " bytes";
      return -1;
    }
    const char* data = a_.data() + data_off;
    pos_ = data_off + Padded(size);
    const std::string_view body(data, static_cast<std::size_t>(size));
    if (type == 'x') {
      if (!ParsePax(body, &pax_path, &have_path, &pax_link, &have_link,
                    &pax_size, &have_size, &pax_mtime, &have_mtime, err)) {
        return -1;
      }
      continue;
    }
    if (type == 'g') continue;  // global defaults: nothing we honour
    if (type == 'L' || type == 'K') {
      std::string v(body.substr(0, body.find('\0')));
      if (type == 'L') {
        pax_path = v;
        have_path = true;
      } else {
        pax_link = v;
        have_link = true;
      }
      continue;
    }
    e->type = type;
    e->size = size;
    e->mode = static_cast<unsigned>(mode & 07777);
    e->mtime = have_mtime ? pax_mtime : mtime;
    e->data = data;
    if (have_path) {
      e->path = pax_path;
    } else {
      std::string prefix = CString(h + kPrefixOff, kPrefixLen);
      std::string name = CString(h + kNameOff, kNameLen);
      e->path = prefix.empty() ? name : prefix + "/" + name;
    }
    e->link = have_link ? pax_link : CString(h + kLinkOff, kLinkLen);
    if (e->path.find('\0') != std::string::npos ||
        e->link.find('\0') != std::string::npos) {
      *err = "entry " + QuoteForMessage(e->path) + ": NUL byte in name or link";
      return -1;
    }
    return 1;
  }
}

bool Parser::CheckSum(const char* h) {
  std::uint64_t stored = 0;
  if (!ParseOctal(h + kSumOff, 8, &stored)) return false;
  std::uint64_t sum = 0;
  for (std::size_t i = 0; i < kBlock; ++i) {
    const bool in_sum = i >= kSumOff && i < kSumOff + 8;
    sum += in_sum ? ' ' : static_cast<unsigned char>(h[i]);
  }
  return sum == stored;
}

bool Parser::ParsePax(std::string_view body, std::string* path, bool* have_path,
                      std::string* link, bool* have_link, std::uint64_t* size,
                      bool* have_size, std::int64_t* mtime, bool* have_mtime,
                      std::string* err) {
  while (!body.empty() && body.front() != '\0') {
    const std::size_t sp = body.find(' ');
    std::uint64_t len = 0;
    if (sp == std::string_view::npos ||
        !ParseDecimal(body.substr(0, sp), &len) || len <= sp + 1 ||
        len > body.size() || body[len - 1] != '\n') {
      *err = "malformed pax record";
      return false;
    }
    std::string_view rec = body.substr(sp + 1, len - sp - 2);
    body.remove_prefix(len);
    const std::size_t eq = rec.find('=');
    if (eq == std::string_view::npos) {
      *err = "malformed pax record (no '=')";
      return false;
    }
    std::string_view key = rec.substr(0, eq), value = rec.substr(eq + 1);
    if (key == "path") {
      *path = std::string(value);
      *have_path = true;
    } else if (key == "linkpath") {
      *link = std::string(value);
      *have_link = true;
    } else if (key == "size") {
      if (!ParseDecimal(value, size)) {
        *err = "bad pax size";
        return false;
      }
      *have_size = true;
    } else if (key == "mtime") {
      if (!ParsePaxTime(value, mtime)) {
        *err = "bad pax mtime";
        return false;
      }
      *have_mtime = true;
    }
  }
  return true;
}

}  // namespace ipc::tar::internal
