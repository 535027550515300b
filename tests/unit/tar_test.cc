// The tar dialect: Writer -> Extract/List round trips, Extract's refusals
// (escapes, symlink tricks, damaged or oversized archives), and interchange
// with GNU tar in both directions.
#include "util/tar.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "shell_support.h"

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

// Times a ustar field cannot hold (before 1970; after 2242, more than 11
// octal digits) travel in pax records and come back exact; they used to be
// clamped to 0 or cut to their low 33 bits.
TEST_F(TarTest, TimesOutsideTheUstarFieldRoundTrip) {
  const std::vector<std::int64_t> times = {0,           1,  077777777777, 077777777777 + 1,
                                           10000000000, -1, -86400,       -10000000000};
  Writer w;
  for (std::size_t i = 0; i < times.size(); ++i) {
    w.set_mtime(times[i]);
    w.AddFile("f" + std::to_string(i), "x", 0644);
  }
  const std::string archive = w.Finish();
  EXPECT_NE(archive.find(" mtime=-86400\n"), std::string::npos);
  EXPECT_NE(archive.find(" mtime=10000000000\n"), std::string::npos);
  EXPECT_EQ(archive.find(" mtime=0\n"), std::string::npos) << "a time that fits needs no record";
  std::vector<Member> members;
  std::string err;
  ASSERT_TRUE(List(archive, &members, &err)) << err;
  ASSERT_EQ(members.size(), times.size());
  for (std::size_t i = 0; i < times.size(); ++i) EXPECT_EQ(members[i].mtime, times[i]) << i;

  ASSERT_TRUE(Extract(archive, &err)) << err;
  struct stat st;
  ASSERT_EQ(::stat((dest_ + "/f6").c_str(), &st), 0);
  EXPECT_EQ(st.st_mtime, -86400);
}

// A pax time that is not a number is an error, not silently the header's.
TEST_F(TarTest, AMalformedPaxTimeIsRefused) {
  Writer w;
  w.set_mtime(-86400);
  w.AddFile("f", "x", 0644);
  std::string archive = w.Finish();
  const std::size_t at = archive.find(" mtime=-86400\n");
  ASSERT_NE(at, std::string::npos);
  archive.replace(at, 14, " mtime=-8x400\n");  // pax bodies carry no checksum
  std::vector<Member> members;
  std::string err;
  EXPECT_FALSE(List(archive, &members, &err));
  EXPECT_EQ(err, "bad pax mtime");
}

// ---- Interchange with GNU tar ----------------------------------------------

using test::OnCi;

// stdout and stderr, and the exit status in *status.
std::string Sh(const std::string& cmd, int* status) {
  return test::ShellOutput(cmd + " 2>&1", status);
}

std::string Q(const std::string& s) { return test::ShellQuote(s); }

// One member of the trees and archives below, as lstat sees it.
struct Entry {
  Member::Type type = Member::Type::kFile;
  unsigned mode = 0;
  std::string data;  // files
  std::string link;  // symlinks
  std::int64_t mtime = 0;
  long mtime_ns = 0;
  bool operator==(const Entry&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Entry& e) {
  const char* type = e.type == Member::Type::kDir       ? "dir"
                     : e.type == Member::Type::kSymlink ? "symlink"
                                                        : "file";
  return os << "{" << type << " mode " << std::oct << e.mode << std::dec << ", " << e.data.size()
            << " bytes, link '" << e.link << "', mtime " << e.mtime << "}";
}

// Everything below `dir` ('/'-separated paths relative to it), never
// following a symlink. mtime_ns is left 0: only whole seconds are compared.
std::map<std::string, Entry> Tree(const std::string& dir) {
  std::map<std::string, Entry> out;
  for (auto it = fs::recursive_directory_iterator(dir); it != fs::recursive_directory_iterator();
       ++it) {
    const std::string path = it->path().string();
    struct stat st;
    EXPECT_EQ(::lstat(path.c_str(), &st), 0) << path;
    Entry e;
    e.mode = st.st_mode & 07777;
    e.mtime = st.st_mtim.tv_sec;
    if (S_ISDIR(st.st_mode)) {
      e.type = Member::Type::kDir;
    } else if (S_ISLNK(st.st_mode)) {
      e.type = Member::Type::kSymlink;
      e.mode = 0777;
      e.link = fs::read_symlink(path).string();
    } else {
      std::ifstream in(path, std::ios::binary);
      std::stringstream ss;
      ss << in.rdbuf();
      e.data = ss.str();
    }
    out[path.substr(dir.size() + 1)] = e;
  }
  return out;
}

class GnuTarTest : public TarTest {
 protected:
  void SetUp() override {
    int status = 0;
    const std::string version = Sh("tar --version", &status);
    if (status != 0 || version.find("GNU tar") == std::string::npos) {
      if (OnCi()) FAIL() << "no GNU tar on PATH, and CI=true: " << version;
      GTEST_SKIP() << "no GNU tar on PATH (apt-get install tar)";
    }
    TarTest::SetUp();
  }

