#include "reference/py_text.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <iterator>

#include "reference/py_unicode_tables.h"

namespace ipc::pytext {
namespace {

constexpr std::string_view kInvalidStart = "invalid start byte";
constexpr std::string_view kInvalidContinuation = "invalid continuation byte";
constexpr std::string_view kUnexpectedEnd = "unexpected end of data";

bool IsContinuation(unsigned char b) { return b >= 0x80 && b < 0xC0; }

// One step of CPython's utf8_decode (Objects/stringlib/codecs.h) at `pos`.
// Returns the length of a valid sequence, or 0 with *error filled in. The
// branch structure follows CPython's on purpose: which reason and which
// [start, end) it reports depends on the order of the checks, e.g. a
// truncated "\xE0\x80" is an invalid continuation (overlong), not an
// unexpected end, and "\xED\xA0" (a surrogate) likewise.
std::size_t DecodeStep(std::string_view s, std::size_t pos, char32_t* out,
                       Utf8Error* error) {
  const auto at = [&](std::size_t i) {
    return static_cast<unsigned char>(s[pos + i]);
  };
  const std::size_t avail = s.size() - pos;
  const unsigned char ch = at(0);
  const auto fail = [&](std::size_t bad_len, std::string_view reason) {
    *error = Utf8Error{pos, pos + bad_len, reason};
    return std::size_t{0};
  };
  // "unexpected end of data" covers everything up to the end of the input
  // (endinpos = end - starts in unicode_decode_utf8).
  const auto truncated = [&] { return fail(avail, kUnexpectedEnd); };

  if (ch < 0x80) {
    *out = ch;
    return 1;
  }
  if (ch < 0xC2) return fail(1, kInvalidStart);  // continuation, or C0/C1
  if (ch < 0xE0) {
    if (avail < 2) return truncated();
    if (!IsContinuation(at(1))) return fail(1, kInvalidContinuation);
    *out = (char32_t{ch} & 0x1F) << 6 | (at(1) & 0x3F);
    return 2;
  }
  if (ch < 0xF0) {
    if (avail < 3) {
      if (avail < 2) return truncated();
      const unsigned char ch2 = at(1);
      if (!IsContinuation(ch2) || (ch2 < 0xA0 ? ch == 0xE0 : ch == 0xED)) {
        return fail(1, kInvalidContinuation);
      }
      return truncated();
    }
    const unsigned char ch2 = at(1);
    if (!IsContinuation(ch2)) return fail(1, kInvalidContinuation);
    if (ch == 0xE0 && ch2 < 0xA0) return fail(1, kInvalidContinuation);
    if (ch == 0xED && ch2 >= 0xA0) return fail(1, kInvalidContinuation);
    if (!IsContinuation(at(2))) return fail(2, kInvalidContinuation);
    *out = (char32_t{ch} & 0x0F) << 12 | (char32_t{ch2} & 0x3F) << 6 |
           (at(2) & 0x3F);
    return 3;
  }
  if (ch < 0xF5) {
    if (avail < 4) {
      if (avail < 2) return truncated();
      const unsigned char ch2 = at(1);
      if (!IsContinuation(ch2) || (ch2 < 0x90 ? ch == 0xF0 : ch == 0xF4)) {
        return fail(1, kInvalidContinuation);
      }
      if (avail < 3) return truncated();
      if (!IsContinuation(at(2))) return fail(2, kInvalidContinuation);
      return truncated();
    }
    const unsigned char ch2 = at(1);
    if (!IsContinuation(ch2)) return fail(1, kInvalidContinuation);
    if (ch == 0xF0 && ch2 < 0x90) return fail(1, kInvalidContinuation);
    if (ch == 0xF4 && ch2 >= 0x90) return fail(1, kInvalidContinuation);
    if (!IsContinuation(at(2))) return fail(2, kInvalidContinuation);
    if (!IsContinuation(at(3))) return fail(3, kInvalidContinuation);
    *out = (char32_t{ch} & 0x07) << 18 | (char32_t{ch2} & 0x3F) << 12 |
           (char32_t{at(2)} & 0x3F) << 6 | (at(3) & 0x3F);
    return 4;
  }
  return fail(1, kInvalidStart);  // F5..FF
}

void AppendUtf8(char32_t c, std::string* out) {
  if (c < 0x80) {
    out->push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (c >> 6)));
    out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else if (c < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (c >> 12)));
    out->push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (c >> 18)));
    out->push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
  }
}

