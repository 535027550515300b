// What protects the host from a submission's root is said once, first, and
// --require-userns refuses an engine without a user namespace (issue 19).
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>

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

// The proof of what a user-namespaced engine buys: a file that root
// in a container creates is owned, on the host, by an unprivileged uid. The
// container's writable layer is a folder on the host (overlay2's upper dir);
// the file's owner there is what an escape would run as. On an engine
// without a user namespace the same file is owned by host root, which the
// test asserts too, so it checks the engine's own claim either way.
TEST(UsernsE2e, AFileContainerRootCreatesIsOwnedOnTheHostByWhatTheEngineMapsRootTo) {
  IPC_REQUIRE_ENGINE();
  std::string info;
  ASSERT_EQ(Sh("docker info --format '{{json .SecurityOptions}} {{.Driver}}'", &info), 0) << info;
  const bool mapped = info.find("name=userns") != std::string::npos ||
                      info.find("name=rootless") != std::string::npos;
  const char* env_image = std::getenv("IPC_TEST_IMAGE");
  const std::string image = env_image && *env_image ? env_image : "ipc-grader/python:bookworm";
  const std::string name = "ipc-userns-e2e-" + std::to_string(getpid());
  Sh("docker rm -f " + name + " >/dev/null 2>&1");
  std::string out;
  // Not --rm: the layer must outlive the run to be looked at.
  ASSERT_EQ(Sh("docker run --name " + name + " --label " + std::string("io.ipc-grader.job=") +
                   TestJobLabel() + " --network none --pull never " + image +
                   " sh -c 'id -u > /made-by-container-root'",
               &out),
            0)
      << out;
  std::string upper;
  const int inspected =
      Sh("docker inspect -f '{{.GraphDriver.Data.UpperDir}}' " + name, &upper);
  while (!upper.empty() && (upper.back() == '\n' || upper.back() == ' ')) upper.pop_back();
  const fs::path file = fs::path(upper) / "made-by-container-root";
  struct stat st {};
  const int stat_rc = ::stat(file.c_str(), &st);
  const std::string stat_error = stat_rc == 0 ? "" : std::strerror(errno);
  std::string inside;
  std::getline(std::ifstream(file), inside);
  Sh("docker rm -f " + name + " >/dev/null 2>&1");
  ASSERT_EQ(inspected, 0) << upper;
  ASSERT_EQ(stat_rc, 0) << file << ": " << stat_error
                        << " (the test reads the engine's storage on this host: run it as root, "
                           "on a local engine with the overlay2 driver; engine: " << info << ")";
  EXPECT_EQ(inside, "0") << "the file was written by root inside the container";
  if (mapped) {
    EXPECT_NE(st.st_uid, 0u) << file << " is owned by host root on an engine that says " << info;
    EXPECT_NE(st.st_gid, 0u) << file;
  } else {
    EXPECT_EQ(st.st_uid, 0u) << file << ": engine " << info;
  }
  std::printf("[ userns   ] container root's file is host uid %u:%u (%s)\n", st.st_uid, st.st_gid,
              mapped ? "user namespace" : "no user namespace");
}

}  // namespace
}  // namespace ipc::e2e
