// The probe's own file-system pieces (fs_ops.h, archives.h), on real
// files: splitting stdin into tars, removing trees without following
// links, mkdir -p, whether a path is taken, and writing a box's files
// (if_missing, replacing a symlink, refusing a symlinked parent).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <ctime>

#include "probe/archives.h"
#include "probe/fd.h"
#include "probe/fs_ops.h"
#include "probe_test_support.h"
#include "util/tar.h"

namespace ipc::probe {
namespace {

using protocol::FileOverlay;

std::string Tar(const std::string& name, const std::string& data) {
  tar::Writer w;
  if (!name.empty()) w.AddFile(name, data, 0644);
  return w.Finish();
}

std::string Read(const std::string& path) { return ReadSmallFile(path).value_or("<unreadable>"); }

bool Exists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

TEST(SplitArchives, FindsEachArchivesEndEvenWhenDataHoldsZeroBlocks) {
  // A file of zero blocks looks like an end-of-archive marker to a
  // scanner; only walking the headers finds the real end.
  const std::string zeros(4096, '\0');
  const std::vector<std::string> in = {Tar("zeros", zeros), Tar("", ""), Tar("b", "B")};
  std::vector<std::string> out;
  std::string err;
  ASSERT_TRUE(SplitArchives(in[0] + in[1] + in[2], 2, &out, &err)) << err;
  EXPECT_EQ(out, in);
}

TEST(SplitArchives, WithoutExtraTreesTheWholeInputIsTheMainArchive) {
  std::vector<std::string> out;
  std::string err;
  ASSERT_TRUE(SplitArchives("anything", 0, &out, &err));
  EXPECT_EQ(out, std::vector<std::string>{"anything"});
}

TEST(SplitArchives, MissingOrSurplusArchivesAreErrorsSayingWhich) {
  const std::string a = Tar("a", "A");
  std::vector<std::string> out;
  std::string err;
  EXPECT_FALSE(SplitArchives(a, 1, &out, &err));
  EXPECT_EQ(err.rfind("stdin: extra tree 1 of 1 (at byte " + std::to_string(a.size()) + "): ", 0),
            0u)
      << err;
  EXPECT_FALSE(SplitArchives(a + a + a, 1, &out, &err));
  EXPECT_EQ(err, "stdin: " + std::to_string(a.size()) +
                     " bytes after the last of 2 tar archives (the plan names fewer extra_trees "
                     "than the grader sent)");
  // One zero block only: not our writer's end marker.
  EXPECT_FALSE(SplitArchives(a.substr(0, a.size() - 512), 1, &out, &err));
  EXPECT_NE(err.find("the submission's tar"), std::string::npos) << err;
}

TEST(RemoveTree, RemovesLinksNotTheirTargets) {
  testing::TempDir dir;
  ::mkdir((dir / "keep").c_str(), 0755);
  testing::WriteFile(dir / "keep/file", "kept");
  ::mkdir((dir / "gone").c_str(), 0755);
  ::mkdir((dir / "gone/sub").c_str(), 0);  // unreadable: root reads it anyway
  ASSERT_EQ(::symlink((dir / "keep").c_str(), (dir / "gone/sub/link").c_str()), 0);
  ASSERT_EQ(::symlink((dir / "keep/file").c_str(), (dir / "gone/file-link").c_str()), 0);
  std::string err;
  ASSERT_TRUE(RemoveTree(dir / "gone", &err)) << err;
  EXPECT_FALSE(Exists(dir / "gone"));
  EXPECT_EQ(Read(dir / "keep/file"), "kept");
  EXPECT_TRUE(RemoveTree(dir / "never-was", &err));
  // A symlink to a folder is removed as a link; the folder stays whole.
  ASSERT_EQ(::symlink((dir / "keep").c_str(), (dir / "dirlink").c_str()), 0);
  ASSERT_TRUE(RemoveTree(dir / "dirlink", &err)) << err;
  EXPECT_FALSE(Exists(dir / "dirlink"));
  EXPECT_EQ(Read(dir / "keep/file"), "kept");
}

TEST(RemoveAt, RemovesAnEntryOfAnOpenDirectoryWithoutFollowingIt) {
  testing::TempDir dir;
  ::mkdir((dir / "keep").c_str(), 0755);
  testing::WriteFile(dir / "keep/file", "kept");
  ::mkdir((dir / "tree").c_str(), 0755);
  ::mkdir((dir / "tree/a").c_str(), 0755);
  testing::WriteFile(dir / "tree/a/f", "x");
  ASSERT_EQ(::symlink((dir / "keep").c_str(), (dir / "tree/a/link").c_str()), 0);
  UniqueFd root(::open(dir.path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  ASSERT_TRUE(root.valid());
  std::string err;
  EXPECT_TRUE(RemoveAt(root.get(), "tree", dir / "tree", &err)) << err;
  EXPECT_FALSE(Exists(dir / "tree"));
  EXPECT_EQ(Read(dir / "keep/file"), "kept");
  EXPECT_TRUE(RemoveAt(root.get(), "missing", dir / "missing", &err)) << "missing is success";
}

TEST(ListNames, ListsEveryNameButDotAndDotDot) {
  testing::TempDir dir;
  testing::WriteFile(dir / "a", "");
  ::mkdir((dir / "b").c_str(), 0755);
  ASSERT_EQ(::symlink("nowhere", (dir / ".hidden").c_str()), 0);
  UniqueFd d(::open(dir.path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  std::vector<std::string> names;
  std::string err;
  ASSERT_TRUE(ListNames(d.get(), dir.path(), &names, &err)) << err;
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{".hidden", "a", "b"}));
  EXPECT_FALSE(ListNames(-1, "/nowhere", &names, &err));
  EXPECT_EQ(err.rfind("cannot list '/nowhere': ", 0), 0u) << err;
}

TEST(MakeDirs, CreatesEveryMissingLevelWithTheModeAndAcceptsExistingOnes) {
  testing::TempDir dir;
  std::string err;
  ASSERT_TRUE(MakeDirs(dir / "a/b/c", 0700, &err)) << err;
  struct stat st {};
  ASSERT_EQ(::stat((dir / "a/b").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0700u);
  EXPECT_TRUE(MakeDirs(dir / "a/b/c", 0700, &err)) << err;
  testing::WriteFile(dir / "file", "");
  EXPECT_FALSE(MakeDirs(dir / "file", 0755, &err));
  EXPECT_EQ(err, "'" + dir / "file" + "' is not a directory");
  EXPECT_FALSE(MakeDirs(dir / "file/below", 0755, &err));
  EXPECT_EQ(err.rfind("cannot create '" + dir / "file/below" + "': ", 0), 0u) << err;
}

TEST(PathTaken, AnythingAtThePathOrANonFolderOnTheWayTakesIt) {
  testing::TempDir dir;
  ::mkdir((dir / "sub").c_str(), 0755);
  testing::WriteFile(dir / "sub/file", "");
  ASSERT_EQ(::symlink("nowhere", (dir / "dangling").c_str()), 0);
  ASSERT_EQ(::symlink((dir / "sub").c_str(), (dir / "dirlink").c_str()), 0);
  testing::WriteFile(dir / "plain", "");
  EXPECT_TRUE(PathTaken(dir.path(), "sub"));
  EXPECT_TRUE(PathTaken(dir.path(), "sub/file"));
  EXPECT_FALSE(PathTaken(dir.path(), "sub/none"));
  EXPECT_FALSE(PathTaken(dir.path(), "none/deeper"));
  EXPECT_TRUE(PathTaken(dir.path(), "dangling")) << "a symlink, even to nothing";
  // Not followed: what is below a symlinked folder cannot be written to.
  EXPECT_TRUE(PathTaken(dir.path(), "dirlink/none"));
  EXPECT_TRUE(PathTaken(dir.path(), "plain/none")) << "a file where a folder would be";
}

struct OverlayTest : ::testing::Test {
  void SetUp() override {
    ::mkdir((dir / "box").c_str(), 0755);
    ::mkdir((dir / "outside").c_str(), 0755);
    testing::WriteFile(dir / "outside/target", "not to be overwritten\n");
    testing::WriteFile(dir / "box/data.txt", "the submission's\n");
    ASSERT_EQ(::symlink("../outside/target", (dir / "box/listener").c_str()), 0);
    ASSERT_EQ(::symlink("../outside", (dir / "box/out").c_str()), 0);
  }
  testing::TempDir dir;
  std::string err;
};

TEST_F(OverlayTest, ReplacesASymlinkWithoutFollowingItAndMakesParents) {
  const std::time_t before = std::time(nullptr);
  ASSERT_TRUE(WriteOverlay(dir / "box",
                           {{"listener", "#!/bin/sh\necho shim\n", 0755, false},
                            {"new/dir/f", "x", 0600, false}},
                           &err))
      << err;
  EXPECT_EQ(Read(dir / "outside/target"), "not to be overwritten\n");
  struct stat st {};
  ASSERT_EQ(::lstat((dir / "box/listener").c_str(), &st), 0);
  EXPECT_TRUE(S_ISREG(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0755u);
  // mtime now: a `make` in the box must not rebuild over the file.
  EXPECT_GE(st.st_mtime, before);
  EXPECT_EQ(Read(dir / "box/listener"), "#!/bin/sh\necho shim\n");
  ASSERT_EQ(::lstat((dir / "box/new/dir/f").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::lstat((dir / "box/new/dir").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0755u);
}

TEST_F(OverlayTest, RefusesToWriteThroughASymlinkedFolder) {
  EXPECT_FALSE(WriteOverlay(dir / "box", {{"out/target", "overwritten", 0644, false}}, &err));
  EXPECT_EQ(err.rfind("writing the overlay into '" + dir / "box" + "': ", 0), 0u) << err;
  EXPECT_EQ(Read(dir / "outside/target"), "not to be overwritten\n");
}

TEST_F(OverlayTest, IfMissingWritesOnlyWhereNothingIs) {
  ASSERT_TRUE(WriteOverlay(dir / "box",
                           {{"data.txt", "the grader's\n", 0644, true},
                            {"listener", "planted\n", 0644, true},
                            {"out/target", "through the link\n", 0644, true},
                            {"litterbox/treasure.txt", "Treasure found!", 0644, true}},
                           &err))
      << err;
  EXPECT_EQ(Read(dir / "box/data.txt"), "the submission's\n");
  struct stat st {};
  ASSERT_EQ(::lstat((dir / "box/listener").c_str(), &st), 0);
  EXPECT_TRUE(S_ISLNK(st.st_mode)) << "a symlink is something: left alone";
  EXPECT_EQ(Read(dir / "outside/target"), "not to be overwritten\n");
  EXPECT_EQ(Read(dir / "box/litterbox/treasure.txt"), "Treasure found!");
  // Without if_missing the same file replaces the submission's.
  ASSERT_TRUE(WriteOverlay(dir / "box", {{"data.txt", "the grader's\n", 0644, false}}, &err));
  EXPECT_EQ(Read(dir / "box/data.txt"), "the grader's\n");
}

TEST_F(OverlayTest, NoFilesIsNothingToDo) {
  EXPECT_TRUE(WriteOverlay(dir / "missing-box", {}, &err)) << err;
  EXPECT_FALSE(Exists(dir / "missing-box"));
}

}  // namespace
}  // namespace ipc::probe
