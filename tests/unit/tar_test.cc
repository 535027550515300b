// The tar dialect: Writer -> Extract/List round trips, and Extract's
// refusals (escapes, symlink tricks, damaged or oversized archives).
#include "util/tar.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace ipc::tar {
namespace {

namespace fs = std::filesystem;

class TarTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = MakeDir("ipc-tar-test-");
    dest_ = root_ + "/dest";
    outside_ = root_ + "/outside";
    fs::create_directories(dest_);
    fs::create_directories(outside_);
  }
  void TearDown() override { fs::remove_all(root_); }

  static std::string MakeDir(const std::string& prefix) {
    std::string t = (fs::temp_directory_path() / (prefix + "XXXXXX")).string();
    if (::mkdtemp(t.data()) == nullptr) std::abort();
    return t;
  }

  static std::string Read(const std::string& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  static unsigned Mode(const std::string& p) {
    struct stat st;
    EXPECT_EQ(::lstat(p.c_str(), &st), 0) << p;
    return st.st_mode & 07777;
  }

  bool Extract(const std::string& archive, std::string* err,
               ExtractLimits limits = {}) {
    return tar::Extract(archive, dest_, limits, err);
  }

  std::string root_, dest_, outside_;
};

TEST_F(TarTest, RoundTripKeepsContentModesLinksAndLongNames) {
  const std::string long_dir(120, 'd');
  const std::string long_name = long_dir + "/" + std::string(110, 'f') + ".txt";
  const std::string long_target = "../" + std::string(150, 't');
  std::string binary(3000, '\0');
  for (std::size_t i = 0; i < binary.size(); ++i)
    binary[i] = static_cast<char>(i * 7);

  Writer w;
  w.set_mtime(1700000000);
  w.AddDir("src", 0755);
  w.AddFile("src/listener.c", "int main(void) { return 0; }\n", 0644);
  w.AddFile("test_listener.sh", "#!/bin/sh\n", 0755);
  w.AddFile("empty", "", 0644);
  w.AddFile("blob.bin", binary, 0644);
  w.AddSymlink("link", "src/listener.c");
  w.AddDir(long_dir, 0755);
  w.AddFile(long_name, "long\n", 0644);
  w.AddSymlink("longlink", long_target);
  const std::string archive = w.Finish();
  ASSERT_EQ(archive.size() % 512, 0u);
  // Names over 100 bytes travel in pax records, not truncated fields.
  EXPECT_NE(archive.find(" path=" + long_name + "\n"), std::string::npos);
  EXPECT_NE(archive.find(" linkpath=" + long_target + "\n"), std::string::npos);

  std::string err;
  ASSERT_TRUE(Extract(archive, &err)) << err;
  EXPECT_EQ(Read(dest_ + "/src/listener.c"), "int main(void) { return 0; }\n");
  EXPECT_EQ(Read(dest_ + "/blob.bin"), binary);
  EXPECT_EQ(Read(dest_ + "/empty"), "");
  EXPECT_EQ(Read(dest_ + "/" + long_name), "long\n");
  EXPECT_EQ(Mode(dest_ + "/test_listener.sh"), 0755u);
  EXPECT_EQ(Mode(dest_ + "/src/listener.c"), 0644u);
  EXPECT_EQ(Mode(dest_ + "/src"), 0755u);
  EXPECT_EQ(fs::read_symlink(dest_ + "/link"), "src/listener.c");
  EXPECT_EQ(fs::read_symlink(dest_ + "/longlink"), long_target);
  struct stat st;
  ASSERT_EQ(::stat((dest_ + "/empty").c_str(), &st), 0);
  EXPECT_EQ(st.st_mtime, 1700000000);

  std::vector<Member> members;
  ASSERT_TRUE(List(archive, &members, &err)) << err;
  ASSERT_EQ(members.size(), 9u);
  EXPECT_EQ(members[0].path, "src");
  EXPECT_EQ(members[0].type, Member::Type::kDir);
  EXPECT_EQ(members[4].size, binary.size());
  EXPECT_EQ(members[7].path, long_name);
  EXPECT_EQ(members[8].type, Member::Type::kSymlink);
  EXPECT_EQ(members[8].link, long_target);
}

