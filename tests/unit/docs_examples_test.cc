// The scheduler examples of docs/BATCH.md that no test can run here
// (docs/examples/): the GitLab CI files read by the grader's own
// .gitlab-ci.yml parser, the Kubernetes file by yaml-cpp, and every
// `grader` command line in them parsed by the grader's own command-line
// parser, with the scheduler's variables filled in as the scheduler would.
// A renamed or removed flag, a job that lost its shard or its merge, or a
// file GitLab would reject fails here. (The Slurm example runs for real:
// tests/e2e/slurm_e2e_test.cc.)
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "checks/gitlab_ci_parse.h"
#include "cli/commands.h"

namespace ipc::testing {
namespace {

namespace fs = std::filesystem;

fs::path Examples() { return fs::path(IPC_DOCS_TEST_SOURCE_DIR) / "docs" / "examples"; }

std::string ReadAll(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string Replace(std::string text, const std::string& from, const std::string& to) {
  for (std::size_t at = text.find(from); at != std::string::npos;
       at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

// The words of a shell command line with no expansions left: split on
// blanks, quotes removed ('...' and "..."), a trailing `;` dropped.
std::vector<std::string> Words(const std::string& line) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  char quote = 0;
  for (char c : line) {
    if (quote != 0) {
      if (c == quote) {
        quote = 0;
      } else {
        word += c;
      }
    } else if (c == '\'' || c == '"') {
      quote = c;
      in_word = true;
    } else if (c == ' ' || c == '\n' || c == '\t') {
      if (in_word) words.push_back(word);
      word.clear();
      in_word = false;
    } else {
      word += c;
      in_word = true;
    }
  }
  if (in_word) words.push_back(word);
  return words;
}

// The words from `grader` (the program, however it is spelled) to the end.
std::vector<std::string> GraderCommand(const std::string& line, const std::string& program) {
  std::vector<std::string> words = Words(line);
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (words[i] == program) return {words.begin() + static_cast<long>(i), words.end()};
  }
  ADD_FAILURE() << "no `" << program << "` in: " << line;
  return {};
}

// Parses `argv` (argv[0] is the program) with the grader's commands; ""
// when it parses and chose a command, else CLI11's message.
std::string ParseGrader(std::vector<std::string> argv) {
  CLI::App app("grader");
  app.require_subcommand(1);
  std::function<int()> run;
  cli::RegisterCommands(&app, &run);
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(a.data());
  try {
    app.parse(static_cast<int>(args.size()), args.data());
  } catch (const CLI::ParseError& e) {
    return std::string(e.get_name()) + ": " + e.what();
  }
  return run ? "" : "no command was chosen";
}

std::string Join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& w : v) s += (s.empty() ? "" : " ") + w;
  return s;
}

checks::CiFile ParseCi(const std::string& name) {
  std::string err;
  auto ci = checks::ParseGitlabCi(ReadAll(Examples() / name), name, &err);
  EXPECT_TRUE(ci.has_value()) << err;
  return ci.value_or(checks::CiFile{});
}

const checks::CiJob* Job(const checks::CiFile& ci, const std::string& name) {
  std::string err;
  const checks::CiJob* job = checks::SelectJob(ci, name, &err);
  EXPECT_NE(job, nullptr) << err;
  return job;
}

// Folders `merge` requires to exist (CLI::ExistingDirectory).
class DocsExamples : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("ipc-docs-examples-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::vector<std::string> MakeShards(const std::string& prefix, int n) {
    std::vector<std::string> dirs;
    for (int k = 1; k <= n; ++k) {
      dirs.push_back((dir_ / (prefix + std::to_string(k))).string());
      fs::create_directories(dirs.back());
    }
    return dirs;
  }
  fs::path dir_;
};

TEST_F(DocsExamples, GitlabParallelGradesEachShardAndMergesThemAll) {
  const checks::CiFile ci = ParseCi("gitlab-ci-parallel.yml");
  ASSERT_EQ(ci.jobs.size(), 2u);
  const checks::CiJob* grade = Job(ci, "grade");
  const checks::CiJob* merge = Job(ci, "merge");
  ASSERT_TRUE(grade && merge);
  EXPECT_EQ(grade->variables.at("GRADER"), "build/bin/grader");

  // Copy 2 of `parallel: 4`, as GitLab starts it.
  std::vector<std::string> batch;
  for (const auto& line : grade->script) {
    if (line.find(" batch") == std::string::npos) continue;
    batch = GraderCommand(
        Replace(Replace(Replace(line, "\"$GRADER\"", "grader"), "${CI_NODE_INDEX}", "2"),
                "${CI_NODE_TOTAL}", "4"),
        "grader");
  }
  ASSERT_FALSE(batch.empty()) << "no grader batch line in the grade job";
  EXPECT_EQ(ParseGrader(batch), "") << Join(batch);
  const std::string cmd = Join(batch);
  EXPECT_NE(cmd.find("--shard 2/4"), std::string::npos) << cmd;
  EXPECT_NE(cmd.find("--out results/shard-2"), std::string::npos) << cmd;

  // The merge job: results/shard-* as the shell expands it after the four
  // copies' artifacts arrived.
  std::string line;
  for (const auto& l : merge->script) {
    if (l.find(" merge ") != std::string::npos) line = l;
  }
  ASSERT_NE(line, "") << "no grader merge line in the merge job";
  const std::vector<std::string> shards = MakeShards("shard-", 4);
  std::string expanded;
  for (const auto& s : shards) expanded += (expanded.empty() ? "" : " ") + s;
  std::vector<std::string> merge_cmd = GraderCommand(
      Replace(Replace(line, "\"$GRADER\"", "grader"), "results/shard-*", expanded), "grader");
  EXPECT_EQ(ParseGrader(merge_cmd), "") << Join(merge_cmd);
  EXPECT_NE(Join(merge_cmd).find("--out results/class"), std::string::npos);
}

