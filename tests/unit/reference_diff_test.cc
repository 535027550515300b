// Differential test of the cat program, for the project and both variants:
// ref-cat configured by the assignment's rubric (its `programs:` cat, as
// the grader passes it), the program the assignment's text has students
// write (the seed cat.py, or the variant's model solution) under the real
// CPython 3.11, and the stand-in the grader generates from the same
// description (oracle_spec.h CatPython), also under CPython. Same stdin,
// same directory, same user, same environment: stdout bytes and exit status
// must be identical. Each case also states which behaviour it is meant to
// reach (`expect`, with {F} the folder and {R} the refusal word), so a case
// whose set-up silently failed (e.g. EACCES turned into ENOENT) cannot pass
// by accident.
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <functional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "unit/reference_assignments.h"
#include "unit/reference_process.h"

namespace ipc::reftest {
namespace {

constexpr uid_t kNobodyUid = 65534;  // Debian's nobody/nogroup

enum class As { kRoot, kNobody };

// The locale decides sys.stdin's error handler (see reference/py_text.h).
enum class Locale {
  kCUtf8,     // LANG=C.UTF-8, as in python:latest: surrogateescape
  kNone,      // no LANG at all, as under `su - garfield`: surrogateescape
  kStrictIo,  // PYTHONIOENCODING=utf-8:strict: strict, ref-cat --stdin-errors=strict
};

// A case's directory: the repository's root, and the cat's folder in it.
struct Tree {
  const TempDir& dir;
  std::string folder;
  std::string In(const std::string& rel) const { return dir / (folder + "/" + rel); }
  std::string Root(const std::string& rel) const { return dir / rel; }
};

struct CatCase {
  std::string name;
  std::string stdin_data;
  std::string expect;  // a fragment Python's stdout (or "exit 1") must show
  std::function<void(const Tree&)> setup = nullptr;
  As as = As::kRoot;
  Locale locale = Locale::kCUtf8;
};

// gtest prints parameters of failing cases: the name, not 136 raw bytes.
void PrintTo(const CatCase& c, std::ostream* os) { *os << c.name; }

void Symlink(const std::string& target, const std::string& link) {
  if (symlink(target.c_str(), link.c_str()) != 0) {
    throw std::runtime_error("symlink " + link + ": " + std::strerror(errno));
  }
}

void Mkdir(const std::string& path, mode_t mode) {
  if (mkdir(path.c_str(), mode) != 0 || chmod(path.c_str(), mode) != 0) {
    throw std::runtime_error("mkdir " + path + ": " + std::strerror(errno));
  }
}

void WriteMode(const std::string& path, const std::string& data, mode_t mode) {
  WriteFile(path, data);
  if (chmod(path.c_str(), mode) != 0) throw std::runtime_error("chmod " + path);
}

// Contents for FOLDER/f, the file most content cases read.
std::function<void(const Tree&)> File(std::string contents) {
  return [contents](const Tree& t) { WriteFile(t.In("f"), contents); };
}

std::vector<CatCase> Cases() {
  const std::string long_component(300, 'a');
  std::string long_path;
  while (long_path.size() < 5000) long_path += "dir/";
  std::string big(100000, 'a');
  return {
      // The text's own examples.
      {"Treasure", "treasure.txt\n", "Treasure found!"},
      {"Missing", "no-such-file.txt\n", "[Errno 2] No such file or directory: './{F}/no-such-file.txt'"},
      {"Traversal", "../secret.txt\n", "Hey! This is a secret!"},
      // Paths.
      {"NoNewline", "treasure.txt", "Treasure found!"},
      {"DeepTraversal", "../../../../../../../../../../etc/passwd\n", "root:x:0:0:"},
      {"DeepTraversalHostname", "../../../../../../../../../../etc/hostname", ""},
      {"AbsolutePath", "/etc/hostname\n", "[Errno 2]"},
      {"AbsoluteTraversal", "/../secret.txt\n", "Hey! This is a secret!"},
      {"Empty", "", "[Errno 21] Is a directory: './{F}/'"},
      {"Dot", ".\n", "[Errno 21]"},
      {"DotDot", "..", "[Errno 21]"},
      {"Directory", "sub\n", "[Errno 21]", [](const Tree& t) { Mkdir(t.In("sub"), 0755); }},
      {"NotADirectory", "treasure.txt/x\n", "[Errno 20] Not a directory"},
      {"NameTooLong300", long_component + "\n", "[Errno 36] File name too long"},
      {"PathTooLong", long_path, "[Errno 36] File name too long"},
      {"DevNull", "../../../../../../../../../../dev/null", ""},
      // Whitespace: Python's str.strip() set, and what it does not strip.
      {"WhitespaceOnly", " \t\n\r\v\f\x1c\x1d\x1e\x1f", "[Errno 21]"},
      {"SurroundingWhitespace", "  \t treasure.txt \r\n\n", "Treasure found!"},
      {"UnicodeWhitespace",
       "\u3000\u2003\u1680treasure.txt\u00a0\u0085\u2028\u2029\u202f\u205f\u200a",
       "Treasure found!"},
      {"NotWhitespace", "\u200btreasure.txt\ufeff", "\\u200btreasure.txt\\ufeff"},
      {"TrailingCrKept", "a\rb\n", "a\\rb"},  // stdin does no newline translation
      // Embedded NUL: ValueError before any system call.
      {"EmbeddedNul", std::string("treasure.txt\0x", 14), "{R} embedded null byte"},
      {"TrailingNul", std::string("treasure.txt\0\n", 14), "{R} embedded null byte"},
      // repr() of the path.
      {"SingleQuote", "it's\n", "\"./{F}/it's\""},
      {"DoubleQuote", "say \"hi\"\n", "'./{F}/say \"hi\"'"},
      {"BothQuotes", "it's \"x\"\n", "\\'"},
      {"Backslash", "a\\b\n", "a\\\\b"},
      {"TabNewlineInside", "a\tb\nc\n", "a\\tb\\nc"},
      {"ControlChars", "\x01\x1b\x7f\u0080\u00ad\u009f", "\\x01\\x1b\\x7f\\x80\\xad\\x9f"},
      {"PrintableNonAscii", "caf\u00e9-\U0001F431.txt", "caf\u00e9-\U0001F431.txt"},
      {"NonPrintableNonAscii", "\ue000\u0378\u2029x\U000E0001\U0010FFFF", "\\ue000\\u0378\\u2029x\\U000e0001\\U0010ffff"},
      {"NonAsciiNameExists", "chat-\U0001F408.txt", "miaou",
       [](const Tree& t) { WriteFile(t.In("chat-\U0001F408.txt"), "miaou \U0001F408\n"); }},
      // Symlinks inside the folder.
      {"SymlinkToTreasure", "link\n", "Treasure found!", [](const Tree& t) { Symlink("treasure.txt", t.In("link")); }},
      {"SymlinkEscape", "escape\n", "Hey! This is a secret!", [](const Tree& t) { Symlink("../secret.txt", t.In("escape")); }},
      {"SymlinkDangling", "dangling\n", "[Errno 2]", [](const Tree& t) { Symlink("nowhere", t.In("dangling")); }},
      {"SymlinkLoop", "loop\n", "[Errno 40] Too many levels of symbolic links",
       [](const Tree& t) { Symlink("loop", t.In("loop")); }},
      // Permissions: root reads anything; nobody gets EACCES.
      {"UnreadableAsRoot", "locked\n", "locked contents",
       [](const Tree& t) { WriteMode(t.In("locked"), "locked contents", 0000); }},
      {"UnreadableAsNobody", "locked\n", "[Errno 13] Permission denied: './{F}/locked'",
       [](const Tree& t) { WriteMode(t.In("locked"), "locked contents", 0000); }, As::kNobody},
      {"PrivateDirAsNobody", "private/f\n", "[Errno 13]",
       [](const Tree& t) { Mkdir(t.In("private"), 0700); WriteFile(t.In("private/f"), "x"); },
       As::kNobody},
      {"SecretAsNobody", "../secret.txt\n", "[Errno 13]",
       [](const Tree& t) { chmod(t.Root("secret.txt").c_str(), 0600); }, As::kNobody},
      {"TreasureAsNobody", "treasure.txt\n", "Treasure found!", nullptr, As::kNobody},
      // File contents: text mode decoding and universal newlines.
      {"EmptyFile", "f", "", File("")},
      {"CrlfFile", "f", "line1\nline2\nline3\n", File("line1\r\nline2\rline3\r")},
      {"CrCrLf", "f", "a\n\nb", File("a\r\r\nb")},
      {"ValidUtf8WithBomAndNul", "f", "h\u00e9", File(std::string("\xef\xbb\xbfh\xc3\xa9\0llo", 10))},
      {"BinaryInvalidStart", "f", "can't decode byte 0xff in position 0: invalid start byte", File("\xff\xfe\x01")},
      {"InvalidStartLater", "f", "in position 3: invalid start byte", File("abc\x80")},
      {"InvalidContinuation", "f", "bytes in position 3-4: invalid continuation byte", File("abc\xe2\x82" "Ad")},
      {"InvalidContinuationOne", "f", "byte 0xc3 in position 1: invalid continuation byte", File("a\xc3(")},
      {"UnexpectedEnd", "f", "bytes in position 5-7: unexpected end of data", File("hello\xf0\x9f\x98")},
      {"UnexpectedEndOne", "f", "byte 0xc3 in position 2: unexpected end of data", File("ab\xc3")},
      {"EncodedSurrogate", "f", "byte 0xed in position 0: invalid continuation byte", File("\xed\xa0\x80")},
      {"Overlong", "f", "byte 0xc0 in position 0: invalid start byte", File("\xc0\x80")},
      {"TooLarge", "f", "byte 0xf4 in position 1: invalid continuation byte", File("x\xf4\x90\x80\x80")},
      {"ErrorAfterManyChunks", "f", "in position 100000", File(big + "\xc3")},
      {"ErrorAfterCrlf", "f", "in position 4", File("a\r\nb\xff")},
      {"ElfBinary", "../ref-cat", "{R} 'utf-8' codec can't decode"},
      // Stdin that is not UTF-8: surrogateescape under C.UTF-8 and no locale.
      {"StdinInvalid", "\xfftreasure.txt\n", "\\udcfftreasure.txt"},
      {"StdinTruncated", "x\xe2\x82", "x\\udce2\\udc82"},
      {"StdinLatin1NameExists", "caf\xe9\n", "latin-1 named",
       [](const Tree& t) { WriteFile(t.In("caf\xe9"), "latin-1 named\n"); }},
      {"StdinInvalidNoLocale", "\xfftreasure.txt\n", "\\udcff", nullptr, As::kRoot, Locale::kNone},
      {"TreasureNoLocale", "treasure.txt\n", "Treasure found!", nullptr, As::kRoot, Locale::kNone},
      {"StdinInvalidStrict", "x\xff", "exit 1", nullptr, As::kRoot, Locale::kStrictIo},
      {"StdinValidStrict", "treasure.txt\n", "Treasure found!", nullptr, As::kRoot, Locale::kStrictIo},
  };
}

std::string Fill(std::string text, const reference::CatSpec& spec) {
  for (const auto& [mark, value] : {std::pair<std::string, std::string>{"{F}", spec.folder},
                                    {"{R}", spec.refusal}}) {
    for (std::size_t at; (at = text.find(mark)) != std::string::npos;) {
      text.replace(at, mark.size(), value);
    }
  }
  return text;
}

using CatParam = std::tuple<Assignment, CatCase>;

class CatDiffTest : public ::testing::TestWithParam<CatParam> {
 protected:
  SpawnOptions Options(const TempDir& dir, std::vector<std::string> argv) const {
    const CatCase& c = std::get<1>(GetParam());
    SpawnOptions o;
    o.argv = std::move(argv);
    o.cwd = dir.path();
    o.stdin_data = c.stdin_data;
    o.env = {"PATH=/usr/local/bin:/usr/bin:/bin"};
    if (c.locale == Locale::kCUtf8) o.env.push_back("LANG=C.UTF-8");
    if (c.locale == Locale::kStrictIo) {
      o.env.push_back("LANG=C.UTF-8");
      o.env.push_back("PYTHONIOENCODING=utf-8:strict");
      o.argv.push_back("--stdin-errors=strict");  // ignored by the Python programs
    }
    if (c.as == As::kNobody) {
      o.uid = kNobodyUid;
      o.gid = kNobodyUid;
    }
    return o;
  }
};

TEST_P(CatDiffTest, ConfiguredRefCatTheTextsProgramAndTheStandInAgree) {
  const auto& [assignment, c] = GetParam();
  const std::string source = SourceDir();
  const std::string python = PythonPath();
  if (c.as == As::kNobody && python.rfind("/root/", 0) == 0) {
    const char* ci = std::getenv("CI");
    if (ci && std::string(ci) == "true") {
      FAIL() << python << " is not reachable by uid " << kNobodyUid << ", and CI=true";
    }
    GTEST_SKIP() << python << " is not reachable by uid " << kNobodyUid << "; set IPC_PYTHON3";
  }
  const reference::Program& cat = CatOf(assignment);
  const auto& spec = std::get<reference::CatSpec>(cat.spec);
  std::vector<std::string> ref_cat = ReferenceCommand(cat.spec);
  // A case run as another user runs a copy of ref-cat from a fresh 0755
  // folder under $TMPDIR: the build folder may sit in a checkout that user
  // cannot traverse (/root, a 0700 mktemp -d), and execve would fail with
  // EACCES there. Python is the system's (see the skip above) and every
  // file the programs read is copied into `dir`, so nothing else they need
  // is in the checkout.
  TempDir tools;
  if (c.as != As::kRoot) {
    const std::string copy = tools / "ref-cat";
    WriteMode(copy, ReadFile(ref_cat[0]), 0755);
    ref_cat[0] = copy;
  }

  // The layout of a student's repository: the program beside its folder;
  // the stand-in where the grader writes it (over the program's source).
  TempDir dir;
  const Tree tree{dir, spec.folder};
  const std::string written = "written-" + cat.source;
  WriteFile(dir / written, ReadFile(source + "/" + assignment.cat_py));
  WriteFile(dir / cat.source, reference::CatPython(spec, "s4lt"));
  WriteFile(dir / "secret.txt", ReadFile(source + "/reference/solution/secret.txt"));
  Mkdir(dir / spec.folder, 0755);
  WriteFile(tree.In("treasure.txt"),
            ReadFile(source + "/reference/solution/litterbox/treasure.txt"));
  if (c.name == "ElfBinary") WriteFile(dir / "ref-cat", ReadFile(ref_cat[0]));
  if (c.setup) c.setup(tree);

  const Outcome py = RunToEnd(Options(dir, {python, written}));
  const Outcome stand_in = RunToEnd(Options(dir, {python, cat.source}));
  const Outcome ref = RunToEnd(Options(dir, ref_cat));

  ASSERT_FALSE(py.timed_out);
  // The case reaches the behaviour it was written for.
  const std::string expect = Fill(c.expect, spec);
  if (expect == "exit 1") {
    EXPECT_EQ(py.Describe(), "exit 1") << py.err;
    EXPECT_EQ(py.out, "");
  } else {
    EXPECT_EQ(py.Describe(), "exit 0") << py.err;
    EXPECT_NE(py.out.find(expect), std::string::npos)
        << "python's stdout does not show '" << expect << "':\n" << py.out;
  }
  EXPECT_EQ(ref.out, py.out) << "stdin: " << ::testing::PrintToString(c.stdin_data);
  EXPECT_EQ(ref.Describe(), py.Describe())
      << "python stderr:\n" << py.err << "ref-cat stderr:\n" << ref.err;
  if (py.Describe() != "exit 0") {
    EXPECT_NE(ref.err, "");  // a traceback-like text
  }
  EXPECT_EQ(stand_in.out, py.out) << "the stand-in; stdin: "
                                  << ::testing::PrintToString(c.stdin_data);
  EXPECT_EQ(stand_in.Describe(), py.Describe()) << stand_in.err;
}

INSTANTIATE_TEST_SUITE_P(Reference, CatDiffTest,
                         ::testing::Combine(::testing::ValuesIn(Assignments()),
                                            ::testing::ValuesIn(Cases())),
                         [](const ::testing::TestParamInfo<CatParam>& p) {
                           return std::get<0>(p.param).id + "_" + std::get<1>(p.param).name;
                         });

}  // namespace
}  // namespace ipc::reftest
