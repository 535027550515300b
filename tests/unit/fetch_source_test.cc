// Source strings: redaction, student names, parsing. Pure functions.
#include <gtest/gtest.h>

#include "fetch/fetcher.h"
#include "fetch/source.h"

namespace ipc::fetch {
namespace {

TEST(RedactSource, Table) {
  const std::pair<const char*, const char*> cases[] = {
      {"https://oauth2:SECRET@git.example.edu/alice/ipc-project.git",
       "https://git.example.edu/alice/ipc-project.git"},
      {"https://glpat-TOKEN@git.example.edu/alice/ipc-project.git",
       "https://git.example.edu/alice/ipc-project.git"},
      {"http://u:p@ss@host:8080/a/b", "http://host:8080/a/b"},
      {"https://git.example.edu/alice/ipc-project.git",
       "https://git.example.edu/alice/ipc-project.git"},
      {"ssh://git:pw@host:2222/bob/ipc-project.git",
       "ssh://git@host:2222/bob/ipc-project.git"},
      {"ssh://git@host/bob/ipc-project.git",
       "ssh://git@host/bob/ipc-project.git"},
      {"git@host:bob/ipc-project.git", "git@host:bob/ipc-project.git"},
      {"git://host/x.git", "git://host/x.git"},
      {"/srv/class/carol", "/srv/class/carol"},
      {"file:///x/dave.git", "file:///x/dave.git"},
  };
  for (const auto& [in, want] : cases) EXPECT_EQ(RedactSource(in), want) << in;
}

TEST(StudentNameFromSource, Table) {
  const std::pair<const char*, const char*> cases[] = {
      {"https://oauth2:SECRET@git.example.edu/alice/ipc-project.git", "alice"},
      {"https://git.example.edu/course/2024/alice/ipc-project/", "alice"},
      {"git@host:bob/ipc-project.git", "bob"},
      {"ssh://git@host:2222/bob/ipc-project.git", "bob"},
      {"https://host/erin.git", "erin"},
      {"/srv/class/carol", "carol"},
      {"/srv/class/carol/", "carol"},
      {"/srv/class/carol/.git", "carol"},
      {"file:///x/dave.git", "dave"},
      {"relative/frank", "frank"},
  };
  for (const auto& [in, want] : cases)
    EXPECT_EQ(StudentNameFromSource(in), want) << in;
}

TEST(ParseSource, TransportsAndWhatLibgit2Sees) {
  Source s;
  std::string why;
  ASSERT_TRUE(ParseSource("https://oauth2:S%40CRET@h/alice/p.git", &s, &why))
      << why;
  EXPECT_EQ(s.transport, Transport::kHttp);
  EXPECT_EQ(s.url, "https://h/alice/p.git");
  EXPECT_EQ(s.user, "oauth2");
  EXPECT_EQ(s.password, "S@CRET");

  ASSERT_TRUE(ParseSource("git@h:bob/p.git", &s, &why)) << why;
  EXPECT_EQ(s.transport, Transport::kSsh);
  EXPECT_EQ(s.url, "git@h:bob/p.git");
  EXPECT_EQ(s.user, "git");

  ASSERT_TRUE(ParseSource("file:///srv/a%20b", &s, &why)) << why;
  EXPECT_EQ(s.transport, Transport::kLocal);
  EXPECT_EQ(s.local_path, "/srv/a b");

  // A colon after a slash is part of a path, as git decides.
  ASSERT_TRUE(ParseSource("./x:y", &s, &why)) << why;
  EXPECT_EQ(s.transport, Transport::kLocal);

  EXPECT_FALSE(ParseSource("file://otherhost/x", &s, &why));
  EXPECT_NE(why.find("otherhost"), std::string::npos);
  EXPECT_FALSE(ParseSource("", &s, &why));
}

TEST(Redactor, SecretsAndUrlUserInfoDisappear) {
  Redactor r;
  r.AddSecret("p@ss word");
  EXPECT_EQ(r("auth failed for p@ss word and p%40ss%20word"),
            "auth failed for *** and ***");
  EXPECT_EQ(r("redirected to https://x:y@evil.example/z"),
            "redirected to https://evil.example/z");
  EXPECT_EQ(r("plain message"), "plain message");
}

TEST(SafeFileName, OnlyHarmlessCharacters) {
  EXPECT_EQ(SafeFileName("alice"), "alice");
  EXPECT_EQ(SafeFileName("../etc"), "x.._etc");
  EXPECT_EQ(SafeFileName(""), "x");
  EXPECT_EQ(SafeFileName(std::string(100, 'a')).size(), 40u);
}

}  // namespace
}  // namespace ipc::fetch
