// docker-compose.yml end to end: the grader image is built from this build's
// binaries (docker/stage.sh + docker/Dockerfile), the composition grades the
// model solution from a local path inside the mounted data folder through
// the host's engine, and nothing of the composition is left afterwards.
//
// The composition runs from a scratch copy of the project files (compose
// resolves relative volume paths against the compose file's folder), under
// its own project name and image tag, so it never touches a composition or
// image of the person running the tests.
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "e2e_support.h"

namespace ipc::e2e {
namespace {

namespace fs = std::filesystem;

// Owner the results must get when the tests run as root: not root, and not
// a user that exists, so nothing but the entrypoint's choice can produce it.
constexpr uid_t kDataOwner = 4242;

// `docker-compose` (v1, Debian) if present, else `docker compose` (v2);
// IPC_COMPOSE overrides. "" when neither answers.
std::string ComposeCommand() {
  if (const char* c = std::getenv("IPC_COMPOSE"); c != nullptr && *c) return c;
  if (Sh("docker-compose version >/dev/null") == 0) return "docker-compose";
  if (Sh("docker compose version >/dev/null") == 0) return "docker compose";
  return "";
}

class ComposeE2E : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const std::string id = std::to_string(getpid());
    root_ = new fs::path(fs::temp_directory_path() / ("ipc-compose-e2e-" + id));
    project_ = new std::string("ipcgradere2e" + id);
    image_ = new std::string("ipc-grader/grader:e2e-" + id);
    fs::remove_all(*root_);
    fs::create_directories(*root_ / "docker");
    const fs::path src = SourceDir();
    for (const char* f : {"docker-compose.yml", ".dockerignore"}) {
      fs::copy_file(src / f, *root_ / f);
    }
    for (const char* f : {"Dockerfile", "entrypoint.sh", "stage.sh"}) {
      fs::copy_file(src / "docker" / f, *root_ / "docker" / f);
    }
    fs::copy(src / "rubrics", *root_ / "rubrics", fs::copy_options::recursive);
    fs::create_directories(*root_ / "data");
    fs::create_directories(*root_ / "results");
    std::string out;
    setup_ok_ =
        Sh("bash " + Path("docker/stage.sh") + " " + fs::path(BinDir()).parent_path().string(),
           &out) == 0;
    setup_log_ = new std::string(out);
    setup_ok_ = setup_ok_ &&
                Sh(src.string() + "/reference/make-solution-repo.sh " + Path("data/solution"),
                   &out) == 0;
    *setup_log_ += out;
    std::ofstream(*root_ / "data" / "roster.csv") << "student,repo\nsolution,/data/solution\n";
    // Read before the chown below: git refuses a repository of another owner.
    std::string sha;
    Sh("git -C " + Path("data/solution") + " rev-parse 'final^{commit}'", &sha);
    final_commit_ = new std::string(Trim(sha));
    if (geteuid() == 0) {
      setup_ok_ = setup_ok_ && Sh("chown -R " + std::to_string(kDataOwner) + ":" +
                                      std::to_string(kDataOwner) + " " + Path("data") + " " +
                                      Path("results"),
                                  &out) == 0;
    }
  }

  static void TearDownTestSuite() {
    // Every path, also after a failed assertion: the composition goes down
    // (containers, one-off `run` containers, volumes) and our image goes.
    const std::string compose = ComposeCommand();
    if (!compose.empty() && fs::exists(*root_)) Sh(Compose(compose, "down -v --remove-orphans"));
    Sh("docker rmi -f " + *image_ + " >/dev/null");
    // Results were written by another uid; root removes them fine.
    fs::remove_all(*root_);
    delete root_;
    delete project_;
    delete image_;
    delete setup_log_;
    delete final_commit_;
  }

  void SetUp() override {
    IPC_REQUIRE_ENGINE();
    compose_ = ComposeCommand();
    if (compose_.empty()) {
      if (OnCi()) FAIL() << "neither docker-compose nor `docker compose` answers, and CI=true";
      GTEST_SKIP() << "no docker-compose (apt-get install docker-compose)";
    }
    ASSERT_TRUE(setup_ok_) << *setup_log_;
  }

  void TearDown() override { EXPECT_EQ(GraderContainers(), "") << "grading containers left behind"; }

  static std::string Path(const std::string& rel) { return (*root_ / rel).string(); }

