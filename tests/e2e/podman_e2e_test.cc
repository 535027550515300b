// podman as a second engine (issue 19), on the real podman from Debian
// (rootful, `--runtime runc`: crun fails on this host's cgroup v1 hybrid).
// Four fixtures (the model solution, which runs every check type of the
// rubric, and submissions that fail a signal check, the test-adequacy checks
// and the CI checks) are graded with `--engine podman` by
// `grader rubric test` and held to the same hand-written expected.yaml that
// FixtureClass holds the Docker grading to: zero mismatches means podman's
// verdicts are Docker's. The grading image comes from the Docker engine
// (EnsurePodmanImage: docker save | podman load, unless podman holds that
// image id already).
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "e2e_support.h"
#include "util/strings.h"

namespace ipc::e2e {
namespace {

namespace fs = std::filesystem;

// The roster's student names (first column, after the header).
std::vector<std::string> RosterNames(const fs::path& roster) {
  std::vector<std::string> names;
  std::ifstream in(roster);
  std::string line;
  std::getline(in, line);
  while (std::getline(in, line)) {
    if (const auto comma = line.find(','); comma != std::string::npos && comma > 0) {
      names.push_back(line.substr(0, comma));
    }
  }
  return names;
}

TEST(PodmanE2e, FixturesGetTheVerdictsTheyGetOnDocker) {
  IPC_REQUIRE_ENGINE();  // the image comes from the Docker engine
  if (Sh("podman --runtime runc info >/dev/null") != 0) {
    if (OnCi()) FAIL() << "podman does not answer (scripts/setup.sh installs it), and CI=true";
    GTEST_SKIP() << "podman does not answer (apt-get install podman)";
  }
  ASSERT_EQ(EnsurePodmanImage(), "");
  std::string log;

  const fs::path root = fs::temp_directory_path() / ("ipc-podman-e2e-" + std::to_string(getpid()));
  fs::remove_all(root);
  ASSERT_EQ(Sh(SourceDir() + "/fixtures/make-class.sh " + (root / "repos").string() +
                   " perfect no-usr1 fake-tests ci-tests-commented",
               &log),
            0)
      << log;
  // These fixtures' expected statuses, and only theirs: an expected.yaml
  // without a submission would be a mismatch.
  const auto names = RosterNames(root / "repos/roster.csv");
  ASSERT_EQ(names.size(), 4u);
  for (const auto& name : names) {
    fs::create_directories(root / "expected" / name);
    fs::copy_file(fs::path(SourceDir()) / "fixtures/class" / name / "expected.yaml",
                  root / "expected" / name / "expected.yaml");
  }

  std::string out;
  const int rc = Sh(BinDir() + "/grader rubric test " + SourceDir() +
                        "/rubrics/ipc-project.yaml --engine podman --roster " +
                        (root / "repos/roster.csv").string() + " --expected " +
                        (root / "expected").string() + " --out " + (root / "out").string() +
                        " --cache " + (root / "cache").string() + " -j4",
                    &out);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("rubric test passed: " + std::to_string(names.size()) +
                     " submission(s), 0 with mismatches"),
            std::string::npos)
      << out;
  // Graded by podman for real, not by a Docker the command fell back to.
  for (const auto& name : names) {
    std::ifstream in(root / "out" / name / "result.json");
    ASSERT_TRUE(in.good()) << name;
    const auto r = nlohmann::json::parse(in);
    EXPECT_EQ(r["provenance"].value("engine", ""), "podman") << name;
    EXPECT_GT(r["timing"].value("boxes.run", 0.0), 0) << name << ": nothing was observed";
  }
  std::string left;
  Sh("podman --runtime runc ps -aq --filter label=io.ipc-grader.job=" + TestJobLabel(), &left);
  EXPECT_EQ(Trim(left), "") << "podman containers left behind";
  fs::remove_all(root);
}

}  // namespace
}  // namespace ipc::e2e
