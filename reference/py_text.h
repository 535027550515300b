// ipc_pytext: the parts of CPython 3.11's text handling that the seed cat.py
// exercises, reproduced exactly so that ref-cat prints byte-for-byte what
// `python cat.py` prints, and so the grader can recognise Python's messages.
//
//   sys.stdin.read()   -> DecodeUtf8(stdin, kSurrogateEscape)   (see below)
//   .strip()           -> Strip
//   open(path)         -> EncodeUtf8(path, kSurrogateEscape), NUL check
//   f.read()           -> DecodeUtf8(bytes, kStrict) + TranslateNewlines
//   str(OSError)       -> OsErrorMessage, which uses Repr
//   str(UnicodeDecodeError) -> Utf8ErrorMessage
//
// A Python str is modelled as a sequence of code points (PyStr). It may
// contain lone surrogates U+DC80..U+DCFF: that is how the surrogateescape
// error handler smuggles undecodable bytes through a str.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace ipc::pytext {

using PyStr = std::u32string;

// The two error handlers CPython uses here. Which one sys.stdin gets is a
// surprise: CPython 3.11 picks "surrogateescape" not only in the C/POSIX
// locale but also in the locale-coercion targets C.UTF-8 / C.utf8 / UTF-8
// (Python/initconfig.c, config_get_stdio_errors). python:latest sets
// LANG=C.UTF-8, and `su -` drops LANG entirely (C locale, UTF-8 mode): both
// give surrogateescape, so invalid UTF-8 on stdin does NOT raise there. Only
// a real locale such as en_US.UTF-8 or PYTHONIOENCODING=utf-8:strict gives
// "strict". Files opened with open() always decode strictly.
enum class ErrorHandler { kStrict, kSurrogateEscape };

// The first undecodable sequence, located exactly as CPython's UTF-8 decoder
// (Objects/stringlib/codecs.h, utf8_decode) locates it with final=True.
struct Utf8Error {
  std::size_t start = 0;    // UnicodeDecodeError.start: first bad byte
  std::size_t end = 0;      // UnicodeDecodeError.end (exclusive)
  std::string_view reason;  // "invalid start byte", "invalid continuation
                            // byte" or "unexpected end of data"
};

// nullopt when `bytes` is valid UTF-8 in CPython's sense (no surrogates
// U+D800..U+DFFF, no overlong forms, nothing above U+10FFFF).
std::optional<Utf8Error> FindUtf8Error(std::string_view bytes);

// str(UnicodeDecodeError) for `error` found in `bytes`, e.g.
//   'utf-8' codec can't decode byte 0xff in position 0: invalid start byte
//   'utf-8' codec can't decode bytes in position 3-4: unexpected end of data
// Positions are byte offsets into the chunk handed to the decoder. For
// sys.stdin.read() and f.read() with no size that chunk is the whole stream
// (TextIOWrapper reads everything, then decodes once), so they are offsets
// from the start of the input.
std::string Utf8ErrorMessage(std::string_view bytes, const Utf8Error& error);

struct DecodeResult {
  PyStr text;                      // empty when `error` is set
  std::optional<Utf8Error> error;  // only with kStrict
};

// bytes.decode("utf-8", handler). With kSurrogateEscape every byte of each
// bad sequence becomes U+DC00+byte and decoding resumes after the sequence.
DecodeResult DecodeUtf8(std::string_view bytes, ErrorHandler handler);

// Convenience for literals and already-validated text: surrogateescape
// decoding, which never fails.
PyStr FromUtf8(std::string_view bytes);

// str.encode("utf-8", handler). With kSurrogateEscape, U+DC80..U+DCFF turn
// back into their byte (os.fsencode). Returns nullopt where CPython would
// raise UnicodeEncodeError (any other lone surrogate, or any surrogate with
// kStrict).
std::optional<std::string> EncodeUtf8(const PyStr& text, ErrorHandler handler);

// UTF-8 for text without lone surrogates (a repr() result, for instance);
// a lone surrogate is written as its 3-byte form (CPython "surrogatepass").
std::string ToUtf8(const PyStr& text);

bool IsSpace(char32_t c);      // str.isspace() for one code point
bool IsPrintable(char32_t c);  // str.isprintable() for one code point

PyStr Strip(const PyStr& text);  // str.strip() with no argument
PyStr Repr(const PyStr& text);   // repr(str), quotes included

// Universal newlines as TextIOWrapper(newline=None) applies them on read:
// "\r\n" and a lone "\r" both become "\n". Safe on UTF-8 bytes because 0x0D
// never occurs inside a multi-byte sequence.
std::string TranslateNewlines(std::string_view text);

// strerror(err) as CPython shows it (glibc's English text, "Unknown error N"
// for numbers glibc does not know).
std::string StrError(int err);

// str(OSError) with and without a filename:
//   [Errno 2] No such file or directory: './litterbox/x'
//   [Errno 5] Input/output error
std::string OsErrorMessage(int err, const PyStr& filename);
std::string OsErrorMessage(int err);

}  // namespace ipc::pytext
