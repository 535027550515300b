// util: SHA-256 and the atomic file writer.
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

}  // namespace
}  // namespace ipc
