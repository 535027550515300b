// The writable state of the container (state.h) on real files: a folder
// captured, damaged the way a student step running as root could, and put
// back: changed, removed and added entries, types, modes, owners, times,
// symlinks and FIFOs; unchanged entries are left alone (inode and ctime),
// and nothing is ever written through a link a step planted. And trees
// made from a tar archive, with what such an archive must not do.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <functional>

#include "probe/fs_ops.h"
#include "probe/state.h"
#include "probe_test_support.h"
#include "util/tar.h"

namespace ipc::probe {
namespace {

std::string Read(const std::string& path) { return ReadSmallFile(path).value_or("<unreadable>"); }

struct stat Lstat(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::lstat(path.c_str(), &st), 0) << path;
  return st;
}

bool Exists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

void SetMtime(const std::string& path, time_t sec) {
  const timespec t[2] = {{sec, 0}, {sec, 0}};
  ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), t, AT_SYMLINK_NOFOLLOW), 0) << path;
}

// Every entry of `got` as `want` has it, naming the first that differs.
::testing::AssertionResult SameState(const DirState& want, const DirState& got) {
  for (const auto& [path, e] : want) {
    const auto it = got.find(path);
    if (it == got.end()) return ::testing::AssertionFailure() << "'" << path << "' is missing";
    if (!it->second.SameAs(e)) return ::testing::AssertionFailure() << "'" << path << "' differs";
  }
  for (const auto& [path, e] : got) {
    if (!want.count(path)) return ::testing::AssertionFailure() << "'" << path << "' is extra";
  }
  return ::testing::AssertionSuccess();
}

struct StateTest : ::testing::Test {
  void SetUp() override {
    ::mkdir(work.c_str(), 0750);
    ::mkdir((dir / "outside").c_str(), 0755);
    testing::WriteFile(dir / "outside/target", "not to be overwritten\n");
    testing::WriteFile(work + "/passwd", "root:x:0:0:root:/root:/bin/bash\n");
    testing::WriteFile(work + "/same-size", "aaaa");
    testing::WriteFile(work + "/untouched", "untouched\n");
    ::chmod((work + "/untouched").c_str(), 0640);
    testing::WriteFile(work + "/setuid", "s");
    ::chmod((work + "/setuid").c_str(), 04755);
    ::mkdir((work + "/sub").c_str(), 0755);
    testing::WriteFile(work + "/sub/file", "in sub\n");
    ::mkdir((work + "/sub/deeper").c_str(), 0700);
    ASSERT_EQ(::symlink("../passwd", (work + "/sub/link").c_str()), 0);
    ASSERT_EQ(::mkfifo((work + "/fifo").c_str(), 0620), 0);
    ASSERT_EQ(::chmod((work + "/fifo").c_str(), 0620), 0);  // past the umask
    for (const char* rel : {"passwd", "same-size", "untouched", "setuid", "sub/file", "sub/link",
                            "fifo", "sub/deeper", "sub", ""}) {
      SetMtime(work + (*rel ? "/" : "") + rel, 1600000000);
    }
    ASSERT_TRUE(keeper.Capture(work, limits, &initial, &err)) << err;
  }
  DirState Now() {
    DirState now;
    StateKeeper other;
    EXPECT_TRUE(other.Capture(work, limits, &now, &err)) << err;
    return now;
  }
  testing::TempDir dir;
  const std::string work = dir / "etc";
  StateLimits limits;
  StateKeeper keeper;
  DirState initial;
  std::string err;
};

TEST_F(StateTest, CaptureReadsEveryEntryWithoutFollowingLinks) {
  EXPECT_EQ(initial.size(), 10u);
  const StateEntry& root = initial.at("");
  EXPECT_EQ(root.type, StateEntry::Type::kDir);
  EXPECT_EQ(root.mode, 0750u);
  EXPECT_EQ(root.mtime.tv_sec, 1600000000);
  EXPECT_EQ(*initial.at("passwd").content, "root:x:0:0:root:/root:/bin/bash\n");
  EXPECT_EQ(initial.at("setuid").mode, 04755u);
  EXPECT_EQ(initial.at("sub/link").type, StateEntry::Type::kSymlink);
  EXPECT_EQ(initial.at("sub/link").target, "../passwd");
  EXPECT_EQ(initial.at("fifo").type, StateEntry::Type::kFifo);
  EXPECT_EQ(initial.at("fifo").mode, 0620u);
  EXPECT_EQ(initial.at("sub/deeper").mode, 0700u);
}

