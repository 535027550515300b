// The seeded faults in ref-cat and ref-listener, which grade whether a
// student's own test scripts catch a broken program.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>

#include "reference_process.h"

namespace ipc::reftest {
namespace {

namespace fs = std::filesystem;

class CatMutants : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("ipc-mutant-" + std::to_string(getpid()));
    fs::create_directories(dir_ / "litterbox");
    std::ofstream(dir_ / "litterbox" / "treasure.txt") << "Treasure found!";
    std::ofstream(dir_ / "secret.txt") << "Hey! This is a secret!";
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string Cat(const std::string& mutant, const std::string& input) {
    std::vector<std::string> argv = {BinDir() + "/ref-cat"};
    if (!mutant.empty()) argv.push_back("--mutant=" + mutant);
    Outcome o = Child::Start({.argv = argv, .env = {"LANG=C.UTF-8"}, .cwd = dir_.string(),
                              .stdin_data = input})
                    .Finish();
    EXPECT_TRUE(WIFEXITED(o.status) && WEXITSTATUS(o.status) == 0) << o.Describe();
    return o.out;
  }
  fs::path dir_;
};

TEST_F(CatMutants, EachMutantBreaksExactlyWhatItsNameSays) {
  EXPECT_EQ(Cat("", "treasure.txt"), "Treasure found!\n");
  EXPECT_EQ(Cat("", "../secret.txt"), "Hey! This is a secret!\n");
  EXPECT_EQ(Cat("always-meow", "treasure.txt"), "MEOW\n");
  EXPECT_EQ(Cat("refuse-traversal", "treasure.txt"), "Treasure found!\n");
  EXPECT_EQ(Cat("refuse-traversal", "../secret.txt"), "MEOW Sandbox escaped!\n");
  // The assignment's "secure way" compares prefixes: a sibling folder whose
  // name starts with "litterbox" slips through, as it would in Python.
  EXPECT_EQ(Cat("refuse-traversal", "../litterbox2/x").rfind("MEOW [Errno 2]", 0), 0u);
  EXPECT_EQ(Cat("always-leak", "no-such-file").find("MEOW"), std::string::npos);
}

TEST(ListenerMutants, NoUsr1HandlerDiesOfSigusr1) {
  Child c = Child::Start({.argv = {BinDir() + "/ref-listener", "--mutant=no-usr1"}});
  // The mutant never installs a SIGUSR1 handler, so the default action
  // (terminate) applies whenever the signal lands.
  kill(c.pid(), SIGUSR1);
  Outcome o = c.Finish();
  ASSERT_TRUE(WIFSIGNALED(o.status)) << o.Describe();
  EXPECT_EQ(WTERMSIG(o.status), SIGUSR1);
}

TEST(ListenerMutants, UnknownMutantIsAUsageError) {
  Outcome o = Child::Start({.argv = {BinDir() + "/ref-listener", "--mutant=nope"}}).Finish();
  ASSERT_TRUE(WIFEXITED(o.status));
  EXPECT_EQ(WEXITSTATUS(o.status), 2);
}

}  // namespace
}  // namespace ipc::reftest
