// What protects the host from a submission's root is said once, first, and
// --require-userns refuses an engine without a user namespace (issue 19).
#include <unistd.h>

#include <filesystem>

#include "e2e_support.h"

namespace ipc::e2e {
namespace {

namespace fs = std::filesystem;

TEST(UsernsE2e, TheFirstLineSaysWhatContainerRootIsAndRequireUsernsRefusesHostRoot) {
  IPC_REQUIRE_ENGINE();
  std::string info;
  Sh("docker info --format '{{json .SecurityOptions}}'", &info);
  const bool mapped = info.find("name=userns") != std::string::npos ||
                      info.find("name=rootless") != std::string::npos;
  const fs::path dir = fs::temp_directory_path() / ("ipc-userns-e2e-" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  // A rubric check would pass: the refusal must come before any grading.
  std::string out;
  const int rc = Sh(BinDir() + "/grader grade " + (dir / "nothing").string() + " --student s" +
                        " --out " + (dir / "out").string() + " --cache " + (dir / "cache").string() +
                        " --require-userns",
                    &out);
  const std::string first = out.substr(0, out.find('\n'));
  if (mapped) {
    EXPECT_NE(first.find("unprivileged host user"), std::string::npos) << out;
    EXPECT_NE(rc, 2) << out;
  } else {
    EXPECT_NE(first.find("container root is host root"), std::string::npos) << out;
    EXPECT_EQ(rc, 2) << out;
    EXPECT_NE(out.find("--require-userns"), std::string::npos) << out;
    EXPECT_NE(out.find("Fix: start dockerd with --userns-remap=default"), std::string::npos) << out;
    EXPECT_FALSE(fs::exists(dir / "out")) << "nothing is graded or written";
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace ipc::e2e
