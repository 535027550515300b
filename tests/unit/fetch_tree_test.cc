// What a snapshot holds: symlinks as links, modes, submodules, caps, odd and
// hostile names. Trees are built with the git CLI (crafted ones with
// `git hash-object --literally`, which skips git's own name checks).
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "unit/fetch_test_util.h"

namespace ipc::fetch::testing {
namespace {

using Type = tar::Member::Type;

std::string HexToBin(const std::string& hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    out += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
  }
  return out;
}

std::string ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class TreeTest : public FetchTest {
 protected:
  GitRepo repo_{tmp_ / "carol"};
};

TEST_F(TreeTest, SymlinksStayLinksAndAreNeverRead) {
  repo_.Write("real.txt", "real\n");
  repo_.Symlink("shadow", "/etc/shadow");
  repo_.Symlink("up", "../../outside");
  repo_.Symlink("dir/rel", "../real.txt");
  repo_.Commit("links");
  Snapshot s = MustFetch(Req(repo_.dir(), {"main"}));

  ASSERT_NE(FindEntry(s, "shadow"), nullptr);
  EXPECT_EQ(EntryAt(s, "shadow").type, EntryType::kSymlink);
  EXPECT_EQ(EntryAt(s, "shadow").size, std::string("/etc/shadow").size());
  EXPECT_FALSE(s.ReadFile("shadow").has_value());
  EXPECT_FALSE(s.ReadFile("dir/rel").has_value());

  const auto members = Members(s);
  for (const auto& [path, target] :
       {std::pair<std::string, std::string>{"shadow", "/etc/shadow"},
        {"up", "../../outside"},
        {"dir/rel", "../real.txt"}}) {
    const tar::Member* m = FindMember(members, path);
    ASSERT_NE(m, nullptr) << path;
    EXPECT_EQ(m->type, Type::kSymlink) << path;
    EXPECT_EQ(m->link, target);
    EXPECT_EQ(m->size, 0u);
  }
  // The host file's contents are nowhere in the archive.
  const std::string shadow = ReadWholeFile("/etc/shadow");
  if (shadow.size() > 16) {
    EXPECT_EQ(s.tar.find(shadow.substr(0, 16)), std::string::npos);
  }

  // And extracting gives links, not copies.
  TempDir out;
  std::string err;
  ASSERT_TRUE(tar::Extract(s.tar, out.path(), {}, &err)) << err;
  EXPECT_TRUE(std::filesystem::is_symlink(out / "shadow"));
  EXPECT_EQ(std::filesystem::read_symlink(out / "shadow"), "/etc/shadow");
}

TEST_F(TreeTest, ModesFollowGit) {
  repo_.Write("test_listener.sh", "#!/bin/sh\nexit 0\n", /*exec=*/true);
  repo_.Write("Makefile", "compile:\n\tgcc -o listener listener.c\n");
  repo_.Write("litterbox/treasure.txt", "Treasure found!\n");
  repo_.Commit("modes");
  Snapshot s = MustFetch(Req(repo_.dir(), {"main"}));
  EXPECT_EQ(EntryAt(s, "test_listener.sh").type, EntryType::kExecutable);
  EXPECT_EQ(EntryAt(s, "Makefile").type, EntryType::kFile);
  EXPECT_EQ(s.ReadFile("test_listener.sh"), "#!/bin/sh\nexit 0\n");
  const auto members = Members(s);
  EXPECT_EQ(MemberAt(members, "test_listener.sh").mode, 0755u);
  EXPECT_EQ(MemberAt(members, "Makefile").mode, 0644u);
  EXPECT_EQ(MemberAt(members, "litterbox").type, Type::kDir);
  EXPECT_EQ(MemberAt(members, "litterbox").mode, 0755u);
  EXPECT_EQ(MemberAt(members, "Makefile").mtime, repo_.date());
}

TEST_F(TreeTest, SubmoduleIsListedRefusedAndNotFetched) {
  repo_.Write("a.txt", "a\n");
  const std::string first = repo_.Commit("a");
  repo_.Git({"update-index", "--add", "--cacheinfo",
             "160000," + first + ",vendor/lib"});
  repo_.Git({"commit", "-q", "-m", "gitlink"});
  Snapshot s = MustFetch(Req(repo_.dir(), {"main"}));
  ASSERT_NE(FindEntry(s, "vendor/lib"), nullptr);
  EXPECT_EQ(EntryAt(s, "vendor/lib").type, EntryType::kSubmodule);
  EXPECT_TRUE(AnyContains(s.refused, "vendor/lib", "submodule"))
      << ::testing::PrintToString(s.refused);
  // An empty directory, as a non-recursive clone leaves it.
  EXPECT_EQ(MemberAt(Members(s), "vendor/lib").type, Type::kDir);
}

TEST_F(TreeTest, OversizedBlobIsDroppedNotFatal) {
  repo_.Write("core", std::string(1000, 'x'));
  repo_.Write("small.txt", "ok\n");
  repo_.Commit("big");
  FetchRequest req = Req(repo_.dir(), {"main"});
  req.caps.max_blob_bytes = 100;
  Snapshot s = MustFetch(req);
  ASSERT_NE(FindEntry(s, "core"), nullptr);
  EXPECT_EQ(EntryAt(s, "core").size, 1000u);
  EXPECT_FALSE(s.ReadFile("core").has_value());
  const auto members = Members(s);
  EXPECT_EQ(FindMember(members, "core"), nullptr);
  EXPECT_EQ(s.ReadFile("small.txt"), "ok\n");
  EXPECT_TRUE(AnyContains(s.refused, "'core'", "max_blob_bytes"))
      << ::testing::PrintToString(s.refused);
}

TEST_F(TreeTest, TotalSizeCapFailsNamingPathAndCap) {
  repo_.Write("a.txt", std::string(60, 'a'));
  repo_.Write("b.txt", std::string(60, 'b'));
  repo_.Commit("two");
  FetchRequest req = Req(repo_.dir(), {"main"});
  req.caps.max_total_bytes = 100;
  FetchError e = MustFail(req);
  EXPECT_EQ(e.kind, FetchErrorKind::kTooLarge);
  EXPECT_NE(e.message.find("'b.txt'"), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("max_total_bytes"), std::string::npos) << e.message;
}

TEST_F(TreeTest, TooManyEntries) {
  for (int i = 0; i < 5; ++i) repo_.Write("f" + std::to_string(i), "x");
  repo_.Commit("five");
  FetchRequest req = Req(repo_.dir(), {"main"});
  req.caps.max_entries = 3;
  FetchError e = MustFail(req);
  EXPECT_EQ(e.kind, FetchErrorKind::kTooLarge);
  EXPECT_NE(e.message.find("max_entries"), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("'f3'"), std::string::npos) << e.message;
}

TEST_F(TreeTest, TooDeep) {
  repo_.Write("a/b/c/d.txt", "deep");
  repo_.Commit("deep");
  FetchRequest req = Req(repo_.dir(), {"main"});
  req.caps.max_depth = 3;
  FetchError e = MustFail(req);
  EXPECT_EQ(e.kind, FetchErrorKind::kTooLarge);
  EXPECT_NE(e.message.find("'a/b/c/d.txt'"), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("max_depth"), std::string::npos) << e.message;
  req.caps.max_depth = 4;
  MustFetch(req);
}

TEST_F(TreeTest, OddButLegalNamesAreKeptAsIs) {
  const std::vector<std::string> names = {"new\nline", "-rf", "with space",
                                          "\xff\xfe-not-utf8", "dir/--help"};
  for (const std::string& n : names) repo_.Write(n, "content of " + n);
  repo_.Commit("odd");
  Snapshot s = MustFetch(Req(repo_.dir(), {"main"}));
  EXPECT_TRUE(s.refused.empty()) << ::testing::PrintToString(s.refused);
  TempDir out;
  std::string err;
  ASSERT_TRUE(tar::Extract(s.tar, out.path(), {}, &err)) << err;
  for (const std::string& n : names) {
    EXPECT_EQ(s.ReadFile(n), "content of " + n) << n;
    EXPECT_EQ(ReadWholeFile(out / n), "content of " + n) << n;
  }
}

TEST_F(TreeTest, HostileNamesInCraftedTreeAreRefused) {
  const std::string blob =
      repo_.Git({"hash-object", "-w", "--stdin"}, "payload\n");
  const std::string bin = HexToBin(blob);
  std::string tree;
  for (const char* name : {"..", ".GIT", ".", "ok.txt"}) {
    tree += std::string("100644 ") + name + '\0' + bin;
  }
  const std::string tree_id = repo_.Git(
      {"hash-object", "-t", "tree", "--literally", "-w", "--stdin"}, tree);
  const std::string commit =
      repo_.Git({"commit-tree", tree_id, "-m", "crafted"});
  repo_.Git({"update-ref", "refs/heads/main", commit});

  Snapshot s = MustFetch(Req(repo_.dir(), {"main"}));
  ASSERT_EQ(s.entries.size(), 1u);
  EXPECT_EQ(s.entries[0].path, "ok.txt");
  EXPECT_EQ(s.ReadFile("ok.txt"), "payload\n");
  EXPECT_TRUE(AnyContains(s.refused, "'..'", "not fetched"));
  EXPECT_TRUE(AnyContains(s.refused, "'.GIT'", ".git"));
  EXPECT_TRUE(AnyContains(s.refused, "'.'", "not fetched"));
  const auto members = Members(s);
  ASSERT_EQ(members.size(), 1u);
  EXPECT_EQ(members[0].path, "ok.txt");
}

}  // namespace
}  // namespace ipc::fetch::testing