TEST_F(TarTest, RefusesEscapingPaths) {
  for (const char* bad : {"../x", "/abs", "a/../../x", "a/.."}) {
    Writer w;
    w.AddFile(bad, "x", 0644);
    std::string err;
    EXPECT_FALSE(Extract(w.Finish(), &err)) << bad;
    EXPECT_NE(err.find(bad), std::string::npos) << err;
  }
  EXPECT_FALSE(fs::exists(root_ + "/x"));
  EXPECT_FALSE(fs::exists("/abs"));
}

TEST_F(TarTest, NeverWritesThroughAPlantedSymlink) {
  Writer w;
  w.AddSymlink("a", outside_);
  w.AddFile("a/b", "pwned", 0644);
  std::string err;
  EXPECT_FALSE(Extract(w.Finish(), &err));
  EXPECT_NE(err.find("'a'"), std::string::npos) << err;
  EXPECT_NE(err.find("symlink"), std::string::npos) << err;
  EXPECT_FALSE(fs::exists(outside_ + "/b"));
}

TEST_F(TarTest, NeverCreatesDirectoriesThroughAPlantedSymlink) {
  Writer w;
  w.AddSymlink("a", outside_);
  w.AddDir("a/sub", 0755);
  std::string err;
  EXPECT_FALSE(Extract(w.Finish(), &err));
  EXPECT_FALSE(fs::exists(outside_ + "/sub"));
}

TEST_F(TarTest, LaterFileReplacesASymlinkInsteadOfFollowingIt) {
  const std::string victim = outside_ + "/victim";
  std::ofstream(victim) << "original";
  Writer w;
  w.AddSymlink("f", victim);
  w.AddFile("f", "new", 0644);
  std::string err;
  ASSERT_TRUE(Extract(w.Finish(), &err)) << err;
  EXPECT_EQ(Read(victim), "original");
  EXPECT_FALSE(fs::is_symlink(dest_ + "/f"));
  EXPECT_EQ(Read(dest_ + "/f"), "new");
}

TEST_F(TarTest, ModesAreMaskedToPermissionBits) {
  Writer w;
  w.AddFile("suid", "x", 04755);
  std::string err;
  ASSERT_TRUE(Extract(w.Finish(), &err)) << err;
  EXPECT_EQ(Mode(dest_ + "/suid"), 0755u);
}

TEST_F(TarTest, DamagedArchivesAreRefused) {
  Writer w;
  w.AddFile("a", std::string(600, 'a'), 0644);
  const std::string good = w.Finish();
  std::string err;

  std::string bad_sum = good;
  bad_sum[0] = 'b';  // name changed, checksum not
  EXPECT_FALSE(Extract(bad_sum, &err));
  EXPECT_NE(err.find("checksum"), std::string::npos) << err;

  EXPECT_FALSE(Extract(good.substr(0, 512 + 100), &err));
  EXPECT_NE(err.find("truncated"), std::string::npos) << err;

  EXPECT_FALSE(Extract(good.substr(0, 512 * 3), &err));  // no end blocks
  EXPECT_NE(err.find("truncated"), std::string::npos) << err;
}

TEST_F(TarTest, HardLinksAndDevicesAreNotPartOfTheDialect) {
  Writer w;
  w.AddFile("h", "", 0644);
  std::string archive = w.Finish();
  archive[156] = '1';  // hard link; fix the checksum to match
  unsigned sum = 0;
  for (int i = 0; i < 512; ++i) {
    sum += (i >= 148 && i < 156) ? ' ' : static_cast<unsigned char>(archive[i]);
  }
  std::snprintf(&archive[148], 8, "%06o", sum);
  std::string err;
  EXPECT_FALSE(Extract(archive, &err));
  EXPECT_NE(err.find("unsupported entry type '1'"), std::string::npos) << err;
}

TEST_F(TarTest, LimitsAreEnforced) {
  Writer w;
  for (int i = 0; i < 5; ++i)
    w.AddFile("f" + std::to_string(i), "0123456789", 0644);
  const std::string archive = w.Finish();
  std::string err;
  EXPECT_FALSE(
      Extract(archive, &err, {.max_total_bytes = 1000, .max_entries = 4}));
  EXPECT_NE(err.find("more than 4 entries"), std::string::npos) << err;
  EXPECT_FALSE(
      Extract(archive, &err, {.max_total_bytes = 45, .max_entries = 100}));
  EXPECT_NE(err.find("more than 45 bytes"), std::string::npos) << err;
}

}  // namespace
}  // namespace ipc::tar