  // The entries both directions use: every kind of member, the modes
  // students' files have, names at and past the ustar limits, non-ASCII and
  // shell-hostile names, and modification times at 0, before 1970, past
  // 2242 (more than 11 octal digits) and with a fraction of a second.
  static std::map<std::string, Entry> Wanted() {
    const std::string long_dir(120, 'd');
    std::string binary(3000, '\0');
    for (std::size_t i = 0; i < binary.size(); ++i) binary[i] = static_cast<char>(i * 7);
    using T = Member::Type;
    std::map<std::string, Entry> w;
    w["src"] = {T::kDir, 0755, "", "", 1700000000, 0};
    w["src/prog.c"] = {T::kFile, 0644, "int main(void) { return 0; }\n", "", 1700000000, 0};
    w["run.sh"] = {T::kFile, 0755, "#!/bin/sh\necho hi\n", "", 0, 0};
    w["private"] = {T::kFile, 0600, "secret\n", "", 1, 0};
    w["readonly"] = {T::kFile, 0444, "r\n", "", 1700000001, 500000000};
    w["empty"] = {T::kFile, 0644, "", "", 1700000002, 0};
    w["blob.bin"] = {T::kFile, 0644, binary, "", 1700000003, 0};
    w["big"] = {T::kFile, 0644, std::string(200000, 'b'), "", 1700000004, 0};
    w["link"] = {T::kSymlink, 0777, "", "src/prog.c", 1700000005, 0};
    w["dangling"] = {T::kSymlink, 0777, "", "nowhere/at all", 1700000006, 0};
    w["longlink"] = {T::kSymlink, 0777, "", "../" + std::string(150, 't'), 1700000007, 0};
    w[long_dir] = {T::kDir, 0700, "", "", 1700000008, 0};
    w[long_dir + "/" + std::string(110, 'f') + ".txt"] = {T::kFile, 0644,       "long\n",
                                                          "",       1700000009, 0};
    w[std::string(100, 'n')] = {T::kFile, 0644, "exactly 100\n", "", 1700000010, 0};
    w[std::string(101, 'o')] = {T::kFile, 0644, "101\n", "", 1700000011, 0};
    w["caf\xC3\xA9 \xE2\x80\x93 notes.txt"] = {T::kFile, 0644, "utf-8\n", "", 1700000012, 0};
    w["with space and 'quote' $HOME *"] = {T::kFile, 0644, "odd\n", "", 1700000013, 0};
    w["future"] = {T::kFile, 0644, "f\n", "", 10000000000, 0};               // > 8^11 - 1
    w["before-1970"] = {T::kFile, 0644, "b\n", "", -86400, 0};               // 1969-12-31
    w["fraction-before-1970"] = {T::kFile, 0644, "c\n", "", -2, 500000000};  // -1.5 s
    return w;
  }