TEST_F(DocsExamples, GitlabRubricTestChecksThenTestsTheRubric) {
  const checks::CiFile ci = ParseCi("gitlab-ci-rubric-test.yml");
  const checks::CiJob* job = Job(ci, "rubric-test");
  ASSERT_TRUE(job);
  EXPECT_EQ(job->image, "${IPC_GRADER_IMAGE}");
  ASSERT_EQ(job->script.size(), 2u);
  const auto check = GraderCommand(job->script[0], "grader");
  const auto test = GraderCommand(job->script[1], "grader");
  EXPECT_EQ(Join(check), "grader rubric check rubric.yaml");
  EXPECT_EQ(ParseGrader(check), "") << Join(check);
  EXPECT_EQ(ParseGrader(test), "") << Join(test);
  EXPECT_NE(Join(test).find("grader rubric test rubric.yaml --roster"), std::string::npos);
}

TEST_F(DocsExamples, KubernetesIndexedJobAndMergeRunGraderCommandsThatParse) {
  const std::vector<YAML::Node> docs =
      YAML::LoadAllFromFile((Examples() / "k8s-indexed-job.yaml").string());
  ASSERT_EQ(docs.size(), 2u);
  const YAML::Node& grade = docs[0];
  EXPECT_EQ(grade["kind"].as<std::string>(), "Job");
  EXPECT_EQ(grade["spec"]["completionMode"].as<std::string>(), "Indexed");
  const int n = grade["spec"]["completions"].as<int>();
  const YAML::Node container = grade["spec"]["template"]["spec"]["containers"][0];
  // Pod 1 of N (JOB_COMPLETION_INDEX = 1): shard 2/N.
  std::string args = container["args"][0].as<std::string>();
  args = Replace(args, "$((JOB_COMPLETION_INDEX + 1))", "2");
  args = Replace(args, "${JOB_COMPLETION_INDEX}", "1");
  const auto batch = GraderCommand(args, "grader");
  EXPECT_EQ(ParseGrader(batch), "") << Join(batch);
  EXPECT_NE(Join(batch).find("--shard 2/" + std::to_string(n)), std::string::npos) << Join(batch);
  EXPECT_NE(Join(batch).find("--out /results/shard-2"), std::string::npos) << Join(batch);
  // The token comes from a Secret into the variable the grader reads.
  bool token_from_secret = false;
  for (const auto& env : container["env"]) {
    if (env["name"].as<std::string>() == "IPC_GRADER_TOKEN") {
      token_from_secret = static_cast<bool>(env["valueFrom"]["secretKeyRef"]);
    }
  }
  EXPECT_TRUE(token_from_secret);

  const YAML::Node& merge = docs[1];
  EXPECT_EQ(merge["spec"]["suspend"].as<bool>(), true);
  const std::vector<std::string> shards = MakeShards("shard-", n);
  std::string expanded;
  for (const auto& s : shards) expanded += (expanded.empty() ? "" : " ") + s;
  const std::string line =
      Replace(merge["spec"]["template"]["spec"]["containers"][0]["args"][0].as<std::string>(),
              "/results/shard-*", expanded);
  const auto merge_cmd = GraderCommand(line, "grader");
  EXPECT_EQ(ParseGrader(merge_cmd), "") << Join(merge_cmd);
}

// The parser above is what the examples are held to: it must refuse what
// the grader refuses.
TEST_F(DocsExamples, TheCommandLineParserRefusesAFlagTheGraderLacks) {
  EXPECT_NE(ParseGrader({"grader", "batch", "--roster", "r.csv", "--shards", "1/2"}), "");
  EXPECT_NE(ParseGrader({"grader", "merge", (dir_ / "missing").string(), "--out", "x"}), "");
  EXPECT_EQ(ParseGrader({"grader", "batch", "--roster", "r.csv", "--shard", "1/2"}), "");
}

}  // namespace
}  // namespace ipc::testing
