// `grader grade` over smart HTTP with a token (lighttpd + git-http-backend
// on loopback, basic auth) on the real engine: the grade equals the grade
// of the same repository from file://, and a wrong token is an
// authentication failure that no output of the grader repeats.
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <nlohmann/json.hpp>

#include "e2e/e2e_support.h"
#include "e2e/git_server.h"
#include "e2e/rubric_subset.h"

namespace ipc::e2e {
namespace {

namespace fs = std::filesystem;

constexpr const char* kTokenEnv = "IPC_GRADE_HTTP_TEST_TOKEN";

// What may differ between two grades of the same commit: where it came
// from and when or how fast it was graded.
// The grade, not the transcript: what a run observed in raw text (a shell's
// xtrace lines of two piped commands interleave either way; process ids)
// may differ between two gradings of the same commit, the verdicts may not.
nlohmann::json Comparable(nlohmann::json r) {
  r.erase("source");
  r.erase("timing");
  if (r.contains("provenance")) r["provenance"].erase("graded_at");
  for (auto& c : r["checks"]) {
    for (const char* raw : {"output", "student", "reference", "message"}) c.erase(raw);
  }
  return r;
}

class GradeOverHttp : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    root_ = new fs::path(fs::temp_directory_path() / ("ipc-grade-http-e2e-" + std::to_string(getpid())));
    fs::remove_all(*root_);
    fs::create_directories(*root_ / "repos" / "alice");
    std::string out;
    setup_ok_ = Sh(SourceDir() + "/reference/make-solution-repo.sh " + Path("work"), &out) == 0 &&
                Sh("git clone -q --bare " + Path("work") + " " + Path("repos/alice/ipc-project.git"),
                   &out) == 0;
    setup_log_ = new std::string(out);
    setup_ok_ = setup_ok_ && WriteRubricSubset(SourceDir() + "/rubrics/hostile-limits.yaml",
                                               QuickChecks(), Path("rubric.yaml"))
                                 .empty();
  }
  static void TearDownTestSuite() {
    fs::remove_all(*root_);
    delete root_;
    delete setup_log_;
  }

  void SetUp() override {
    IPC_REQUIRE_ENGINE();
    ASSERT_TRUE(setup_ok_) << *setup_log_;
    if (std::string missing = GitServer::Missing(GitServer::Kind::kHttp); !missing.empty()) {
      if (OnCi()) FAIL() << "missing " << missing << ", and CI=true";
      GTEST_SKIP() << "missing " << missing;
    }
    std::string why;
    server_ = GitServer::Start(GitServer::Kind::kHttp, *root_ / "repos", &why);
    ASSERT_NE(server_, nullptr) << why;
  }
  void TearDown() override {
    server_.reset();
    EXPECT_EQ(GraderContainers(), "") << "containers left behind";
  }

  static std::string Path(const std::string& rel) { return (*root_ / rel).string(); }

  // The grader with the token in the environment only (never on the
  // command line); stdout and stderr go to separate files. The quick
  // checks of the course's rubric: what is compared is the transport, not
  // the checks.
  int Grade(const std::string& source, const std::string& out, const std::string& token) {
    return Sh(std::string(kTokenEnv) + "='" + token + "' " + BinDir() + "/grader grade '" + source +
              "' --student alice --out " + Path(out) + " --cache " + Path("cache-" + out) +
              " --token-env " + kTokenEnv + " --rubric " + Path("rubric.yaml") + " >" +
              Path(out + ".stdout") + " 2>" +
              Path(out + ".stderr"));
  }

  nlohmann::json Result(const std::string& out) {
    std::ifstream in(*root_ / out / "alice" / "result.json");
    EXPECT_TRUE(in.good()) << "no result.json in " << out << ": " << ReadAll(Path(out + ".stderr"));
    return in ? nlohmann::json::parse(in) : nlohmann::json::object();
  }

  static fs::path* root_;
  static std::string* setup_log_;
  static bool setup_ok_;
  std::unique_ptr<GitServer> server_;
};

fs::path* GradeOverHttp::root_ = nullptr;
std::string* GradeOverHttp::setup_log_ = nullptr;
bool GradeOverHttp::setup_ok_ = false;

TEST_F(GradeOverHttp, GradeWithATokenEqualsTheGradeFromFile) {
  const std::string url = server_->Url("alice/ipc-project.git");
  ASSERT_EQ(Grade(url, "http", server_->token()), 0) << ReadAll(Path("http.stderr")) << server_->Log();
  ASSERT_EQ(Grade("file://" + Path("repos/alice/ipc-project.git"), "file", ""), 0)
      << ReadAll(Path("file.stderr"));
  const nlohmann::json over_http = Result("http");
  const nlohmann::json from_file = Result("file");
  EXPECT_EQ(over_http.value("status", ""), "graded") << over_http.dump(2);
  EXPECT_EQ(over_http["source"], url);
  EXPECT_GT(over_http.value("max_score", 0.0), 0);
  EXPECT_EQ(over_http["score"], over_http["max_score"]);
  EXPECT_EQ(Comparable(over_http), Comparable(from_file))
      << "over HTTP:\n" << Comparable(over_http).dump(2) << "\nfrom file://:\n"
      << Comparable(from_file).dump(2);
  // It really went through the server, authenticated.
  const std::string log = server_->LogWith(" oauth2 [", std::chrono::seconds(15));
  EXPECT_NE(log.find(" oauth2 ["), std::string::npos) << log;
  EXPECT_EQ(server_->PackCounts().size(), 1u);
  for (const char* f : {"http.stdout", "http.stderr"}) {
    EXPECT_EQ(ReadAll(Path(f)).find(server_->token()), std::string::npos) << f;
  }
  EXPECT_EQ(ReadAll(Path("http/alice/result.json")).find(server_->token()), std::string::npos);
}

TEST_F(GradeOverHttp, WrongTokenIsAnAuthenticationErrorInNoOutput) {
  const std::string wrong = "glpat-wrong-" + std::to_string(getpid()) + "-y";
  const int rc = Grade(server_->Url("alice/ipc-project.git"), "wrong", wrong);
  EXPECT_EQ(rc, 1) << ReadAll(Path("wrong.stderr"));
  const nlohmann::json r = Result("wrong");
  EXPECT_EQ(r.value("status", ""), "error") << r.dump(2);
  const std::string error = r.value("error", "");
  EXPECT_NE(error.find("refused the credentials"), std::string::npos) << error;
  EXPECT_NE(error.find(kTokenEnv), std::string::npos) << error;
  // Not in any output: result, feedback, stdout, stderr; nor the real one.
  std::string everything = ReadAll(Path("wrong.stdout")) + ReadAll(Path("wrong.stderr"));
  for (const auto& entry : fs::recursive_directory_iterator(*root_ / "wrong")) {
    if (entry.is_regular_file()) everything += ReadAll(entry.path());
  }
  EXPECT_TRUE(fs::exists(*root_ / "wrong" / "alice" / "feedback.md"));
  EXPECT_EQ(everything.find(wrong), std::string::npos) << everything;
  EXPECT_EQ(everything.find(server_->token()), std::string::npos) << everything;
  EXPECT_TRUE(server_->PackCounts().empty());
}

}  // namespace
}  // namespace ipc::e2e
