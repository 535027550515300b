// The options `grade` and `batch` share (cli/options.h): how a command line
// fills CommonOptions, and the rubric check every run starts with.
#include <gtest/gtest.h>

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "cli/options.h"
#include "rubric/rubric.h"

namespace ipc::cli {
namespace {

namespace fs = std::filesystem;

// Parses `args` (after the program name) as a command with the common
// options; throws what CLI11 throws.
CommonOptions Parse(std::vector<std::string> args) {
  CLI::App app("test");
  CommonOptions o;
  AddCommonOptions(&app, &o);
  args.insert(args.begin(), "grader");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  app.parse(static_cast<int>(argv.size()), argv.data());
  return o;
}

TEST(CommonOptions, DefaultsWhenNothingIsGiven) {
  const CommonOptions o = Parse({});
  EXPECT_EQ(o.rubric_path, "");  // OpenSession then takes DefaultRubricPath()
  EXPECT_EQ(o.out_dir, "results");
  EXPECT_EQ(o.image, "");
  EXPECT_EQ(o.engine, "docker");
  EXPECT_EQ(o.cache_dir, "");
  EXPECT_EQ(o.token_env, "IPC_GRADER_TOKEN");
  EXPECT_EQ(o.ssh_key, "");
  EXPECT_EQ(o.observations_max_bytes, 2ull << 30);
}

TEST(CommonOptions, CacheMaxTakesSizesWithUnitsAndZeroForNoBound) {
  EXPECT_EQ(Parse({"--cache-max", "500M"}).observations_max_bytes, 500ull << 20);
  EXPECT_EQ(Parse({"--cache-max", "8G"}).observations_max_bytes, 8ull << 30);
  EXPECT_EQ(Parse({"--cache-max", "123456"}).observations_max_bytes, 123456u);
  EXPECT_EQ(Parse({"--cache-max", "0"}).observations_max_bytes, 0u);
  EXPECT_THROW(Parse({"--cache-max", "lots"}), CLI::ValidationError);
}

TEST(CommonOptions, EveryOptionLandsInItsField) {
  const CommonOptions o =
      Parse({"--rubric", "r.yaml", "--out", "o", "--image", "python:3.12", "--engine", "podman",
             "--cache", "/c", "--token-env", "MY_TOKEN", "--ssh-key", "/k/id"});
  EXPECT_EQ(o.rubric_path, "r.yaml");
  EXPECT_EQ(o.out_dir, "o");
  EXPECT_EQ(o.image, "python:3.12");
  EXPECT_EQ(o.engine, "podman");
  EXPECT_EQ(o.cache_dir, "/c");
  EXPECT_EQ(o.token_env, "MY_TOKEN");
  EXPECT_EQ(o.ssh_key, "/k/id");
}

TEST(CommonOptions, OnlyDockerOrPodmanAndNoUnknownOption) {
  EXPECT_THROW(Parse({"--engine", "lxc"}), CLI::ValidationError);
  // One container per submission now: the old --lanes is refused, not
  // silently ignored.
  EXPECT_THROW(Parse({"--lanes", "2"}), CLI::ExtrasError);
}

TEST(DefaultJobs, TwoPerCore) {
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  EXPECT_EQ(DefaultJobs(), 2 * static_cast<int>(cores));
}

const std::string kRubrics = std::string(IPC_CLI_TEST_SOURCE_DIR) + "/rubrics/";

TEST(LoadAndValidateRubric, TheRepositorysRubricsPassWithTheirChecksTypesAndPrograms) {
  for (const char* name : {"ipc-project", "ipc-variant-sigusr2", "ipc-variant-dog"}) {
    SCOPED_TRACE(name);
    const rubric::Rubric r = LoadAndValidateRubric(kRubrics + name + ".yaml");
    EXPECT_EQ(r.MaxScore(), 25);
    EXPECT_EQ(r.FindCheck("sigusr1")->type, "signal");
  }
}

// A copy of the project's rubric with `from` replaced by `to` once, in a
// file of its own; the path is returned.
class EditedRubric : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ipc-cli-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string Edit(const std::string& from, const std::string& to) {
    std::ifstream in(kRubrics + "ipc-project.yaml");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto at = text.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    if (at != std::string::npos) text.replace(at, from.size(), to);
    const std::string path = dir_ + "/ipc-project.yaml";
    std::ofstream(path) << text;
    return path;
  }
  std::string ErrorOf(const std::string& path) {
    try {
      LoadAndValidateRubric(path);
    } catch (const rubric::RubricError& e) {
      return e.what();
    }
    return "<no error>";
  }
  std::string dir_;
};

TEST_F(EditedRubric, ACheckNamingAnUnknownProgramIsRefusedAtItsKey) {
  // The loader alone accepts it; the check types' validation does not.
  const std::string path = Edit("    reference: listener\n    signal: SIGUSR1\n",
                                "    reference: lisener\n    signal: SIGUSR1\n");
  EXPECT_NO_THROW(rubric::LoadRubric(path));
  const std::string e = ErrorOf(path);
  EXPECT_EQ(e.rfind(path + ":", 0), 0u) << e;
  EXPECT_NE(e.find("check 'sigusr1'"), std::string::npos) << e;
  EXPECT_NE(e.find("lisener"), std::string::npos) << e;
}

TEST_F(EditedRubric, ABrokenProgramsSectionIsRefusedWithItsLocation) {
  const std::string path = Edit("{signal: SIGUSR1, prints:", "{signal: SIGUSR9, prints:");
  const std::string e = ErrorOf(path);
  EXPECT_EQ(e.rfind(path + ":", 0), 0u) << e;
  EXPECT_NE(e.find("unknown signal 'SIGUSR9'"), std::string::npos) << e;
}

}  // namespace
}  // namespace ipc::cli