TEST_F(StateTest, RestorePutsBackChangedRemovedAndAddedEntries) {
  // What `adduser` and a hostile step could do, all at once.
  testing::WriteFile(work + "/passwd", "root:x:0:0:root:/root:/bin/bash\ngarfield:x:1000:1000::/x:/bin/sh\n");
  testing::WriteFile(work + "/new-file", "added\n");
  ::mkdir((work + "/new-dir").c_str(), 0777);
  testing::WriteFile(work + "/new-dir/f", "added below\n");
  ASSERT_EQ(::unlink((work + "/sub/file").c_str()), 0);
  ASSERT_EQ(::chmod((work + "/setuid").c_str(), 0644), 0);
  ASSERT_EQ(::chown((work + "/untouched").c_str(), 0, 0), 0);  // same owner: ctime moves anyway
  ASSERT_EQ(::chown((work + "/sub").c_str(), 1000, 1000), 0);
  ASSERT_EQ(::unlink((work + "/sub/link").c_str()), 0);
  ASSERT_EQ(::symlink("/etc/shadow", (work + "/sub/link").c_str()), 0);
  ASSERT_EQ(::unlink((work + "/fifo").c_str()), 0);
  ::mkdir((work + "/fifo").c_str(), 0755);  // a folder where a FIFO was
  ASSERT_EQ(::chmod(work.c_str(), 0777), 0);
  EXPECT_FALSE(SameState(initial, Now()));

  ASSERT_TRUE(keeper.Restore(work, initial, &err)) << err;
  EXPECT_TRUE(SameState(initial, Now()));
  EXPECT_FALSE(Exists(work + "/new-file"));
  EXPECT_FALSE(Exists(work + "/new-dir"));
  EXPECT_EQ(Read(work + "/sub/file"), "in sub\n");
  EXPECT_EQ(Lstat(work + "/setuid").st_mode & 07777, 04755u) << "chown must not clear it after";
  EXPECT_EQ(Lstat(work + "/sub").st_uid, 0u);
  EXPECT_TRUE(S_ISFIFO(Lstat(work + "/fifo").st_mode));
  EXPECT_EQ(Lstat(work).st_mode & 07777, 0750u);
  EXPECT_EQ(Lstat(work + "/sub").st_mtim.tv_sec, 1600000000) << "folder times after contents";
}

TEST_F(StateTest, AContentChangeIsSeenByCtimeEvenWithTheSameSizeAndMtime) {
  const ino_t ino = Lstat(work + "/same-size").st_ino;
  {
    // Rewritten in place: same inode, same size, mtime set back.
    const int fd = ::open((work + "/same-size").c_str(), O_WRONLY);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::pwrite(fd, "bbbb", 4, 0), 4);
    ::close(fd);
    SetMtime(work + "/same-size", 1600000000);
  }
  ASSERT_EQ(Lstat(work + "/same-size").st_ino, ino);
  ASSERT_TRUE(keeper.Restore(work, initial, &err)) << err;
  EXPECT_EQ(Read(work + "/same-size"), "aaaa");
}

TEST_F(StateTest, UnchangedEntriesAreLeftAloneAndRewrittenOnesRemembered) {
  const struct stat untouched = Lstat(work + "/untouched");
  const struct stat sub_file = Lstat(work + "/sub/file");
  testing::WriteFile(work + "/passwd", "changed\n");
  ASSERT_TRUE(keeper.Restore(work, initial, &err)) << err;
  // Neither replaced nor even touched: the same inode with the same ctime.
  const struct stat after = Lstat(work + "/untouched");
  EXPECT_EQ(after.st_ino, untouched.st_ino);
  EXPECT_EQ(after.st_ctim.tv_sec, untouched.st_ctim.tv_sec);
  EXPECT_EQ(after.st_ctim.tv_nsec, untouched.st_ctim.tv_nsec);
  EXPECT_EQ(Lstat(work + "/sub/file").st_ino, sub_file.st_ino);
  // The rewritten file is known now: a second restore leaves it alone too.
  const struct stat passwd = Lstat(work + "/passwd");
  ASSERT_TRUE(keeper.Restore(work, initial, &err)) << err;
  EXPECT_EQ(Lstat(work + "/passwd").st_ino, passwd.st_ino);
  EXPECT_EQ(Lstat(work + "/passwd").st_ctim.tv_nsec, passwd.st_ctim.tv_nsec);
}