  std::string Write(const std::string& name, const std::string& data) {
    const std::string path = root_ + "/" + name;
    std::ofstream(path, std::ios::binary) << data;
    return path;
  }
};

// Our Writer's archive, as GNU tar lists and extracts it: the same names, in
// order, and the same types, modes, contents, link targets and times.
TEST_F(GnuTarTest, GnuTarReadsOurArchiveAsWritten) {
  const auto wanted = Wanted();
  Writer w;
  std::string names;
  for (const auto& [path, e] : wanted) {  // std::map order: parents first
    w.set_mtime(e.mtime);
    switch (e.type) {
      case Member::Type::kDir:
        w.AddDir(path, e.mode);
        names += path + "/\n";
        break;
      case Member::Type::kFile:
        w.AddFile(path, e.data, e.mode);
        names += path + "\n";
        break;
      case Member::Type::kSymlink:
        w.AddSymlink(path, e.link);
        names += path + "\n";
        break;
    }
  }
  const std::string archive = Write("ours.tar", w.Finish());

  int status = 0;
  const std::string listed = Sh("tar --quoting-style=literal -tf " + Q(archive), &status);
  ASSERT_EQ(status, 0) << listed;
  EXPECT_EQ(listed, names);

  const std::string out = Sh("tar -xpf " + Q(archive) + " -C " + Q(dest_), &status);
  ASSERT_EQ(status, 0) << out;
  std::map<std::string, Entry> expect = wanted;
  for (auto& [path, e] : expect) e.mtime_ns = 0;  // the writer keeps whole seconds
  const auto got = Tree(dest_);
  for (const auto& [path, e] : expect) {
    const auto it = got.find(path);
    if (it == got.end()) {
      ADD_FAILURE() << "GNU tar did not extract " << path;
      continue;
    }
    EXPECT_EQ(it->second, e) << path;
  }
  EXPECT_EQ(got.size(), expect.size());
}

// Archives GNU tar makes of a real tree, in its pax and gnu formats (and
// ustar, where the names fit): List reports what lstat says of the tree,
// and Extract recreates its files, links and modes.
TEST_F(GnuTarTest, WeReadGnuTarArchivesOfEveryFormatAsTheTreeIs) {
  const std::string tree = root_ + "/tree";
  fs::create_directories(tree);
  const auto wanted = Wanted();
  for (const auto& [path, e] : wanted) {
    const std::string p = tree + "/" + path;
    switch (e.type) {
      case Member::Type::kDir:
        fs::create_directories(p);
        break;
      case Member::Type::kFile:
        std::ofstream(p, std::ios::binary) << e.data;
        break;
      case Member::Type::kSymlink:
        fs::create_symlink(e.link, p);
        break;
    }
  }
  // Modes and times last, children before their folder.
  for (auto it = wanted.rbegin(); it != wanted.rend(); ++it) {
    const std::string p = tree + "/" + it->first;
    if (it->second.type != Member::Type::kSymlink) {
      ASSERT_EQ(::chmod(p.c_str(), it->second.mode), 0) << p;
    }
    const timespec times[2] = {{it->second.mtime, it->second.mtime_ns},
                               {it->second.mtime, it->second.mtime_ns}};
    ASSERT_EQ(::utimensat(AT_FDCWD, p.c_str(), times, AT_SYMLINK_NOFOLLOW), 0) << p;
  }
  const auto source = Tree(tree);
  ASSERT_EQ(source.size(), wanted.size());

  for (const std::string format : {"pax", "gnu", "ustar"}) {
    SCOPED_TRACE("--format=" + format);
    // ustar cannot hold a name of over 255 bytes nor a link of over 100.
    std::string members;
    for (const auto& [path, e] : source) {
      if (path.find('/') != std::string::npos) continue;  // tar recurses
      if (format == "ustar" && (path.size() > 100 || e.link.size() > 100 || e.mtime < 0 ||
                                e.mtime > 077777777777 || e.type == Member::Type::kDir)) {
        continue;
      }
      members += " " + Q(path);
    }
    const std::string archive = root_ + "/gnu-" + format + ".tar";
    int status = 0;
    const std::string out =
        Sh("tar --format=" + format + " --sort=name -cf " + Q(archive) + " -C " + Q(tree) + members,
           &status);
    ASSERT_EQ(status, 0) << out;
    std::ifstream in(archive, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string bytes = ss.str();

    std::vector<Member> listed;
    std::string err;
    ASSERT_TRUE(List(bytes, &listed, &err)) << err;
    std::map<std::string, Entry> got;
    for (const auto& m : listed) {
      Entry e{m.type, m.type == Member::Type::kSymlink ? 0777u : m.mode, "", m.link, m.mtime, 0};
      got[m.path] = e;
      if (m.type == Member::Type::kFile) {
        EXPECT_EQ(m.size, source.count(m.path) ? source.at(m.path).data.size() : 0) << m.path;
      }
    }
    std::size_t expected = 0;
    for (const auto& [path, e] : source) {
      const std::string top = path.substr(0, path.find('/'));
      if (members.find(" " + Q(top)) == std::string::npos) continue;
      ++expected;
      const auto it = got.find(path);
      if (it == got.end()) {
        ADD_FAILURE() << "List has no " << path;
        continue;
      }
      Entry want = e;
      want.data.clear();  // sizes are compared above, contents below
      EXPECT_EQ(it->second, want) << path;
    }
    EXPECT_EQ(got.size(), expected);

    const std::string into = root_ + "/from-" + format;
    fs::create_directories(into);
    ASSERT_TRUE(tar::Extract(bytes, into, {}, &err)) << err;
    const auto extracted = Tree(into);
    EXPECT_EQ(extracted.size(), expected);
    for (const auto& [path, e] : extracted) {
      ASSERT_TRUE(source.count(path)) << path;
      const Entry& want = source.at(path);
      EXPECT_EQ(e.type, want.type) << path;
      EXPECT_EQ(e.mode, want.mode) << path;
      EXPECT_EQ(e.data, want.data) << path;
      EXPECT_EQ(e.link, want.link) << path;
      // Extract sets the times of files and links (a folder's changes as
      // its members are written).
      if (e.type != Member::Type::kDir) {
        EXPECT_EQ(e.mtime, want.mtime) << path;
      }
    }
  }
}

}  // namespace
}  // namespace ipc::tar