bool IsSurrogate(char32_t c) { return c >= 0xD800 && c <= 0xDFFF; }

void AppendHex(char32_t c, int digits, PyStr* out) {
  static constexpr char kHex[] = "0123456789abcdef";  // CPython: lower case
  for (int shift = 4 * (digits - 1); shift >= 0; shift -= 4) {
    out->push_back(static_cast<char32_t>(kHex[(c >> shift) & 0xF]));
  }
}

}  // namespace

std::optional<Utf8Error> FindUtf8Error(std::string_view bytes) {
  Utf8Error error;
  char32_t c = 0;
  for (std::size_t pos = 0; pos < bytes.size();) {
    const std::size_t n = DecodeStep(bytes, pos, &c, &error);
    if (n == 0) return error;
    pos += n;
  }
  return std::nullopt;
}

std::string Utf8ErrorMessage(std::string_view bytes, const Utf8Error& error) {
  // Same two shapes as UnicodeDecodeError_str (Objects/exceptions.c).
  char buf[160];
  if (error.start < bytes.size() && error.end == error.start + 1) {
    std::snprintf(buf, sizeof buf,
                  "'utf-8' codec can't decode byte 0x%02x in position %zu: ",
                  static_cast<unsigned char>(bytes[error.start]), error.start);
  } else {
    std::snprintf(buf, sizeof buf,
                  "'utf-8' codec can't decode bytes in position %zu-%zu: ",
                  error.start, error.end - 1);
  }
  return std::string(buf).append(error.reason);
}

DecodeResult DecodeUtf8(std::string_view bytes, ErrorHandler handler) {
  DecodeResult result;
  result.text.reserve(bytes.size());
  Utf8Error error;
  char32_t c = 0;
  for (std::size_t pos = 0; pos < bytes.size();) {
    const std::size_t n = DecodeStep(bytes, pos, &c, &error);
    if (n > 0) {
      result.text.push_back(c);
      pos += n;
      continue;
    }
    if (handler == ErrorHandler::kStrict) {
      result.text.clear();
      result.error = error;
      return result;
    }
    // surrogateescape: every byte of the bad range is >= 0x80 (a lead byte
    // and the continuation bytes that followed it), so each maps to a lone
    // low surrogate U+DC80..U+DCFF.
    for (std::size_t i = error.start; i < error.end; ++i) {
      result.text.push_back(0xDC00 + static_cast<unsigned char>(bytes[i]));
    }
    pos = error.end;
  }
  return result;
}

PyStr FromUtf8(std::string_view bytes) {
  return DecodeUtf8(bytes, ErrorHandler::kSurrogateEscape).text;
}

std::optional<std::string> EncodeUtf8(const PyStr& text,
                                      ErrorHandler handler) {
  std::string out;
  out.reserve(text.size());
  for (char32_t c : text) {
    if (IsSurrogate(c)) {
      if (handler == ErrorHandler::kSurrogateEscape && c >= 0xDC80 &&
          c <= 0xDCFF) {
        out.push_back(static_cast<char>(c - 0xDC00));
        continue;
      }
      return std::nullopt;
    }
    if (c > 0x10FFFF) return std::nullopt;  // not a code point at all
    AppendUtf8(c, &out);
  }
  return out;
}