TEST_F(StateTest, NothingIsWrittenThroughALinkAStepPlanted) {
  const std::string outside = dir / "outside";
  // A folder replaced by a symlink to a folder outside.
  ASSERT_TRUE(RemoveTree(work + "/sub", &err)) << err;
  ASSERT_EQ(::symlink(outside.c_str(), (work + "/sub").c_str()), 0);
  // A file replaced by a hard link to a file outside.
  ASSERT_EQ(::unlink((work + "/passwd").c_str()), 0);
  ASSERT_EQ(::link((outside + "/target").c_str(), (work + "/passwd").c_str()), 0);
  // The keeper's own temporary name, taken by a link to the outside file.
  ASSERT_EQ(::symlink((outside + "/target").c_str(), (work + "/.ipc-state-new-0").c_str()), 0);
  ASSERT_TRUE(keeper.Restore(work, initial, &err)) << err;
  EXPECT_EQ(Read(outside + "/target"), "not to be overwritten\n");
  EXPECT_EQ(Lstat(outside + "/target").st_nlink, 1u) << "the hard link is gone";
  EXPECT_FALSE(Exists(outside + "/file")) << "sub/file was not written into the link's target";
  EXPECT_TRUE(S_ISDIR(Lstat(work + "/sub").st_mode));
  EXPECT_EQ(Read(work + "/passwd"), "root:x:0:0:root:/root:/bin/bash\n");
  EXPECT_FALSE(Exists(work + "/.ipc-state-new-0"));
  EXPECT_TRUE(SameState(initial, Now()));
}

TEST_F(StateTest, AFolderRemovedWholeComesBackWhole) {
  std::string why;
  ASSERT_TRUE(RemoveTree(work, &why)) << why;
  ASSERT_EQ(::mkdir(work.c_str(), 0700), 0);  // what a mount point would be
  ASSERT_TRUE(keeper.Restore(work, initial, &err)) << err;
  EXPECT_TRUE(SameState(initial, Now()));
}

TEST_F(StateTest, RestoringAnotherStateMakesTheFolderHoldExactlyIt) {
  // What a saved box left, put back in a box that starts from it.
  testing::WriteFile(work + "/passwd", "saved\n");
  testing::WriteFile(work + "/group", "saved group\n");
  DirState saved;
  ASSERT_TRUE(keeper.Capture(work, limits, &saved, &err)) << err;
  ASSERT_TRUE(keeper.Restore(work, initial, &err)) << err;
  EXPECT_FALSE(Exists(work + "/group"));
  ASSERT_TRUE(keeper.Restore(work, saved, &err)) << err;
  EXPECT_EQ(Read(work + "/passwd"), "saved\n");
  EXPECT_EQ(Read(work + "/group"), "saved group\n");
  EXPECT_TRUE(SameState(saved, Now()));
}

TEST_F(StateTest, CaptureRefusesMoreThanTheLimits) {
  DirState out;
  StateLimits few;
  few.max_entries = 3;
  EXPECT_FALSE(keeper.Capture(work, few, &out, &err));
  EXPECT_EQ(err, "'" + work + "' holds more than 3 entries");
  StateLimits small;
  small.max_bytes = 10;
  err.clear();
  EXPECT_FALSE(keeper.Capture(work, small, &out, &err));
  EXPECT_EQ(err, "'" + work + "' holds more than 10 bytes");
  err.clear();
  EXPECT_FALSE(keeper.Capture(dir / "missing", limits, &out, &err));
  EXPECT_EQ(err.rfind("cannot open '" + dir / "missing" + "': ", 0), 0u) << err;
}

