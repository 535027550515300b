// `ref-cat --cases` (reference/case_runner.h) against ref-cat run once per
// case: the stdin_cases check trusts the batch to see exactly what separate
// processes would.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <filesystem>

#include "case_batch_support.h"
#include "protocol/case_batch.h"
#include "reference/oracle_spec.h"
#include "unit/reference_assignments.h"
#include "unit/reference_process.h"

namespace ipc::reftest {
namespace {

// The project's cat, and its mutant that refuses ../, as the grader
// configures ref-cat for them.
std::vector<std::string> CatArgs() {
  return reference::ToArgs(std::get<reference::CatSpec>(ProgramsOf("ipc-project").programs.at("cat").spec));
}
std::vector<std::string> RefusesTraversalArgs() {
  return reference::ToArgs(
      std::get<reference::CatSpec>(ProgramsOf("ipc-project").mutants.at("refuses-traversal").spec));
}
std::vector<std::string> Plus(std::vector<std::string> args, const std::string& more) {
  args.push_back(more);
  return args;
}

class RefCatCases : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(dir_ / "litterbox/adir");
    WriteFile(dir_ / "litterbox/treasure.txt", "Treasure found!");
    WriteFile(dir_ / "litterbox/binary.bin", std::string("\xff\xfe\x00\x01", 4));
    WriteFile(dir_ / "secret.txt", "Hey! This is a secret!");
  }
  std::vector<protocol::ProcessResult> Batch(const std::vector<std::string>& flags,
                                             const std::vector<std::string>& inputs,
                                             double timeout_s = 10) {
    std::vector<std::string> argv = {BinDir() + "/ref-cat", "--cases"};
    argv.insert(argv.end(), flags.begin(), flags.end());
    return testing::RunCaseBatch({.argv = argv, .env = {"LANG=C.UTF-8"}, .cwd = dir_.path()},
                                 inputs, timeout_s, 4096);
  }
  void ExpectSameAsOneProcessEach(const std::vector<std::string>& flags,
                                  const std::vector<std::string>& inputs) {
    const auto got = Batch(flags, inputs);
    ASSERT_EQ(got.size(), inputs.size());
    for (std::size_t i = 0; i < inputs.size(); ++i) {
      std::vector<std::string> argv = {BinDir() + "/ref-cat"};
      argv.insert(argv.end(), flags.begin(), flags.end());
      const Outcome want = Child::Start({.argv = argv, .env = {"LANG=C.UTF-8"},
                                         .cwd = dir_.path(), .stdin_data = inputs[i]})
                               .Finish();
      SCOPED_TRACE("input " + std::to_string(i) + ": " + want.Describe());
      ASSERT_TRUE(got[i].started) << got[i].error;
      ASSERT_TRUE(WIFEXITED(want.status));
      EXPECT_EQ(got[i].exit_code, WEXITSTATUS(want.status));
      EXPECT_EQ(got[i].stdout_data, want.out.substr(0, 4096));
      EXPECT_EQ(got[i].stdout_bytes, want.out.size());
      EXPECT_EQ(got[i].stderr_data, want.err);
      EXPECT_FALSE(got[i].timed_out);
    }
  }
  TempDir dir_;
};

TEST_F(RefCatCases, EachCaseIsWhatItsOwnProcessWouldBe) {
  const std::vector<std::string> inputs = {
      "treasure.txt", "../secret.txt", "", "nope", "adir", "binary.bin",
      std::string("trea\0sure.txt", 13), "\xff\xfe\n", "  treasure.txt \t\n",
      std::string(70000, 'a'),  // more than a pipe holds
  };
  ExpectSameAsOneProcessEach(CatArgs(), inputs);
  ExpectSameAsOneProcessEach(Plus(CatArgs(), "--stdin-errors=strict"), inputs);
  ExpectSameAsOneProcessEach(RefusesTraversalArgs(), inputs);
  // A usage error per case: an unknown flag, or no folder and refusal.
  ExpectSameAsOneProcessEach(Plus(CatArgs(), "--no-such-flag"), {"treasure.txt"});
  ExpectSameAsOneProcessEach({}, {"treasure.txt"});
}

TEST_F(RefCatCases, TheConfigurationReachesEveryCase) {
  // Another folder and word than the project's: nothing of litterbox/MEOW
  // is left in the batch.
  std::filesystem::create_directories(dir_ / "doghouse");
  WriteFile(dir_ / "doghouse/bone.txt", "Bone found!");
  const auto got = Batch({"--folder=doghouse", "--refusal=WOOF"}, {"bone.txt", "treasure.txt"});
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].stdout_data, "Bone found!\n");
  EXPECT_EQ(got[1].stdout_data,
            "WOOF [Errno 2] No such file or directory: './doghouse/treasure.txt'\n");
}

TEST_F(RefCatCases, ACaseThatBlocksTimesOutAndTheNextStillRuns) {
  // Opening a FIFO with no writer blocks for ever.
  ASSERT_EQ(mkfifo((dir_ / "litterbox/fifo").c_str(), 0644), 0);
  const auto got = Batch(CatArgs(), {"fifo", "treasure.txt"}, /*timeout_s=*/0.3);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_TRUE(got[0].timed_out);
  EXPECT_FALSE(got[0].exit_code.has_value());
  EXPECT_FALSE(got[1].timed_out);
  EXPECT_EQ(got[1].exit_code, 0);
  EXPECT_EQ(got[1].stdout_data, "Treasure found!\n");
}

TEST_F(RefCatCases, NotARequestIsAUsageError) {
  std::vector<std::string> argv = {BinDir() + "/ref-cat", "--cases"};
  for (const auto& a : CatArgs()) argv.push_back(a);
  const Outcome o =
      Child::Start({.argv = argv, .cwd = dir_.path(), .stdin_data = "treasure.txt"}).Finish();
  ASSERT_TRUE(WIFEXITED(o.status));
  EXPECT_EQ(WEXITSTATUS(o.status), 2);
  EXPECT_NE(o.err.find("not a batch request"), std::string::npos) << o.err;
}

}  // namespace
}  // namespace ipc::reftest
