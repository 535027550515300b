// The gitlab_ci check type, first half: reading .gitlab-ci.yml as GitLab
// does, and the text scans (commented-out scripts, the failing command).
#include <gtest/gtest.h>

#include "checks/gitlab_ci_parse.h"
#include "checks/gitlab_ci_scan.h"

namespace ipc::testing {
namespace {

using checks::CiFile;
using checks::CiJob;

// ---- Parsing --------------------------------------------------------------

CiFile ParseOk(const std::string& text) {
  std::string err;
  auto ci = checks::ParseGitlabCi(text, ".gitlab-ci.yml", &err);
  EXPECT_TRUE(ci.has_value()) << err;
  return ci.value_or(checks::CiFile{});
}

std::string ParseErr(const std::string& text) {
  std::string err;
  auto ci = checks::ParseGitlabCi(text, ".gitlab-ci.yml", &err);
  EXPECT_FALSE(ci.has_value());
  return err;
}

// The file the assignment gives, with the Part 1 line uncommented.
constexpr const char* kAssignmentCi = R"(image:
  name: python:latest # don't change this
ipc-project:
  stage: test
  script:
    - make
    - chmod +x test_*
    # - ./test_cat.sh
    # - ./test_cat_exploit.sh
    - ./test_listener.sh
    # - ./test_full_dd.sh
)";

TEST(GitlabCiParse, TheAssignmentsFileHasOneJobWithItsScriptAndImage) {
  const CiFile ci = ParseOk(kAssignmentCi);
  ASSERT_EQ(ci.jobs.size(), 1u);
  const CiJob& j = ci.jobs[0];
  EXPECT_EQ(j.name, "ipc-project");
  EXPECT_EQ(j.where, ".gitlab-ci.yml:3:1");
  EXPECT_EQ(j.image, "python:latest");
  EXPECT_EQ(j.Lines(), (std::vector<std::string>{"make", "chmod +x test_*", "./test_listener.sh"}));
}

TEST(GitlabCiParse, NestedListsAndAnchorsAreFlattenedInOrder) {
  const CiFile ci = ParseOk(R"(
.build: &build
  - make
  - [chmod +x test_*]
job:
  script:
    - *build
    - [./test_cat.sh, [./test_listener.sh]]
    - echo done
)");
  ASSERT_EQ(ci.jobs.size(), 1u);
  EXPECT_EQ(ci.jobs[0].script,
            (std::vector<std::string>{"make", "chmod +x test_*", "./test_cat.sh",
                                      "./test_listener.sh", "echo done"}));
  EXPECT_EQ(ci.hidden, std::vector<std::string>{".build"});
}

TEST(GitlabCiParse, ScriptMayBeAStringAndAMultiLineCommandStaysOneEntry) {
  const CiFile ci = ParseOk("a:\n  script: make\nb:\n  script:\n    - |\n      make\n      ./t.sh\n");
  ASSERT_EQ(ci.jobs.size(), 2u);
  EXPECT_EQ(ci.jobs[0].script, std::vector<std::string>{"make"});
  EXPECT_EQ(ci.jobs[1].script, std::vector<std::string>{"make\n./t.sh\n"});
}

TEST(GitlabCiParse, BeforeScriptComesFromTheJobElseDefaultElseTopLevel) {
  const CiFile ci = ParseOk(R"(
before_script: [echo top]
default:
  before_script: [echo default]
own:
  before_script: echo own
  script: [make]
inherits:
  script: [make]
)");
  ASSERT_EQ(ci.jobs.size(), 2u);
  EXPECT_EQ(ci.jobs[0].Lines(), (std::vector<std::string>{"echo own", "make"}));
  EXPECT_EQ(ci.jobs[1].Lines(), (std::vector<std::string>{"echo default", "make"}));
  const CiFile top = ParseOk("before_script: [echo top]\nj:\n  script: [make]\n");
  EXPECT_EQ(top.jobs[0].Lines(), (std::vector<std::string>{"echo top", "make"}));
}

TEST(GitlabCiParse, KeywordsAndHiddenJobsAreNotJobs) {
  const CiFile ci = ParseOk(R"(
stages: [test]
variables: {A: "1", B: two}
cache: {paths: [x]}
.template:
  script: [echo never]
ipc-project:
  image: python:3.12
  variables: {B: three}
  script: [make]
)");
  ASSERT_EQ(ci.jobs.size(), 1u);
  EXPECT_EQ(ci.jobs[0].name, "ipc-project");
  EXPECT_EQ(ci.jobs[0].image, "python:3.12");  // the job's own overrides the top level
  EXPECT_EQ(ci.jobs[0].variables, (std::map<std::string, std::string>{{"A", "1"}, {"B", "three"}}));
  std::string err;
  EXPECT_EQ(checks::SelectJob(ci, "", &err), &ci.jobs[0]) << err;
  EXPECT_EQ(checks::SelectJob(ci, ".template", &err), nullptr);
  EXPECT_NE(err.find("hidden"), std::string::npos) << err;
}

TEST(GitlabCiParse, SelectJobExplainsWhatIsMissing) {
  std::string err;
  const CiFile two = ParseOk("a:\n  script: [x]\nb:\n  script: [y]\n");
  EXPECT_EQ(checks::SelectJob(two, "", &err), nullptr);
  EXPECT_NE(err.find("several jobs ('a', 'b')"), std::string::npos) << err;
  EXPECT_EQ(checks::SelectJob(two, "b", &err), &two.jobs[1]);
  EXPECT_EQ(checks::SelectJob(two, "c", &err), nullptr);
  EXPECT_NE(err.find("no job 'c'"), std::string::npos) << err;
  EXPECT_NE(err.find("'a', 'b'"), std::string::npos) << err;
  const CiFile dotted = ParseOk(".ipc-project:\n  script: [make]\n");
  EXPECT_EQ(checks::SelectJob(dotted, "ipc-project", &err), nullptr);
  EXPECT_NE(err.find("remove the dot"), std::string::npos) << err;
  EXPECT_EQ(checks::SelectJob(dotted, "", &err), nullptr);
  EXPECT_NE(err.find("hidden"), std::string::npos) << err;
}

TEST(GitlabCiParse, BadYamlGivesLineAndColumnAndYamlCppsMessage) {
  // Line 3 holds a second ': ' in a plain scalar, at column 12.
  const std::string err = ParseErr("image: python\nj:\n  script: a: b\n");
  EXPECT_EQ(err.rfind(".gitlab-ci.yml:3:", 0), 0u) << err;
  EXPECT_NE(err.find("YAML syntax error: illegal map value"), std::string::npos) << err;
}

TEST(GitlabCiParse, AScriptLineThatReadsAsAMappingIsRejectedAtItsPosition) {
  const std::string err = ParseErr("j:\n  script:\n    - make\n    - echo a: b\n");
  EXPECT_EQ(err.rfind(".gitlab-ci.yml:4:7: ", 0), 0u) << err;
  EXPECT_NE(err.find("quote the line"), std::string::npos) << err;
  EXPECT_NE(ParseErr("j:\n  script: []\n").find("empty script"), std::string::npos);
  EXPECT_NE(ParseErr("").find("empty"), std::string::npos);
  EXPECT_NE(ParseErr("- a\n- b\n").find("must be a mapping"), std::string::npos);
}

TEST(GitlabCiParse, UnresolvedFeaturesAreNoted) {
  const CiFile ci = ParseOk("include: x.yml\nj:\n  extends: .t\n  script: [make]\n");
  ASSERT_EQ(ci.notes.size(), 2u);
  EXPECT_NE(ci.notes[0].find("include"), std::string::npos);
  EXPECT_NE(ci.notes[1].find("extends"), std::string::npos);
}

// ---- Text scans -----------------------------------------------------------

TEST(GitlabCiScan, ACommandRunsAScriptOnlyWhenTheNameIsAWordOutsideAComment) {
  using checks::CommandRunsScript;
  for (const char* yes : {"./test_cat.sh", "bash test_cat.sh", "/root/test_cat.sh",
                          "sh -c './test_cat.sh'", "echo '#' && ./test_cat.sh",
                          "make\n./test_cat.sh", "./test_cat.sh;true"}) {
    EXPECT_TRUE(CommandRunsScript(yes, "test_cat.sh")) << yes;
  }
  for (const char* no : {"chmod +x test_*", "./mytest_cat.sh", "./test_cat.sh.bak",
                         "echo hi # ./test_cat.sh", "# ./test_cat.sh", "make\n  # ./test_cat.sh"}) {
    EXPECT_FALSE(CommandRunsScript(no, "test_cat.sh")) << no;
  }
}

TEST(GitlabCiScan, FindsTheCommentedOutLineWithItsNumber) {
  const auto dd = checks::FindCommentedOut(kAssignmentCi, "test_full_dd.sh");
  ASSERT_TRUE(dd.has_value());
  EXPECT_EQ(dd->line, 11);
  EXPECT_EQ(dd->text, "# - ./test_full_dd.sh");
  EXPECT_EQ(checks::FindCommentedOut(kAssignmentCi, "test_cat.sh")->line, 8);
  // Uncommented, or only a longer name commented out: not found.
  EXPECT_FALSE(checks::FindCommentedOut(kAssignmentCi, "test_listener.sh").has_value());
  EXPECT_FALSE(checks::FindCommentedOut(kAssignmentCi, "test_cat").has_value());
  // A '#' inside a quoted YAML string is not a comment.
  EXPECT_FALSE(
      checks::FindCommentedOut("j:\n  script: [\"echo '# ./t.sh'\"]\n", "t.sh").has_value());
}

TEST(GitlabCiScan, TheLastEchoedCommandIsTheOneThatStopped) {
  const std::vector<std::string> cmds = {"make", "./a.sh", "./b.sh"};
  using checks::EchoOf;
  EXPECT_EQ(checks::LastStartedCommand(EchoOf("make") + "gcc\n" + EchoOf("./a.sh") + "boom\n", cmds),
            std::optional<std::size_t>(1));
  EXPECT_EQ(checks::LastStartedCommand("nothing", cmds), std::nullopt);
  // Output that mentions a later command before the real echo of an
  // earlier one does not count.
  EXPECT_EQ(checks::LastStartedCommand(EchoOf("./b.sh") + EchoOf("make"), cmds),
            std::optional<std::size_t>(0));
}

}  // namespace
}  // namespace ipc::testing