TEST(StateFromTarTest, TheArchivesTreeWithTheGivenOwnerAndModes) {
  tar::Writer w;
  w.set_mtime(1700000000);
  w.AddFile("cat.py", "print()\n", 0644);
  w.AddFile("deep/er/run.sh", "#!/bin/sh\n", 04755);  // no folder entries listed
  w.AddDir("litterbox", 0700);
  w.AddSymlink("link", "cat.py");
  DirState state;
  std::string err;
  ASSERT_TRUE(StateFromTar(w.Finish(), 0755, 1000, 100, StateLimits{}, &state, &err)) << err;
  std::vector<std::string> paths;
  for (const auto& [path, e] : state) paths.push_back(path);
  EXPECT_EQ(paths, (std::vector<std::string>{"", "cat.py", "deep", "deep/er", "deep/er/run.sh",
                                             "link", "litterbox"}));
  EXPECT_EQ(state.at("").mode, 0755u);
  EXPECT_EQ(state.at("deep").mode, 0755u) << "a folder the archive does not list";
  EXPECT_EQ(state.at("deep/er/run.sh").mode, 0755u) << "masked to 0777";
  EXPECT_EQ(state.at("litterbox").mode, 0700u);
  EXPECT_EQ(state.at("cat.py").uid, 1000u);
  EXPECT_EQ(state.at("cat.py").gid, 100u);
  EXPECT_EQ(state.at("cat.py").mtime.tv_sec, 1700000000);
  EXPECT_EQ(*state.at("cat.py").content, "print()\n");
  EXPECT_EQ(state.at("link").target, "cat.py");

  // Put into a real folder, it reads back the same.
  testing::TempDir dir;
  const std::string box = dir / "box";
  ::mkdir(box.c_str(), 0700);
  StateKeeper keeper;
  ASSERT_TRUE(keeper.Restore(box, state, &err)) << err;
  DirState back;
  ASSERT_TRUE(keeper.Capture(box, StateLimits{}, &back, &err)) << err;
  EXPECT_TRUE(SameState(state, back));
  EXPECT_EQ(Lstat(box).st_mode & 07777, 0755u);
  EXPECT_EQ(Lstat(box + "/cat.py").st_uid, 1000u);
}

// The reason StateFromTar gives for the archive `fill` writes, or
// "(accepted)".
std::string Refusal(const std::function<void(tar::Writer&)>& fill, StateLimits limits = {}) {
  tar::Writer w;
  fill(w);
  DirState state;
  std::string err;
  if (StateFromTar(w.Finish(), 0755, 0, 0, limits, &state, &err)) return "(accepted)";
  return err;
}

TEST(StateFromTarTest, RefusesWhatExtractionWouldRefuse) {
  auto says = [](const std::string& err, const std::string& what, const std::string& path) {
    EXPECT_NE(err.find(what), std::string::npos) << err;
    EXPECT_NE(err.find(path), std::string::npos) << err;
  };
  says(Refusal([](tar::Writer& w) { w.AddFile("../up", "x", 0644); }),
       "unsafe path in the archive", "../up");
  says(Refusal([](tar::Writer& w) { w.AddFile("/etc/passwd", "x", 0644); }),
       "unsafe path in the archive", "/etc/passwd");
  says(Refusal([](tar::Writer& w) { w.AddFile("a/./b", "x", 0644); }),
       "unsafe path in the archive", "a/./b");
  says(Refusal([](tar::Writer& w) {
         w.AddSymlink("out", "/etc");
         w.AddFile("out/passwd", "x", 0644);
       }),
       "is below the non-directory", "out/passwd");
  says(Refusal([](tar::Writer& w) {
         w.AddFile("a", "x", 0644);
         w.AddDir("a", 0755);
       }),
       "is both a directory and not one", "a");
  StateLimits few;
  few.max_entries = 2;
  EXPECT_EQ(Refusal(
                [](tar::Writer& w) {
                  for (const char* name : {"a", "b", "c"}) w.AddFile(name, "", 0644);
                },
                few),
            "the tree has more than 2 entries");
  StateLimits small;
  small.max_bytes = 3;
  EXPECT_EQ(Refusal([](tar::Writer& w) { w.AddFile("a", "four", 0644); }, small),
            "the tree holds more than 3 bytes");
}

TEST(StateFromTarTest, ARefusalQuotesEachPathOnce) {
  // These reach the report's probe_error ("unpacking the submission: ...")
  // and so a student's feedback.
  EXPECT_EQ(Refusal([](tar::Writer& w) { w.AddFile("../up", "x", 0644); }),
            "unsafe path in the archive: '../up'");
  EXPECT_EQ(Refusal([](tar::Writer& w) {
              w.AddSymlink("out", "/etc");
              w.AddFile("out/passwd", "x", 0644);
            }),
            "'out/passwd' is below the non-directory 'out'");
  EXPECT_EQ(Refusal([](tar::Writer& w) {
              w.AddFile("a", "x", 0644);
              w.AddDir("a", 0755);
            }),
            "'a' is both a directory and not one");
}

TEST(StateFromTarTest, AnEmptyArchiveIsAnEmptyFolder) {
  DirState state;
  std::string err;
  ASSERT_TRUE(StateFromTar(tar::Writer().Finish(), 0750, 0, 0, StateLimits{}, &state, &err)) << err;
  ASSERT_EQ(state.size(), 1u);
  EXPECT_EQ(state.at("").type, StateEntry::Type::kDir);
  EXPECT_EQ(state.at("").mode, 0750u);
}

}  // namespace
}  // namespace ipc::probe
