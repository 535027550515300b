// The model solution and its git history (reference/make-solution-repo.sh),
// checked with real git; and, where a Docker engine and the grading image
// are available, the solution's own CI job run inside that image.
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "unit/reference_process.h"

namespace ipc::reftest {
namespace {

const std::vector<std::string> kSolutionFiles = {
    ".gitignore", ".gitlab-ci.yml", "Makefile", "cat.py", "listener.c", "secret.txt",
    "litterbox/treasure.txt", "test_cat.sh", "test_cat_exploit.sh", "test_full_dd.sh",
    "test_listener.sh"};

// A bare environment: no HOME, no git identity, nothing from the caller.
const std::vector<std::string> kBareEnv = {"PATH=/usr/local/bin:/usr/bin:/bin"};

std::string Source() { return SourceDir() + "/reference"; }

std::string MakeRepo(const std::string& out_dir) {
  const Outcome o = RunToEnd({.argv = {"/bin/bash", Source() + "/make-solution-repo.sh", out_dir}, .env = kBareEnv});
  EXPECT_EQ(o.Describe(), "exit 0") << o.err;
  return o.err;
}

std::string Git(const std::string& repo, std::vector<std::string> args) {
  args.insert(args.begin(), {"/usr/bin/git", "-C", repo});
  const Outcome o = RunToEnd({.argv = args, .env = kBareEnv});
  EXPECT_EQ(o.Describe(), "exit 0") << o.err;
  return o.out;
}

TEST(SolutionTest, SeedProgramsAreTheSolutionsPrograms) {
  for (const char* f : {"cat.py", "listener.c"}) {
    EXPECT_EQ(ReadFile(Source() + "/seed/" + f), ReadFile(Source() + "/solution/" + f)) << f;
  }
}

TEST(SolutionTest, RepoIsDeterministicIdempotentAndTagged) {
  TempDir a, b;
  MakeRepo(a.path());
  MakeRepo(b.path());
  const std::string refs_a = Git(a.path(), {"rev-parse", "HEAD", "part1", "final", "part1^{commit}"});
  EXPECT_EQ(refs_a, Git(b.path(), {"rev-parse", "HEAD", "part1", "final", "part1^{commit}"}));

  // Re-creating over an existing repository with stray files starts over.
  WriteFile(a / "stray.txt", "left over");
  MakeRepo(a.path());
  EXPECT_EQ(Git(a.path(), {"rev-parse", "HEAD", "part1", "final", "part1^{commit}"}), refs_a);
  EXPECT_NE(access((a / "stray.txt").c_str(), F_OK), 0);
  EXPECT_EQ(Git(a.path(), {"status", "--porcelain"}), "");

  EXPECT_EQ(Git(a.path(), {"cat-file", "-t", "part1"}), "tag\n");  // annotated
  EXPECT_EQ(Git(a.path(), {"cat-file", "-t", "final"}), "tag\n");
  EXPECT_EQ(Git(a.path(), {"rev-parse", "final^{commit}"}), Git(a.path(), {"rev-parse", "HEAD"}));
  EXPECT_EQ(Git(a.path(), {"rev-list", "--count", "HEAD"}), "4\n");
  EXPECT_EQ(Git(a.path(), {"rev-list", "--count", "part1"}), "2\n");
}

TEST(SolutionTest, RefusesToReplaceItsOwnSources) {
  // A path inside the source tree (harmless if the guard failed: it does not
  // exist yet); ancestors and "/" take the same branch of the guard.
  const std::string inside = Source() + "/solution/not-a-repo";
  const Outcome o = RunToEnd({.argv = {"/bin/bash", Source() + "/make-solution-repo.sh", inside}, .env = kBareEnv});
  EXPECT_EQ(o.Describe(), "exit 2");
  EXPECT_NE(o.err.find("refusing to replace"), std::string::npos) << o.err;
  EXPECT_NE(access(inside.c_str(), F_OK), 0);
  rmdir(inside.c_str());
}

TEST(SolutionTest, HistoryFollowsTheAssignmentsParts) {
  TempDir repo;
  MakeRepo(repo.path());
  const auto show = [&](const std::string& rev, const std::string& file) {
    return Git(repo.path(), {"show", rev + ":" + file});
  };
  const std::string root = Git(repo.path(), {"rev-list", "--max-parents=0", "HEAD"});
  const std::string first = root.substr(0, root.find('\n'));

  // Part 0: hello world, every CI test commented, empty files waiting.
  EXPECT_NE(show(first, "listener.c").find("printf(\"Hello, world!\\n\");"), std::string::npos);
  EXPECT_EQ(show(first, ".gitlab-ci.yml").find("\n    - ./test_"), std::string::npos);
  EXPECT_EQ(show(first, "cat.py"), "");
  EXPECT_EQ(show(first, "secret.txt"), ReadFile(Source() + "/solution/secret.txt"));

  // Part 1: only the listener test runs on CI; the listener is final.
  const std::string ci1 = show("part1", ".gitlab-ci.yml");
  EXPECT_NE(ci1.find("\n    - ./test_listener.sh\n"), std::string::npos) << ci1;
  for (const char* t : {"test_cat", "test_cat_exploit", "test_full_dd"}) {
    EXPECT_NE(ci1.find(std::string("\n    # - ./") + t + ".sh\n"), std::string::npos) << t;
  }
  EXPECT_EQ(show("part1", "listener.c"), ReadFile(Source() + "/solution/listener.c"));
  EXPECT_EQ(show("part1", "cat.py"), "");

  // Final: the tree is exactly reference/solution/, all four tests on CI.
  for (const std::string& f : kSolutionFiles) {
    EXPECT_EQ(show("final", f), ReadFile(Source() + "/solution/" + f)) << f;
  }
  const std::string tree = Git(repo.path(), {"ls-tree", "-r", "--name-only", "final"});
  EXPECT_EQ(std::count(tree.begin(), tree.end(), '\n'), static_cast<long>(kSolutionFiles.size())) << tree;
  const std::string ci = show("final", ".gitlab-ci.yml");
  EXPECT_EQ(ci.find("# - ./"), std::string::npos);
  EXPECT_NE(ci.find("name: python:latest"), std::string::npos);
}

TEST(SolutionTest, SolutionFilesAsTheTextGivesThem) {
  // The text's `ls -l` shows secret.txt at 22 bytes and treasure.txt at 15:
  // exactly the sentences, no trailing newline.
  EXPECT_EQ(ReadFile(Source() + "/solution/secret.txt"), "Hey! This is a secret!");
  EXPECT_EQ(ReadFile(Source() + "/solution/litterbox/treasure.txt"), "Treasure found!");
  EXPECT_EQ(ReadFile(Source() + "/solution/Makefile"), "compile:\n\tgcc -o listener listener.c\n");
  EXPECT_EQ(ReadFile(Source() + "/solution/.gitignore"), "listener\noutput.log\n.bash_history\n*.pyc\n");
}

// The solution passes its own CI job in the grading image: make, chmod and
// the four scripts, including the DD test (adduser + su - garfield).
TEST(SolutionTest, CiJobPassesInTheGradingImage) {
  const char* image_env = std::getenv("IPC_TEST_IMAGE");
  const std::string image = image_env && *image_env ? image_env : "ipc-grader/python:bookworm";
  // The docker CLI wherever PATH has it, with the caller's engine settings.
  const char* path_env = std::getenv("PATH");
  std::vector<std::string> env = {std::string("PATH=") +
                                  (path_env ? path_env : "/usr/local/bin:/usr/bin:/bin")};
  for (const char* var : {"DOCKER_HOST", "DOCKER_CONFIG", "HOME"}) {
    if (const char* v = std::getenv(var)) env.push_back(std::string(var) + "=" + v);
  }
  std::string docker;
  for (std::string dirs = path_env ? path_env : "/usr/local/bin:/usr/bin:/bin"; docker.empty();) {
    const auto colon = dirs.find(':');
    const std::string dir = dirs.substr(0, colon);
    if (!dir.empty() && access((dir + "/docker").c_str(), X_OK) == 0) docker = dir + "/docker";
    if (colon == std::string::npos) break;
    dirs.erase(0, colon + 1);
  }
  const char* ci = std::getenv("CI");
  const bool on_ci = ci && std::string(ci) == "true";
  if (docker.empty()) {
    if (on_ci) FAIL() << "no docker CLI on PATH, and CI=true";
    GTEST_SKIP() << "no docker CLI on PATH (run scripts/setup.sh)";
  }
  if (RunToEnd({.argv = {docker, "image", "inspect", image}, .env = env}).Describe() != "exit 0") {
    if (on_ci) FAIL() << "no engine answers or no image " << image << ", and CI=true";
    GTEST_SKIP() << "no engine answers or no image " << image << " (set IPC_TEST_IMAGE)";
  }
  TempDir repo;
  MakeRepo(repo.path());
  const std::string name = "ipc-reftest-solution-" + std::to_string(getpid());
  // The repository is streamed in with tar (no bind mount), like the grader.
  // /root is 0700 in Debian-based images; the text's `docker run --mount
  // source=$(pwd),target=/root` replaces it with the host directory (0755
  // typically), and GitLab CI works in /builds/... anyway. Without the chmod
  // garfield cannot reach /root/cat.py: `python: can't open file ...
  // [Errno 13]`, exit 2, and the DD test fails for every submission.
  const Outcome o = RunToEnd({.argv = {"/bin/bash", "-c",
                                  "set -o pipefail; git -C \"$1\" archive final | "
                                  "\"$4\" run --rm -i --name \"$2\" --network none "
                                  "--label ipc-reftest=1 -w /root \"$3\" bash -c "
                                  "'chmod 755 /root && tar -x && make && chmod +x test_* && ./test_cat.sh && "
                                  "./test_cat_exploit.sh && ./test_listener.sh && ./test_full_dd.sh'",
                                  "bash", repo.path(), name, image, docker},
                         .env = env});
  RunToEnd({.argv = {docker, "rm", "-f", name}, .env = env});  // if the run was cut short
  EXPECT_EQ(o.Describe(), "exit 0") << o.out << o.err;
  // set -x traces `[[ MEOW [Errno 2] ... =~ MEOW* ]]` on stderr.
  EXPECT_NE(o.err.find("MEOW [Errno 2] No such file or directory: './litterbox/../secret.txt'"), std::string::npos)
      << "the DD test should pass for the reason the text shows:\n" << o.out << o.err;
}

}  // namespace
}  // namespace ipc::reftest
