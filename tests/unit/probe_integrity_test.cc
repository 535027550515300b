// The probe's own file-system pieces: splitting stdin into tars, removing
// trees without following links, sealed tools (exec from the memfd,
// restoring a replaced file), and putting the workdir back whatever the
// step did to it.
#include <sys/stat.h>
#include <unistd.h>

#include "probe/archives.h"
#include "probe/fs_ops.h"
#include "probe/sealed_tools.h"
#include "probe/workdir_swap.h"
#include "probe_test_support.h"
#include "util/tar.h"

namespace ipc::probe {
namespace {

std::string Tar(const std::string& name, const std::string& data) {
  tar::Writer w;
  if (!name.empty()) w.AddFile(name, data, 0644);
  return w.Finish();
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
  EXPECT_NE(::access((dir / "gone").c_str(), F_OK), 0);
  EXPECT_EQ(ReadSmallFile(dir / "keep/file"), "kept");
  EXPECT_TRUE(RemoveTree(dir / "never-was", &err));
}

struct SealedToolsTest : ::testing::Test {
  void SetUp() override {
    testing::BecomeSubreaper();
    ::mkdir((dir / "tools").c_str(), 0755);
    tool = testing::CompileC(dir, "tools/ref-self",
                             "#include <stdio.h>\n#include <unistd.h>\n"
                             "int main(int c, char** v){ char b[256] = {0};\n"
                             "  readlink(\"/proc/self/exe\", b, sizeof b - 1);\n"
                             "  printf(\"real %s %s\\n\", v[0], b); return 0; }\n");
    ::unlink((dir / "tools/ref-self.c").c_str());
    testing::WriteFile(dir / "tools/script", "#!/bin/sh\necho script\n");
    ::chmod((dir / "tools/script").c_str(), 0755);
    std::string err;
    ASSERT_TRUE(tools.Seal(dir / "tools", &err)) << err;
  }
  protocol::StepResult RunTool(const std::string& path) {
    protocol::Step step;
    step.id = "t";
    step.process = testing::Spec({path});
    return RunStep(step, SpawnContext{dir.path(), dir.path(), &tools});
  }
  testing::TempDir dir;
  std::string tool;
  SealedTools tools;
};

TEST_F(SealedToolsTest, AToolRunsFromItsSealedCopyEvenWhenTheFileIsReplaced) {
  EXPECT_EQ(tools.size(), 2u);
  EXPECT_GE(tools.ExecFd(tool), 0);
  EXPECT_EQ(tools.ExecFd(dir / "tools/script"), -1);  // a script runs by path
  EXPECT_EQ(tools.ExecFd(dir / "elsewhere/ref-self"), -1);
  testing::WriteFile(tool, "#!/bin/sh\necho fake\n");
  const auto r = RunTool(tool);
  // argv[0] is the path as asked; the image is the memfd's.
  EXPECT_EQ(r.process.stdout_data, "real " + tool + " /memfd:ref-self (deleted)\n")
      << r.process.error;
  EXPECT_EQ(RunTool(dir / "tools/script").process.stdout_data, "script\n");
}

TEST_F(SealedToolsTest, RestoreReplacesAPlantedSymlinkAndLeavesUntouchedFilesAlone) {
  struct stat before {};
  ASSERT_EQ(::stat((dir / "tools/script").c_str(), &before), 0);
  testing::WriteFile(dir / "victim", "victim");
  ::unlink(tool.c_str());
  ASSERT_EQ(::symlink((dir / "victim").c_str(), tool.c_str()), 0);
  std::string err;
  ASSERT_TRUE(tools.Restore(&err)) << err;
  EXPECT_EQ(ReadSmallFile(dir / "victim"), "victim");  // the link was not followed
  struct stat st {};
  ASSERT_EQ(::lstat(tool.c_str(), &st), 0);
  EXPECT_TRUE(S_ISREG(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0755u);
  // Runs by path again (sh, not from the memfd).
  auto r = testing::Run(testing::Spec({"sh", "-c", tool}), dir.path(), dir.path());
  EXPECT_EQ(r.process.stdout_data.substr(0, 5), "real ");
  struct stat after {};
  ASSERT_EQ(::stat((dir / "tools/script").c_str(), &after), 0);
  EXPECT_EQ(after.st_ino, before.st_ino);  // unchanged: not rewritten
}

TEST_F(SealedToolsTest, RestoreRecreatesARemovedOrReplacedToolsDirectory) {
  std::string err;
  ASSERT_TRUE(RemoveTree(dir / "tools", &err)) << err;
  ASSERT_EQ(::symlink(dir.path().c_str(), (dir / "tools").c_str()), 0);
  ASSERT_TRUE(tools.Restore(&err)) << err;
  struct stat st {};
  ASSERT_EQ(::lstat((dir / "tools").c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  EXPECT_EQ(ReadSmallFile(dir / "tools/script"), "#!/bin/sh\necho script\n");
}

TEST(WorkdirSwap, TheWorkdirComesBackWhateverTheStepDidToItsPath) {
  testing::TempDir dir;
  const std::string work = dir / "root", box = dir / "box";
  ::mkdir(work.c_str(), 0755);
  ::mkdir(box.c_str(), 0755);
  testing::WriteFile(work + "/w", "workdir");
  for (const char* damage : {"removed", "file", "ok"}) {
    SCOPED_TRACE(damage);
    std::string err;
    ASSERT_TRUE(RemoveTree(box, &err)) << err;  // what the last round put back
    ::mkdir(box.c_str(), 0755);
    testing::WriteFile(box + "/b", "sandbox");
    WorkdirSwap swap(work, box);
    ASSERT_TRUE(swap.Enter(&err)) << err;
    EXPECT_EQ(ReadSmallFile(work + "/b"), "sandbox");
    if (std::string(damage) != "ok") {
      ASSERT_TRUE(RemoveTree(work, &err)) << err;
    }
    if (std::string(damage) == "file") testing::WriteFile(work, "a file where /root was");
    const bool ok = swap.Leave(&err);
    EXPECT_EQ(ok, std::string(damage) != "removed") << err;
    EXPECT_EQ(ReadSmallFile(work + "/w"), "workdir");
    EXPECT_NE(::access(swap.aside().c_str(), F_OK), 0);
  }
}

}  // namespace
}  // namespace ipc::probe