  // The command line a member of staff types, run in the project folder.
  // IPC_UID/IPC_GID are removed from the environment so the entrypoint's
  // own choice of owner is what the test sees.
  static std::string Compose(const std::string& compose, const std::string& args) {
    return "cd " + root_->string() + " && env -u IPC_UID -u IPC_GID IPC_GRADER_IMAGE=" + *image_ +
           " " + compose + " -p " + *project_ + " " + args;
  }

  // Ids of the composition's containers, networks or volumes, by the label
  // compose puts on everything it creates.
  static std::string Leftovers(const std::string& what) {
    std::string out;
    const std::string filter = " --filter label=com.docker.compose.project=" + *project_;
    if (what == "container") Sh("docker ps -aq" + filter, &out);
    if (what == "network") Sh("docker network ls -q" + filter, &out);
    if (what == "volume") Sh("docker volume ls -q" + filter, &out);
    return Trim(out);
  }

  static nlohmann::json ReadJson(const std::string& rel) {
    std::ifstream in(*root_ / rel);
    EXPECT_TRUE(in.good()) << "missing " << rel;
    return in ? nlohmann::json::parse(in) : nlohmann::json::object();
  }

  static uid_t OwnerOf(const std::string& rel) {
    struct stat st {};
    EXPECT_EQ(::stat(Path(rel).c_str(), &st), 0) << rel;
    return st.st_uid;
  }

  static uid_t ExpectedOwner() { return geteuid() == 0 ? kDataOwner : geteuid(); }

  std::string compose_;
  static fs::path* root_;
  static std::string* project_;
  static std::string* image_;
  static std::string* setup_log_;
  static std::string* final_commit_;
  static bool setup_ok_;
};

fs::path* ComposeE2E::root_ = nullptr;
std::string* ComposeE2E::project_ = nullptr;
std::string* ComposeE2E::image_ = nullptr;
std::string* ComposeE2E::setup_log_ = nullptr;
std::string* ComposeE2E::final_commit_ = nullptr;
bool ComposeE2E::setup_ok_ = false;

TEST_F(ComposeE2E, GradesTheModelSolutionAndLeavesNothingBehind) {
  std::string out;
  ASSERT_EQ(Sh(Compose(compose_, "build"), &out), 0) << out;

  // One student, as a TA reruns it: a local path inside the data folder.
  ASSERT_EQ(Sh(Compose(compose_, "run --rm -T grader grade /data/solution"), &out), 0) << out;
  const auto r = ReadJson("results/solution/result.json");
  EXPECT_EQ(r.value("status", ""), "graded") << r.dump(2);
  ASSERT_TRUE(r.contains("max_score")) << r.dump(2);
  EXPECT_GT(r["max_score"].get<double>(), 0);
  EXPECT_EQ(r["score"], r["max_score"]) << out;
  EXPECT_EQ(r.value("ref", ""), "final");
  EXPECT_EQ(r.value("commit", ""), *final_commit_);
  EXPECT_EQ(OwnerOf("results/solution/result.json"), ExpectedOwner());
  EXPECT_EQ(OwnerOf("results/solution/feedback.md"), ExpectedOwner());

  // The whole class from the roster, into a folder of its own.
  ASSERT_EQ(Sh(Compose(compose_,
                       "run --rm -T grader batch --roster /data/roster.csv --out /out/class"),
               &out),
            0)
      << out;
  const auto b = ReadJson("results/class/solution/result.json");
  EXPECT_EQ(b.value("status", ""), "graded") << b.dump(2);
  EXPECT_EQ(b["score"], b["max_score"]);
  EXPECT_EQ(b.value("commit", ""), r.value("commit", ""));
  EXPECT_TRUE(fs::exists(*root_ / "results" / "class" / "grades.csv")) << out;
  EXPECT_EQ(OwnerOf("results/class/grades.csv"), ExpectedOwner());

  // While the composition exists, the cache volume is there (so the label
  // filter below is the right one); after `down -v` nothing is.
  EXPECT_NE(Leftovers("volume"), "") << "the git cache volume was not created";
  ASSERT_EQ(Sh(Compose(compose_, "down -v --remove-orphans"), &out), 0) << out;
  EXPECT_EQ(Leftovers("container"), "");
  EXPECT_EQ(Leftovers("network"), "");
  EXPECT_EQ(Leftovers("volume"), "");
}

}  // namespace
}  // namespace ipc::e2e