std::string ToUtf8(const PyStr& text) {
  std::string out;
  out.reserve(text.size());
  for (char32_t c : text) AppendUtf8(std::min<char32_t>(c, 0x10FFFF), &out);
  return out;
}

bool IsSpace(char32_t c) {
  // Py_UNICODE_ISSPACE: the ASCII table (\t \n \v \f \r, the information
  // separators \x1c-\x1f, space), then _PyUnicode_IsWhitespace: bidi class
  // WS/B/S or category Zs. Stable across Unicode 14 and 15. Note that
  // U+200B ZERO WIDTH SPACE and U+FEFF are NOT whitespace.
  switch (c) {
    case 0x09: case 0x0A: case 0x0B: case 0x0C: case 0x0D:
    case 0x1C: case 0x1D: case 0x1E: case 0x1F: case 0x20:
    case 0x85: case 0xA0: case 0x1680:
    case 0x2028: case 0x2029: case 0x202F: case 0x205F: case 0x3000:
      return true;
    default:
      return c >= 0x2000 && c <= 0x200A;
  }
}

bool IsPrintable(char32_t c) {
  if (c >= 0x20 && c < 0x7F) return true;
  const auto ranges = internal::NonPrintableRanges();
  const auto it = std::upper_bound(
      ranges.begin(), ranges.end(), c,
      [](char32_t v, const internal::CodeRange& r) { return v < r.first; });
  return it == ranges.begin() || c > std::prev(it)->last;
}

PyStr Strip(const PyStr& text) {
  std::size_t begin = 0;
  std::size_t end = text.size();
  while (begin < end && IsSpace(text[begin])) ++begin;
  while (end > begin && IsSpace(text[end - 1])) --end;
  return text.substr(begin, end - begin);
}

PyStr Repr(const PyStr& text) {
  // unicode_repr (Objects/unicodeobject.c): single quotes unless the text
  // holds a ' and no ", in which case double quotes; with both, single
  // quotes and \' escapes.
  const bool has_single = text.find(U'\'') != PyStr::npos;
  const bool has_double = text.find(U'"') != PyStr::npos;
  const char32_t quote = (has_single && !has_double) ? U'"' : U'\'';
  PyStr out;
  out.reserve(text.size() + 2);
  out.push_back(quote);
  for (char32_t c : text) {
    if (c == quote || c == U'\\') {
      out.push_back(U'\\');
      out.push_back(c);
    } else if (c == U'\t') {
      out.append(U"\\t");
    } else if (c == U'\n') {
      out.append(U"\\n");
    } else if (c == U'\r') {
      out.append(U"\\r");
    } else if (c < 0x20 || c == 0x7F) {
      out.append(U"\\x");
      AppendHex(c, 2, &out);
    } else if (c < 0x7F || IsPrintable(c)) {
      out.push_back(c);
    } else if (c <= 0xFF) {
      out.append(U"\\x");
      AppendHex(c, 2, &out);
    } else if (c <= 0xFFFF) {
      out.append(U"\\u");
      AppendHex(c, 4, &out);
    } else {
      out.append(U"\\U");
      AppendHex(c, 8, &out);
    }
  }
  out.push_back(quote);
  return out;
}

std::string TranslateNewlines(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\r') {
      out.push_back(text[i]);
      continue;
    }
    out.push_back('\n');
    if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
  }
  return out;
}

std::string StrError(int err) {
  // strerrordesc_np is glibc's thread-safe, locale-independent table: the
  // same English text CPython gets from strerror(), since CPython never
  // calls setlocale(LC_MESSAGES).
  if (const char* desc = strerrordesc_np(err)) return desc;
  return "Unknown error " + std::to_string(err);
}

std::string OsErrorMessage(int err, const PyStr& filename) {
  return OsErrorMessage(err) + ": " + ToUtf8(Repr(filename));
}

std::string OsErrorMessage(int err) {
  return "[Errno " + std::to_string(err) + "] " + StrError(err);
}

}  // namespace ipc::pytext
