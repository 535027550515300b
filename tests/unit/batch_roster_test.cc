// Roster CSV parsing (exact messages with line numbers) and shard stability.
#include <gtest/gtest.h>

#include <set>

#include "batch/roster.h"
#include "batch/shard.h"
#include "util/error.h"

namespace ipc::batch {
namespace {

std::vector<std::string> Students(const Roster& r) {
  std::vector<std::string> v;
  for (const auto& e : r.entries) v.push_back(e.student);
  return v;
}

TEST(Roster, ReadsColumnsByHeaderWithOptionalRefAndExtraColumns) {
  const Roster r = ParseRoster(
      "email,Repo,student,ref,section\n"
      "a@x.edu,https://git.example.edu/alice/ipc.git,alice,,A1\n"
      "b@x.edu,/srv/bob,bob,final part1,A2\n",
      "roster.csv");
  EXPECT_TRUE(r.problems.empty());
  ASSERT_EQ(r.entries.size(), 2u);
  EXPECT_EQ(r.entries[0].student, "alice");
  EXPECT_EQ(r.entries[0].repo, "https://git.example.edu/alice/ipc.git");
  EXPECT_TRUE(r.entries[0].refs.empty());
  EXPECT_EQ(r.entries[1].refs, (std::vector<std::string>{"final", "part1"}));
  EXPECT_EQ(r.entries[1].line, 3);
}

TEST(Roster, Rfc4180QuotingBomCrlfAndBlankLines) {
  const Roster r = ParseRoster(
      "\xEF\xBB\xBFstudent,repo,note\r\n"
      "\r\n"
      "\"alice\",\"/srv/a,b\",\"said \"\"hi\"\"\non two lines\"\r\n"
      "  bob , /srv/bob \r\n"
      ",,\n"
      "carol,/srv/carol",
      "r.csv");
  EXPECT_TRUE(r.problems.empty()) << r.problems.at(0);
  ASSERT_EQ(Students(r), (std::vector<std::string>{"alice", "bob", "carol"}));
  EXPECT_EQ(r.entries[0].repo, "/srv/a,b");
  EXPECT_EQ(r.entries[0].line, 3);
  EXPECT_EQ(r.entries[1].repo, "/srv/bob");  // unquoted fields are trimmed
  EXPECT_EQ(r.entries[1].line, 5);           // the quoted line break counted
  EXPECT_EQ(r.entries[2].line, 7);
}

TEST(Roster, BadRowsAreReportedWithTheirLineAndSkipped) {
  const Roster r = ParseRoster(
      "student,repo\n"            // 1
      "alice,/srv/alice\n"        // 2
      "bob\n"                     // 3
      ",/srv/nobody\n"            // 4
      "a/b,/srv/x\n"              // 5
      "carol,ftp://host/carol\n"  // 6
      "alice,/srv/alice2\n"       // 7
      "dave,\"/srv/dave\"x\n"     // 8
      "erin,/srv/erin\n",         // 9
      "roster.csv");
  EXPECT_EQ(Students(r), (std::vector<std::string>{"alice", "erin"}));
  EXPECT_EQ(r.problems,
            (std::vector<std::string>{
                "roster.csv:3: skipped: no repo for student 'bob'",
                "roster.csv:4: skipped: no student name",
                "roster.csv:5: skipped: the student name 'a/b' may hold only letters, "
                "digits, '.', '_' and '-'",
                "roster.csv:6: skipped: cannot parse the repo of 'carol' "
                "('ftp://host/carol'): use https://, ssh://, git://, file://, host:path or a "
                "local path",
                "roster.csv:7: skipped: duplicate student 'alice' (first on line 2)",
                "roster.csv:8: skipped: text after the closing quote of field 2",
            }));
}

TEST(Roster, RepoCredentialsAreRedactedInMessages) {
  const Roster r = ParseRoster(
      "student,repo\nx y,https://u:secret@h/x/p.git\n"
      "bob,gopher://u:secret@h/p\n",
      "r.csv");
  ASSERT_EQ(r.problems.size(), 2u);
  for (const auto& p : r.problems) EXPECT_EQ(p.find("secret"), std::string::npos) << p;
}

TEST(Roster, UnclosedQuoteSkipsTheRestWithTheLineItStarted) {
  const Roster r =
      ParseRoster("student,repo\nalice,/srv/alice\nbob,\"/srv/bob\ncarol,/srv/carol\n", "r.csv");
  EXPECT_EQ(Students(r), (std::vector<std::string>{"alice"}));
  EXPECT_EQ(r.problems, (std::vector<std::string>{
                            "r.csv:3: skipped: a quoted field is not closed before the end of "
                            "the file"}));
}

TEST(Roster, HeaderProblemsAreFatal) {
  try {
    ParseRoster("\nname,url\nalice,/srv/alice\n", "roster.csv");
    FAIL();
  } catch (const Fatal& e) {
    EXPECT_STREQ(e.what(),
                 "roster.csv:2: the header must name the columns 'student' and 'repo' (found "
                 "'name', 'url'); the first line of the roster is its header, e.g. "
                 "'student,repo,ref'");
  }
  EXPECT_THROW(ParseRoster("", "roster.csv"), Fatal);
  EXPECT_THROW(LoadRoster("/nonexistent/roster.csv"), Fatal);
}

TEST(Shard, ParsesKOverNAndRejectsNonsense) {
  const Shard s = ParseShard("2/5");
  EXPECT_EQ(s.index, 2);
  EXPECT_EQ(s.count, 5);
  for (const char* bad : {"0/3", "4/3", "1/0", "a/b", "2", "2/3x", "-1/3", ""}) {
    EXPECT_THROW(ParseShard(bad), Fatal) << bad;
  }
}

TEST(Shard, Fnv1aMatchesTheReferenceVectors) {
  // From the FNV reference (draft-eastlake-fnv): 64-bit FNV-1a.
  EXPECT_EQ(Fnv1a64(""), 0xcbf29ce484222325ull);
  EXPECT_EQ(Fnv1a64("a"), 0xaf63dc4c8601ec8cull);
  EXPECT_EQ(Fnv1a64("foobar"), 0x85944171f73967e8ull);
}

TEST(Shard, ShardsAreDisjointCoverTheRosterAndDoNotDependOnOrder) {
  std::vector<std::string> names;
  for (int i = 0; i < 200; ++i) names.push_back("student" + std::to_string(i));
  for (int n : {1, 2, 3, 7}) {
    std::multiset<std::string> seen;
    std::vector<int> sizes(n, 0);
    for (int k = 1; k <= n; ++k) {
      for (const auto& s : names) {
        if (InShard(s, {k, n})) {
          seen.insert(s);
          ++sizes[k - 1];
        }
      }
    }
    EXPECT_EQ(seen, std::multiset<std::string>(names.begin(), names.end())) << n;
    for (int size : sizes) EXPECT_GT(size, 0) << "an empty shard out of " << n;
  }
  // Stable: a student's shard depends on the name only.
  EXPECT_EQ(ShardOf("alice", 4), ShardOf(std::string("alice"), 4));
  EXPECT_EQ(ShardOf("alice", 4), static_cast<int>(Fnv1a64("alice") % 4) + 1);
}

}  // namespace
}  // namespace ipc::batch
