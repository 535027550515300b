// util: SHA-256, the atomic file writer and the string helpers.
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "util/error.h"
#include "util/fs.h"
#include "util/sha256.h"
#include "util/strings.h"

namespace ipc {
namespace {

namespace fs = std::filesystem;

std::string Read(const std::string& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> Listing(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir))
    out.push_back(e.path().filename());
  std::sort(out.begin(), out.end());
  return out;
}

TEST(Sha256Hex, KnownVectors) {
  // FIPS 180-2, appendix B.1, and the empty message.
  EXPECT_EQ(Sha256Hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha256Hex(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(Sha256, PiecesHashLikeTheWhole) {
  Sha256 pieces;
  pieces.Update("a");
  pieces.Update("");
  pieces.Update("bc");
  EXPECT_EQ(pieces.HexDigest(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  const std::string big(3 << 20, 'x');  // across many internal blocks
  Sha256 halves;
  halves.Update(std::string_view(big).substr(0, 1234567));
  halves.Update(std::string_view(big).substr(1234567));
  EXPECT_EQ(halves.HexDigest(), Sha256Hex(big));
}

class FsTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = MakeTempDir("ipc-util-test-"); }
  void TearDown() override { fs::remove_all(dir_); }
  std::string dir_;
};

TEST_F(FsTest, MakeTempDirIsFreshAndPrivate) {
  EXPECT_TRUE(fs::is_directory(dir_));
  struct stat st;
  ASSERT_EQ(::stat(dir_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  const std::string other = MakeTempDir(dir_ + "/abs-");
  EXPECT_NE(other, dir_);
  EXPECT_EQ(other.rfind(dir_ + "/abs-", 0), 0u);
}

TEST_F(FsTest, WriteFileAtomicReplacesAndLeavesNoTemporary) {
  const std::string path = dir_ + "/report.json";
  WriteFileAtomic(path, "one");
  EXPECT_EQ(Read(path), "one");
  ::chmod(path.c_str(), 0600);
  WriteFileAtomic(path, "two");
  EXPECT_EQ(Read(path), "two");
  EXPECT_EQ(Listing(dir_), std::vector<std::string>{"report.json"});
  struct stat st;
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);  // the old file's mode is kept
}

TEST_F(FsTest, MissingDirectoryIsNamedInTheError) {
  const std::string path = dir_ + "/no/such/dir/f";
  try {
    WriteFileAtomic(path, "x");
    FAIL() << "no exception";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("No such file or directory"),
              std::string::npos)
        << e.what();
  }
}

// A write that fails halfway (as on a full disk) must keep the old file
// and remove the temporary. Tests run as root, so permissions cannot make
// the write fail; RLIMIT_FSIZE can (write() gets EFBIG once the file would
// grow past the limit). The limit is per process, so it is set in a child.
TEST_F(FsTest, FailedWriteKeepsTheOldFile) {
  const std::string path = dir_ + "/grades.csv";
  WriteFileAtomic(path, "old contents");
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    std::signal(SIGXFSZ, SIG_IGN);  // else the process dies instead of EFBIG
    const rlimit lim{64, 64};
    ::setrlimit(RLIMIT_FSIZE, &lim);
    try {
      WriteFileAtomic(path, std::string(100000, 'n'));
      ::_exit(1);
    } catch (const Error& e) {
      const std::string what = e.what();
      const bool names = what.find(path) != std::string::npos &&
                         what.find("File too large") != std::string::npos;
      ::_exit(names ? 0 : 2);
    }
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0)
      << "1: no exception, 2: message lacks path or cause";
  EXPECT_EQ(Read(path), "old contents");
  EXPECT_EQ(Listing(dir_), std::vector<std::string>{"grades.csv"});
}

// ---- strings.h ------------------------------------------------------------

TEST(Join, PutsTheSeparatorBetweenEachTwoItems) {
  EXPECT_EQ(Join({}, ", "), "");
  EXPECT_EQ(Join({"a"}, ", "), "a");
  EXPECT_EQ(Join({"a", "b", "c"}, " -> "), "a -> b -> c");
  EXPECT_EQ(Join({"a", "b"}, ""), "ab");
  // Empty items keep their separators (the copies this replaced dropped
  // the separator after a leading empty item: {"", "a"} gave "a").
  EXPECT_EQ(Join({"", "a"}, ", "), ", a");
  EXPECT_EQ(Join({"a", "", "b"}, "; "), "a; ; b");
  EXPECT_EQ(Join({"", ""}, "|"), "|");
}

TEST(Trim, RemovesTheGivenCharactersAtBothEndsOnly) {
  EXPECT_EQ(Trim(" \t\r\n\v\fa b\n\t \r\n"), "a b");  // isspace in the C locale
  EXPECT_EQ(Trim("a \n b"), "a \n b");
  EXPECT_EQ(Trim(""), "");
  EXPECT_EQ(Trim(" \n\t "), "");
  EXPECT_EQ(Trim("x"), "x");
  // CSV fields: spaces and tabs only; a line end is data there.
  EXPECT_EQ(Trim(" \talice\n \t", kBlanks), "alice\n");
  EXPECT_EQ(Trim("\r a \r", " \t\r"), "a");
  // Non-ASCII bytes are not whitespace (isspace of a negative char is UB;
  // this Trim never asks it).
  EXPECT_EQ(Trim("\xC2\xA0" "a\xC2\xA0"), "\xC2\xA0" "a\xC2\xA0");
}

TEST(QuoteForMessage, EscapesWhatCouldForgeLinesOrEndTheQuotes) {
  EXPECT_EQ(QuoteForMessage("src/prog.c"), "'src/prog.c'");
  EXPECT_EQ(QuoteForMessage(""), "''");
  EXPECT_EQ(QuoteForMessage("a\nFINAL SCORE: 100"), "'a\\nFINAL SCORE: 100'");
  EXPECT_EQ(QuoteForMessage("it's"), "'it\\x27s'");
  EXPECT_EQ(QuoteForMessage("a\\b"), "'a\\x5cb'");
  EXPECT_EQ(QuoteForMessage(std::string("\0\t\r\x1b\x7f", 5)), "'\\x00\\x09\\x0d\\x1b\\x7f'");
  EXPECT_EQ(QuoteForMessage("caf\xC3\xA9"), "'caf\\xc3\\xa9'");
  // Whatever the input, the result is one line of printable ASCII.
  std::string all;
  for (int c = 0; c < 256; ++c) all += static_cast<char>(c);
  const std::string q = QuoteForMessage(all);
  for (char c : q) EXPECT_TRUE(c >= 0x20 && c < 0x7f) << static_cast<int>(c);
  EXPECT_EQ(q.find('\'', 1), q.size() - 1) << "only the closing quote after the opening one";
}

}  // namespace
}  // namespace ipc
