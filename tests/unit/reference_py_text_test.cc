// ipc_pytext against its definition. A few named cases pin the behaviours
// that matter for cat.py (each derived from CPython's source, cited in
// reference/py_text.cc); the exhaustive cases then compare with the real
// python3 code point by code point and byte string by byte string.
#include "reference/py_text.h"

#include <cerrno>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "reference/py_unicode_tables.h"
#include "unit/reference_process.h"

namespace ipc::pytext {
namespace {

using reftest::Outcome;
using reftest::PythonPath;
using reftest::RunToEnd;

// Runs a Python program with `input` on stdin; its stdout must be all it
// says. Binary-safe both ways (it reads sys.stdin.buffer).
std::string Python(const std::string& program, const std::string& input = "") {
  const Outcome o = RunToEnd({.argv = {PythonPath(), "-c", program},
                         .env = {"LANG=C.UTF-8", "PATH=/usr/bin:/bin"},
                         .stdin_data = input});
  EXPECT_EQ(o.Describe(), "exit 0") << o.err;
  return o.out;
}

std::string ReprUtf8(std::string_view utf8) { return ToUtf8(Repr(FromUtf8(utf8))); }

TEST(PyTextTest, StripUsesPythonsWhitespaceSet) {
  EXPECT_EQ(ToUtf8(Strip(FromUtf8(" \t\n\v\f\r\x1c\x1f" "x y\u3000\u0085\u00a0"))), "x y");
  // Zero width space and BOM are not whitespace for Python.
  EXPECT_EQ(ToUtf8(Strip(FromUtf8("\u200bx\ufeff"))), "\u200bx\ufeff");
  EXPECT_EQ(Strip(FromUtf8(" \u2028 ")), PyStr());
}

TEST(PyTextTest, ReprChoosesQuotesLikePython) {
  EXPECT_EQ(ReprUtf8("abc"), "'abc'");
  EXPECT_EQ(ReprUtf8("it's"), "\"it's\"");
  EXPECT_EQ(ReprUtf8("say \"hi\""), "'say \"hi\"'");
  EXPECT_EQ(ReprUtf8("it's \"x\""), "'it\\'s \"x\"'");
  EXPECT_EQ(ReprUtf8("a\\b\t\n\r\x01\x7f"), "'a\\\\b\\t\\n\\r\\x01\\x7f'");
  EXPECT_EQ(ReprUtf8("\u00e9\u00a0\u200b\U0001F431\U000E0001"), "'\u00e9\\xa0\\u200b\U0001F431\\U000e0001'");
  EXPECT_EQ(ToUtf8(Repr(FromUtf8("\xff"))), "'\\udcff'");  // surrogateescape'd byte
}

TEST(PyTextTest, Utf8ErrorsCarryCPythonsPositionsAndReasons) {
  const auto message = [](std::string_view bytes) {
    const auto e = FindUtf8Error(bytes);
    return e ? Utf8ErrorMessage(bytes, *e) : std::string("ok");
  };
  EXPECT_EQ(message("abc"), "ok");
  EXPECT_EQ(message("ab\xff"), "'utf-8' codec can't decode byte 0xff in position 2: invalid start byte");
  EXPECT_EQ(message("\xe2\x82" "A"), "'utf-8' codec can't decode bytes in position 0-1: invalid continuation byte");
  EXPECT_EQ(message("x\xf0\x9f\x98"), "'utf-8' codec can't decode bytes in position 1-3: unexpected end of data");
  // Overlong and surrogate forms fail on the second byte, even truncated.
  EXPECT_EQ(message("\xe0\x80"), "'utf-8' codec can't decode byte 0xe0 in position 0: invalid continuation byte");
  EXPECT_EQ(message("\xed\xa0"), "'utf-8' codec can't decode byte 0xed in position 0: invalid continuation byte");
}

TEST(PyTextTest, SurrogateEscapeRoundTripsBytes) {
  const std::string raw = "caf\xe9-\xe2\x82-\xf0\x9f\x98\x80";
  const DecodeResult d = DecodeUtf8(raw, ErrorHandler::kSurrogateEscape);
  ASSERT_FALSE(d.error);
  EXPECT_EQ(d.text, (PyStr{U'c', U'a', U'f', 0xDCE9, U'-', 0xDCE2, 0xDC82, U'-', 0x1F600}));
  EXPECT_EQ(EncodeUtf8(d.text, ErrorHandler::kSurrogateEscape), raw);
  EXPECT_EQ(EncodeUtf8(d.text, ErrorHandler::kStrict), std::nullopt);
  EXPECT_EQ(EncodeUtf8(PyStr{0xD800}, ErrorHandler::kSurrogateEscape), std::nullopt);
  EXPECT_TRUE(DecodeUtf8(raw, ErrorHandler::kStrict).error.has_value());
}

TEST(PyTextTest, TranslateNewlinesIsUniversalNewlines) {
  EXPECT_EQ(TranslateNewlines("a\r\nb\rc\n\r\r\nd\r"), "a\nb\nc\n\n\nd\n");
}

TEST(PyTextTest, OsErrorTextMatchesPythonForEveryErrno) {
  std::string mine;
  for (int err = 1; err < 135; ++err) mine += OsErrorMessage(err, FromUtf8("./litterbox/x'y")) + "\n";
  mine += OsErrorMessage(EIO) + "\n";
  const std::string python = Python(
      "import os\n"
      "for e in range(1, 135): print(OSError(e, os.strerror(e), \"./litterbox/x'y\"))\n"
      "print(OSError(5, os.strerror(5)))\n");
  EXPECT_EQ(mine, python);
}

// Every code point: str.isprintable() and str.isspace() as one bitmap each.
TEST(PyTextTest, IsPrintableAndIsSpaceAgreeWithPythonOnEveryCodePoint) {
  ASSERT_EQ(Python("import unicodedata; print(unicodedata.unidata_version, end='')"),
            internal::kUnicodeVersion)
      << "python3 must be CPython 3.11 (regenerate reference/py_unicode_tables.cc for another)";
  const std::string python = Python(
      "import sys\n"
      "sys.stdout.write(''.join('1' if chr(c).isprintable() else '0' for c in range(0x110000)))\n"
      "sys.stdout.write(''.join('1' if chr(c).isspace() else '0' for c in range(0x110000)))\n");
  ASSERT_EQ(python.size(), 2u * 0x110000);
  int mismatches = 0;
  for (char32_t c = 0; c < 0x110000 && mismatches < 10; ++c) {
    if ((python[c] == '1') != IsPrintable(c)) {
      ++mismatches;
      ADD_FAILURE() << "isprintable(U+" << std::hex << static_cast<unsigned>(c) << ")";
    }
    if ((python[0x110000 + c] == '1') != IsSpace(c)) {
      ++mismatches;
      ADD_FAILURE() << "isspace(U+" << std::hex << static_cast<unsigned>(c) << ")";
    }
  }
}

// All byte strings of length 1..4 over bytes that sit on every boundary of
// the UTF-8 decoder, with and without an ASCII prefix (positions shift):
// strict error text, and surrogateescape result, against CPython.
TEST(PyTextTest, DecoderAgreesWithPythonOnBoundaryByteStrings) {
  const std::vector<unsigned char> alphabet = {0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf,
                                               0xc1, 0xc2, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5};
  std::vector<std::string> inputs;
  for (std::size_t len = 1; len <= 4; ++len) {
    std::size_t total = 1;
    for (std::size_t i = 0; i < len; ++i) total *= alphabet.size();
    for (std::size_t n = 0; n < total; ++n) {
      std::string s;
      for (std::size_t i = 0, k = n; i < len; ++i, k /= alphabet.size()) {
        s.push_back(static_cast<char>(alphabet[k % alphabet.size()]));
      }
      inputs.push_back(s);
      if (len < 4) inputs.push_back("ab" + s);
    }
  }
  // Records are length-prefixed on stdin; answers are one line each.
  std::string stdin_data, mine;
  for (const std::string& s : inputs) {
    stdin_data += std::to_string(s.size()) + "\n" + s;
    const auto error = FindUtf8Error(s);
    mine += error ? Utf8ErrorMessage(s, *error) : std::string("ok");
    mine += " |";
    for (char32_t c : DecodeUtf8(s, ErrorHandler::kSurrogateEscape).text) {
      std::ostringstream hex;
      hex << ' ' << std::hex << static_cast<unsigned>(c);
      mine += hex.str();
    }
    mine += "\n";
  }
  const std::string python = Python(
      "import sys\n"
      "data = sys.stdin.buffer.read(); i = 0; out = []\n"
      "while i < len(data):\n"
      "    j = data.index(b'\\n', i); n = int(data[i:j]); s = data[j + 1:j + 1 + n]; i = j + 1 + n\n"
      "    try:\n"
      "        s.decode('utf-8'); msg = 'ok'\n"
      "    except UnicodeDecodeError as e:\n"
      "        msg = str(e)\n"
      "    out.append(msg + ' |' + ''.join(' %x' % ord(c) for c in s.decode('utf-8', 'surrogateescape')))\n"
      "sys.stdout.write('\\n'.join(out) + '\\n')\n",
      stdin_data);
  ASSERT_EQ(mine.size(), python.size());
  EXPECT_TRUE(mine == python);  // the sizes hold ~140k lines; find the first difference:
  std::istringstream a(mine), b(python);
  std::string la, lb;
  for (int line = 0; std::getline(a, la) && std::getline(b, lb); ++line) {
    if (la != lb) {
      ADD_FAILURE() << "input " << ::testing::PrintToString(inputs[line]) << ": ours " << la << ", python " << lb;
      break;
    }
  }
}

TEST(PyTextTest, ReprAgreesWithPythonOnSamples) {
  const std::vector<std::string> samples = {
      "", "plain", "it's", "\"", "'\"", "\\", "\t\n\r\x0b\x0c", "\x7f\u0080\u009f\u00a0\u00ad\u00ff",
      "\u0100\u0378\u2028\u3000\ue000\ufeff\uffff", "\U0001F431\U000E0001\U000F0000\U0010FFFF",
      "\xf0\x80", "mixed 'quotes' and \"quotes\" \xe9"};
  std::string stdin_data, mine;
  for (const std::string& s : samples) {
    stdin_data += std::to_string(s.size()) + "\n" + s;
    mine += ReprUtf8(s) + "\n";
  }
  const std::string python = Python(
      "import sys\n"
      "data = sys.stdin.buffer.read(); i = 0\n"
      "while i < len(data):\n"
      "    j = data.index(b'\\n', i); n = int(data[i:j]); s = data[j + 1:j + 1 + n]; i = j + 1 + n\n"
      "    print(repr(s.decode('utf-8', 'surrogateescape')))\n",
      stdin_data);
  EXPECT_EQ(mine, python);
}

}  // namespace
}  // namespace ipc::pytext
