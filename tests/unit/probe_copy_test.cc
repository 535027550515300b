// fs_ops.h CopyTree, the probe's own `cp -a`, against the real `cp -a`: the
// same tree copied both ways must agree entry by entry (type, permission
// bits, owner, times, bytes, link targets, which files share an inode).
#include <gtest/gtest.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "probe/fs_ops.h"
#include "probe_test_support.h"

namespace ipc::probe {
namespace {

namespace fs = std::filesystem;

void Write(const std::string& path, const std::string& data, mode_t mode) {
  std::ofstream(path, std::ios::binary) << data;
  ASSERT_EQ(::chmod(path.c_str(), mode), 0) << path;
}

void SetTimes(const std::string& path, time_t atime, time_t mtime) {
  const timespec t[2] = {{atime, 123456789}, {mtime, 987654321}};
  ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), t, AT_SYMLINK_NOFOLLOW), 0) << path;
}

// One line per entry below `root`: everything cp -a keeps. Every entry is
// stat'ed before any file is read (reading moves a file's atime under
// relatime); the atime of a directory (listing it moves it) and of a
// symlink (cp -a does not keep it) is left out.
std::map<std::string, std::string> Describe(const std::string& root) {
  std::set<std::string> paths = {""};
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    paths.insert(e.path().lexically_relative(root).string());
  }
  std::map<std::string, struct stat> stats;
  for (const auto& rel : paths) {
    const std::string path = rel.empty() ? root : root + "/" + rel;
    EXPECT_EQ(::lstat(path.c_str(), &stats[rel]), 0) << path;
  }
  std::map<std::string, std::string> out;
  std::map<ino_t, std::string> first_of_inode;
  for (const auto& [rel, st] : stats) {
    const std::string path = rel.empty() ? root : root + "/" + rel;
    std::string line = std::to_string(st.st_mode) + " " + std::to_string(st.st_uid) + ":" +
                       std::to_string(st.st_gid) + " m" + std::to_string(st.st_mtim.tv_sec) + "." +
                       std::to_string(st.st_mtim.tv_nsec);
    if (!S_ISDIR(st.st_mode) && !S_ISLNK(st.st_mode)) {  // cp -a leaves a link's atime new
      line += " a" + std::to_string(st.st_atim.tv_sec) + "." + std::to_string(st.st_atim.tv_nsec);
    }
    if (S_ISLNK(st.st_mode)) line += " -> " + fs::read_symlink(path).string();
    if (S_ISREG(st.st_mode)) {
      std::ifstream in(path, std::ios::binary);
      line += " [" + std::string(std::istreambuf_iterator<char>(in), {}) + "]";
      if (st.st_nlink > 1) line += " linked with " + first_of_inode.emplace(st.st_ino, rel).first->second;
    }
    out[rel] = line;
  }
  return out;
}

TEST(CopyTree, AgreesWithCpDashAEntryByEntry) {
  testing::TempDir dir;
  const std::string src = dir / "src";
  ASSERT_EQ(::mkdir(src.c_str(), 0750), 0);
  ASSERT_EQ(::mkdir((src + "/sub").c_str(), 0755), 0);
  ASSERT_EQ(::mkdir((src + "/sub/deeper").c_str(), 0700), 0);
  Write(src + "/plain.txt", "Treasure found!", 0644);
  Write(src + "/listener", std::string("\x7f" "ELF\0\1binary", 11), 0755);
  Write(src + "/setuid", "s", 04755);
  // Mode 000: only root (both copies run as whoever runs the test) can read it.
  if (::geteuid() == 0) Write(src + "/locked", "hidden", 0000);
  Write(src + "/empty", "", 0600);
  Write(src + "/sub/deeper/file", std::string(200000, 'z'), 0640);
  ASSERT_EQ(::link((src + "/plain.txt").c_str(), (src + "/sub/hardlink").c_str()), 0);
  ASSERT_EQ(::symlink("plain.txt", (src + "/relative-link").c_str()), 0);
  ASSERT_EQ(::symlink("/etc/passwd", (src + "/sub/absolute-link").c_str()), 0);
  ASSERT_EQ(::symlink("nowhere", (src + "/dangling").c_str()), 0);
  ASSERT_EQ(::mkfifo((src + "/fifo").c_str(), 0620), 0);
  {
    const int s = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    const std::string sock = src + "/sock";
    ASSERT_LT(sock.size(), sizeof addr.sun_path);
    std::strcpy(addr.sun_path, sock.c_str());
    ASSERT_EQ(::bind(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    ::close(s);
  }
  if (::geteuid() == 0) {  // owners can only be given away by root
    ASSERT_EQ(::lchown((src + "/plain.txt").c_str(), 1234, 100), 0);
    ASSERT_EQ(::lchown((src + "/relative-link").c_str(), 1000, 1000), 0);
    ASSERT_EQ(::lchown((src + "/sub").c_str(), 1000, 100), 0);
    ASSERT_EQ(::chmod((src + "/setuid").c_str(), 04755), 0);  // chown cleared nothing here
  }
  // Old times on everything, again before each copy: reading a file for the
  // first copy moves its atime (relatime), which the second would copy.
  const auto stamp = [&] {
    for (const char* rel : {"plain.txt", "listener", "setuid", "empty",
                            "sub/deeper/file", "relative-link", "sub/absolute-link", "dangling",
                            "fifo", "sock", "sub/deeper", "sub", ""}) {
      SetTimes(src + (*rel ? "/" : "") + rel, 1000000000, 1600000000);
    }
    if (::geteuid() == 0) SetTimes(src + "/locked", 1000000000, 1600000000);
  };

  stamp();
  std::string err;
  ASSERT_TRUE(CopyTree(src, dir / "ours", &err)) << err;
  stamp();
  ASSERT_EQ(std::system(("cp -a -- '" + src + "' '" + (dir / "cps") + "'").c_str()), 0);

  const auto want = Describe(dir / "cps");
  const auto got = Describe(dir / "ours");
  EXPECT_EQ(got.size(), ::geteuid() == 0 ? 15u : 14u);
  EXPECT_EQ(got, want);
}

TEST(CopyTree, AnExistingDestinationOrAMissingSourceIsAnErrorNamingIt) {
  testing::TempDir dir;
  ASSERT_EQ(::mkdir((dir / "src").c_str(), 0755), 0);
  ASSERT_EQ(::mkdir((dir / "there").c_str(), 0755), 0);
  std::string err;
  EXPECT_FALSE(CopyTree(dir / "src", dir / "there", &err));
  EXPECT_NE(err.find("cannot create '" + dir / "there" + "'"), std::string::npos) << err;
  err.clear();
  EXPECT_FALSE(CopyTree(dir / "none", dir / "new", &err));
  EXPECT_NE(err.find("cannot open the directory '" + dir / "none" + "'"), std::string::npos) << err;
  // A symlink to a directory is not followed.
  ASSERT_EQ(::symlink("src", (dir / "link").c_str()), 0);
  err.clear();
  EXPECT_FALSE(CopyTree(dir / "link", dir / "new2", &err));
  EXPECT_FALSE(fs::exists(dir / "new2"));
}

}  // namespace
}  // namespace ipc::probe
