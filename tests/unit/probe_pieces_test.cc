// The probe's small pure pieces: /etc/passwd and /etc/group parsing (a
// user, and the name of an id), shell quoting for `su -c`, PATH lookup,
// the environment, cwd resolution.
#include <sys/stat.h>

#include "probe/spawn.h"
#include "probe/users.h"
#include "probe_test_support.h"

namespace ipc::probe {
namespace {

struct UsersTest : ::testing::Test {
  void SetUp() override {
    testing::WriteFile(dir / "passwd",
                       "root:x:0:0:root:/root:/bin/bash\n"
                       "garfield:x:1000:1000:,,,:/home/garfield:/bin/bash\n"
                       "broken:x:abc:1:::/bin/sh\n");
    testing::WriteFile(dir / "group",
                       "root:x:0:\n"
                       "users:x:100:garfield\n"
                       "garfield:x:1000:\n"
                       "cats:x:1001:odie,garfield\n"
                       "dogs:x:1002:odie\n");
  }
  std::optional<UserInfo> Lookup(const std::string& name) {
    return LookupUser(name, &err, dir / "passwd", dir / "group");
  }
  testing::TempDir dir;
  std::string err;
};

TEST_F(UsersTest, FindsIdsHomeAndEveryGroupListingTheUser) {
  auto u = Lookup("garfield");
  ASSERT_TRUE(u) << err;
  EXPECT_EQ(u->uid, 1000u);
  EXPECT_EQ(u->gid, 1000u);
  EXPECT_EQ(u->home, "/home/garfield");
  EXPECT_EQ(u->groups, (std::vector<gid_t>{1000, 100, 1001}));
}

TEST_F(UsersTest, UnknownMalformedAndInvalidNamesAreErrors) {
  EXPECT_FALSE(Lookup("odie"));
  EXPECT_EQ(err, "no user 'odie' in " + dir / "passwd");
  EXPECT_FALSE(Lookup("broken"));
  EXPECT_EQ(err, dir / "passwd" + ": malformed entry for 'broken'");
  EXPECT_FALSE(Lookup("a:b"));
  EXPECT_EQ(err, "invalid user name 'a:b'");
  EXPECT_FALSE(LookupUser("root", &err, dir / "nope", dir / "group"));
  EXPECT_EQ(err, "cannot read " + dir / "nope");
}

TEST_F(UsersTest, AMissingGroupFileOnlyLosesSupplementaryGroups) {
  auto u = LookupUser("garfield", &err, dir / "passwd", dir / "nope");
  ASSERT_TRUE(u) << err;
  EXPECT_EQ(u->groups, (std::vector<gid_t>{1000}));
}

TEST_F(UsersTest, NameOfIdReadsPasswdAndGroupStyleFiles) {
  EXPECT_EQ(NameOfId(1000, dir / "passwd"), "garfield");
  EXPECT_EQ(NameOfId(0, dir / "passwd"), "root");
  EXPECT_EQ(NameOfId(1001, dir / "group"), "cats");
  EXPECT_EQ(NameOfId(1001, dir / "passwd"), "") << "no such id";
  EXPECT_EQ(NameOfId(10, dir / "group"), "") << "not a prefix of 100";
  EXPECT_EQ(NameOfId(0, dir / "nope"), "");
}

TEST(SpawnPieces, ShellQuoteSurvivesTheShell) {
  EXPECT_EQ(ShellQuote({"python", "/root/cat.py"}), "'python' '/root/cat.py'");
  EXPECT_EQ(ShellQuote({"it's", "$HOME", ""}), "'it'\\''s' '$HOME' ''");
  // And sh really gives the words back.
  testing::TempDir dir;
  const std::vector<std::string> words = {"a b", "it's", "$(id)", "\\n", "*", ""};
  auto r = testing::Run(testing::Spec({"sh", "-c", "printf '[%s]' " + ShellQuote(words)}),
                        dir.path(), dir.path());
  EXPECT_EQ(r.process.stdout_data, "[a b][it's][$(id)][\\n][*][]");
}

TEST(SpawnPieces, LoginShellRunsThroughSuLikeTheAssignment) {
  protocol::ProcessSpec spec;
  spec.argv = {"python", "/root/cat.py"};
  spec.user = "garfield";
  EXPECT_EQ(EffectiveArgv(spec), spec.argv);
  spec.login_shell = true;
  EXPECT_EQ(EffectiveArgv(spec),
            (std::vector<std::string>{"su", "-", "garfield", "-c", "'python' '/root/cat.py'"}));
}

TEST(SpawnPieces, FindExecutableSearchesAbsolutePathEntriesOnly) {
  testing::TempDir dir;
  ASSERT_EQ(::mkdir((dir / "bin").c_str(), 0755), 0);
  testing::WriteFile(dir / "bin/tool", "#!/bin/sh\n");
  testing::WriteFile(dir / "bin/data", "");
  ::chmod((dir / "bin/tool").c_str(), 0755);
  EXPECT_EQ(FindExecutable("tool", "relative:" + dir / "bin"), dir / "bin/tool");
  EXPECT_EQ(FindExecutable("data", dir / "bin"), std::nullopt);  // not executable
  EXPECT_EQ(FindExecutable("bin", dir.path()), std::nullopt);    // a directory
  EXPECT_EQ(FindExecutable("./x", ""), "./x");                   // has a '/'
  EXPECT_EQ(FindExecutable("tool", ""), std::nullopt);
}

TEST(SpawnPieces, EnvAndCwd) {
  protocol::ProcessSpec spec;
  spec.env = {{"HOME", "/elsewhere"}, {"A", "1"}};
  EXPECT_EQ(BuildEnv(spec, "/root"),
            (std::vector<std::string>{"A=1", "HOME=/elsewhere", "LANG=C.UTF-8",
                                      std::string("PATH=") + kFixedPath}));
  EXPECT_EQ(ResolveCwd(spec, "/root"), "/root");
  spec.cwd = "litterbox";
  EXPECT_EQ(ResolveCwd(spec, "/srv/work"), "/srv/work/litterbox");
  spec.cwd = "/tmp";
  EXPECT_EQ(ResolveCwd(spec, "/root"), "/tmp");
}

}  // namespace
}  // namespace ipc::probe
