// The fetcher (libgit2) against real git servers on loopback: git daemon,
// smart HTTP with basic auth (lighttpd + git-http-backend), and sshd. No
// container engine is needed; the servers come from Debian packages.
#include <gtest/gtest.h>

#include <unistd.h>

#include <fstream>

#include "e2e/e2e_support.h"
#include "e2e/git_server.h"
#include "fetch/fetcher.h"

namespace ipc::e2e {
namespace {

namespace fs = std::filesystem;
using fetch::FetchErrorKind;
using Kind = GitServer::Kind;

constexpr const char* kTokenEnv = "IPC_GIT_SERVER_TEST_TOKEN";

// libgit2 reads ~/.ssh/known_hosts from the HOME it sees when it is
// initialised (on the first fetch), so HOME points at a folder of ours from
// before main() on: the tests never read or write the real ~/.ssh. Only
// the name is set here (test discovery runs this too); SetUp creates it.
const fs::path& TestHome() {
  static const fs::path home = [] {
    fs::path h = fs::temp_directory_path() / ("ipc-git-server-home-" + std::to_string(getpid()));
    ::setenv("HOME", h.c_str(), 1);
    return h;
  }();
  return home;
}
[[maybe_unused]] const bool kHomeSet = !TestHome().empty();

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

std::string KindName(Kind k) {
  return k == Kind::kDaemon ? "git-daemon" : k == Kind::kHttp ? "http" : "ssh";
}

class GitServerFetch : public ::testing::TestWithParam<Kind> {
 protected:
  static void SetUpTestSuite() {
    root_ = new fs::path(fs::temp_directory_path() / ("ipc-git-server-e2e-" + std::to_string(getpid())));
    fs::remove_all(*root_);
    fs::create_directories(*root_ / "repos" / "alice");
    std::string out;
    // The model solution (tags part1 and final), served as a bare repository.
    setup_ok_ = Sh(SourceDir() + "/reference/make-solution-repo.sh " + (*root_ / "work").string(), &out) == 0 &&
                Sh("git clone -q --bare " + (*root_ / "work").string() + " " + Bare(), &out) == 0;
    setup_log_ = new std::string(out);
  }
  static void TearDownTestSuite() {
    fs::remove_all(*root_);
    fs::remove_all(TestHome());
    delete root_;
    delete setup_log_;
  }

  void SetUp() override {
    ASSERT_TRUE(setup_ok_) << *setup_log_;
    if (std::string missing = GitServer::Missing(GetParam()); !missing.empty()) {
      if (OnCi()) FAIL() << "missing " << missing << ", and CI=true";
      GTEST_SKIP() << "missing " << missing;
    }
    std::string why;
    server_ = GitServer::Start(GetParam(), *root_ / "repos", &why);
    ASSERT_NE(server_, nullptr) << why;
    ::setenv(kTokenEnv, server_->token().c_str(), 1);
    fs::create_directories(TestHome() / ".ssh");
    if (GetParam() == Kind::kSsh) {
      fs::copy_file(server_->known_hosts(), TestHome() / ".ssh" / "known_hosts",
                    fs::copy_options::overwrite_existing);
    }
    static int n = 0;
    cache_dir_ = *root_ / ("cache-" + std::to_string(++n));
  }

  void TearDown() override {
    server_.reset();  // stops it: nothing is left running
    ::unsetenv(kTokenEnv);
  }

  static std::string Bare() { return (*root_ / "repos" / "alice" / "ipc-project.git").string(); }

  fetch::FetchRequest Req(const std::vector<std::string>& refs) const {
    fetch::FetchRequest r;
    r.source = server_->Url("alice/ipc-project.git");
    r.refs = refs;
    r.cache_dir = cache_dir_.string();
    r.credentials.token_env = kTokenEnv;
    if (GetParam() == Kind::kSsh) r.credentials.ssh_key = server_->client_key().string();
    r.timeout_s = 60;
    r.retry_backoff_s = 0;  // the retries themselves are under test, not the waits
    return r;
  }

  bool Fetch(const fetch::FetchRequest& req, fetch::Snapshot* snap, fetch::FetchError* err) {
    return fetcher_->Fetch(req, snap, err);
  }

  // Objects reachable from every branch and tag of the served repository,
  // minus those reachable from `had` (the ref tips a client already has,
  // as printed by RefTips()).
  static long ObjectCount(const std::string& had = "") {
    std::string out;
    Sh("git -C " + Bare() + " rev-list --objects --all" + (had.empty() ? "" : " --not " + had) +
           " | wc -l",
       &out);
    return std::stol(out);
  }
  static std::string RefTips() {
    std::string out;
    Sh("git -C " + Bare() + " for-each-ref --format='%(objectname)' | tr '\\n' ' '", &out);
    return Trim(out);
  }

  static std::string RevParse(const std::string& rev) {
    std::string out;
    Sh("git -C " + Bare() + " rev-parse '" + rev + "'", &out);
    return Trim(out);
  }

  static fs::path* root_;
  static std::string* setup_log_;
  static bool setup_ok_;
  std::unique_ptr<GitServer> server_;
  fs::path cache_dir_;
  std::unique_ptr<fetch::Fetcher> fetcher_ = fetch::MakeGitFetcher();
};

fs::path* GitServerFetch::root_ = nullptr;
std::string* GitServerFetch::setup_log_ = nullptr;
bool GitServerFetch::setup_ok_ = false;

TEST_P(GitServerFetch, ClonesTheGradedTagAndTheServerSendsEveryObjectOnce) {
  fetch::Snapshot snap;
  fetch::FetchError err;
  ASSERT_TRUE(Fetch(Req({"final"}), &snap, &err)) << err.message << "\n" << server_->Log();
  EXPECT_EQ(snap.revision.ref, "final");
  EXPECT_EQ(snap.revision.commit, RevParse("final^{commit}"));
  EXPECT_TRUE(snap.ReadFile("listener.c").has_value());
  EXPECT_EQ(server_->PackCounts(), std::vector<long>{ObjectCount()});
}

TEST_P(GitServerFetch, SecondFetchGetsOnlyWhatChanged) {
  fetch::Snapshot snap;
  fetch::FetchError err;
  ASSERT_TRUE(Fetch(Req({"main"}), &snap, &err)) << err.message;
  const std::string before = snap.revision.commit;
  ASSERT_EQ(server_->PackCounts().size(), 1u) << server_->Log();

  // Nothing changed: the mirror is current, the server packs nothing.
  ASSERT_TRUE(Fetch(Req({"main"}), &snap, &err)) << err.message;
  EXPECT_EQ(server_->PackCounts().size(), 1u) << "an unchanged repository was packed again";

  // The student pushes one more commit.
  const std::string had = RefTips();
  const std::string work = (*root_ / ("push-" + KindName(GetParam()))).string();
  std::string out;
  ASSERT_EQ(Sh("git clone -q " + Bare() + " " + work + " && cd " + work +
                   " && echo '# " + KindName(GetParam()) + "' >> README-late.md && git add . && " +
                   "git -c user.name=t -c user.email=t@t commit -qm late && git push -q origin HEAD",
               &out),
            0)
      << out;
  ASSERT_TRUE(Fetch(Req({"main"}), &snap, &err)) << err.message;
  EXPECT_NE(snap.revision.commit, before);
  EXPECT_EQ(snap.revision.commit, RevParse("HEAD"));
  const std::vector<long> packs = server_->PackCounts();
  ASSERT_EQ(packs.size(), 2u) << server_->Log();
  // Exactly the objects the old commit does not reach: counted by the
  // server's pack-objects, so a full re-clone cannot pass.
  EXPECT_EQ(packs[1], ObjectCount(had));
  EXPECT_LT(packs[1], packs[0]);
}

TEST_P(GitServerFetch, MissingRepositoryIsReportedPlainlyAndNotRetried) {
  fetch::FetchRequest req = Req({"final"});
  req.source = server_->Url("alice/no-such-project.git");
  fetch::Snapshot snap;
  fetch::FetchError err;
  ASSERT_FALSE(Fetch(req, &snap, &err));
  EXPECT_EQ(err.kind, FetchErrorKind::kNotARepository) << err.message;
  EXPECT_NE(err.message.find("no-such-project.git"), std::string::npos) << err.message;
  EXPECT_EQ(err.message.find("attempt"), std::string::npos) << "retried: " << err.message;
  EXPECT_FALSE(fs::exists(fetch::MirrorPath(req.cache_dir, req.source)))
      << "an empty mirror was left in the cache";
}

TEST_P(GitServerFetch, MissingTagIsReportedPlainly) {
  fetch::Snapshot snap;
  fetch::FetchError err;
  ASSERT_FALSE(Fetch(Req({"submission", "final-v2"}), &snap, &err));
  EXPECT_EQ(err.kind, FetchErrorKind::kRefMissing) << err.message;
  EXPECT_NE(err.message.find("submission"), std::string::npos) << err.message;
  EXPECT_NE(err.message.find("final-v2"), std::string::npos) << err.message;
}

TEST_P(GitServerFetch, ConnectionCutMidPackIsRetriedAndTheRetrySucceeds) {
  server_->SetFault("cut-once");
  fetch::Snapshot snap;
  fetch::FetchError err;
  ASSERT_TRUE(Fetch(Req({"final"}), &snap, &err)) << err.message << "\n" << server_->Log();
  EXPECT_EQ(snap.revision.commit, RevParse("final^{commit}"));
  EXPECT_EQ(server_->FaultsFired(), std::vector<std::string>{"cut-once"});
  // Two packs were made: the one cut in half, and the retry's.
  EXPECT_EQ(server_->PackCounts().size(), 2u) << server_->Log();
}

TEST_P(GitServerFetch, ServerKilledMidCloneGivesAnErrorAfterBoundedRetries) {
  server_->SetFault("kill-server");
  fetch::FetchRequest req = Req({"final"});
  fetch::Snapshot snap;
  fetch::FetchError err;
  ASSERT_FALSE(Fetch(req, &snap, &err));
  EXPECT_EQ(err.kind, FetchErrorKind::kUnreachable) << err.message;
  EXPECT_NE(err.message.find("gave up after 3 attempts"), std::string::npos) << err.message;
  EXPECT_NE(err.message.find("127.0.0.1:" + std::to_string(server_->port())), std::string::npos)
      << err.message;
  EXPECT_EQ(server_->FaultsFired(), std::vector<std::string>{"kill-server"});
  EXPECT_FALSE(server_->Alive());
  EXPECT_FALSE(fs::exists(fetch::MirrorPath(req.cache_dir, req.source)));
}

INSTANTIATE_TEST_SUITE_P(Transports, GitServerFetch,
                         ::testing::Values(Kind::kDaemon, Kind::kHttp, Kind::kSsh),
                         [](const ::testing::TestParamInfo<Kind>& i) {
                           return i.param == Kind::kDaemon ? std::string("GitDaemon")
                                  : i.param == Kind::kHttp ? std::string("Http")
                                                           : std::string("Ssh");
                         });

// Transport-specific cases.
class GitServerHttp : public GitServerFetch {};

TEST_P(GitServerHttp, WrongTokenIsAnAuthenticationFailureAndNeverShown) {
  const std::string wrong = "glpat-wrong-" + std::to_string(getpid()) + "-x";
  ::setenv(kTokenEnv, wrong.c_str(), 1);
  fetch::Snapshot snap;
  fetch::FetchError err;
  ASSERT_FALSE(Fetch(Req({"final"}), &snap, &err));
  EXPECT_EQ(err.kind, FetchErrorKind::kAuth) << err.message;
  EXPECT_NE(err.message.find(kTokenEnv), std::string::npos) << err.message;
  EXPECT_EQ(err.message.find(wrong), std::string::npos) << err.message;
  EXPECT_EQ(err.message.find(server_->token()), std::string::npos) << err.message;
  EXPECT_EQ(err.message.find("attempt"), std::string::npos) << "retried: " << err.message;
  EXPECT_TRUE(server_->PackCounts().empty());
  // The server saw the user "oauth2" refused, then nothing more.
  const std::string log = server_->LogWith("\" 401 ", std::chrono::seconds(15));
  EXPECT_NE(log.find("\" 401 "), std::string::npos) << log;
}

TEST_P(GitServerHttp, TokenInTheUrlIsUsedAndRedacted) {
  ::unsetenv(kTokenEnv);
  fetch::FetchRequest req = Req({"final"});
  req.source = "http://oauth2:" + server_->token() + "@127.0.0.1:" +
               std::to_string(server_->port()) + "/alice/ipc-project.git";
  fetch::Snapshot snap;
  fetch::FetchError err;
  ASSERT_TRUE(Fetch(req, &snap, &err)) << err.message;
  EXPECT_EQ(fetch::RedactSource(req.source).find(server_->token()), std::string::npos);
}

TEST_P(GitServerHttp, StalledServerEndsAtTheFetchTimeoutNotAHang) {
  server_->SetFault("stall");
  fetch::FetchRequest req = Req({"final"});
  req.timeout_s = 3;
  fetch::Snapshot snap;
  fetch::FetchError err;
  ASSERT_FALSE(Fetch(req, &snap, &err));
  EXPECT_EQ(err.kind, FetchErrorKind::kUnreachable) << err.message;
  EXPECT_NE(err.message.find("3 s fetch timeout"), std::string::npos) << err.message;
  EXPECT_EQ(server_->FaultsFired(), std::vector<std::string>{"stall"});
}

INSTANTIATE_TEST_SUITE_P(Http, GitServerHttp, ::testing::Values(Kind::kHttp));

class GitServerSsh : public GitServerFetch {};

TEST_P(GitServerSsh, UnknownHostKeyIsRefusedWithTheFix) {
  // A known_hosts entry for this host and port with another key: the
  // fetcher must not talk to an impostor.
  std::string out;
  const fs::path other = *root_ / "other_host_key";
  fs::remove(other);
  fs::remove(other.string() + ".pub");
  ASSERT_EQ(Sh("ssh-keygen -q -t ed25519 -N '' -f " + other.string(), &out), 0) << out;
  std::ifstream pub(other.string() + ".pub");
  std::string type, key;
  pub >> type >> key;
  std::ofstream(TestHome() / ".ssh" / "known_hosts", std::ios::trunc)
      << "[127.0.0.1]:" << server_->port() << " " << type << " " << key << "\n";
  fetch::Snapshot snap;
  fetch::FetchError err;
  ASSERT_FALSE(Fetch(Req({"final"}), &snap, &err));
  EXPECT_NE(err.kind, FetchErrorKind::kUnreachable) << "would be retried: " << err.message;
  EXPECT_NE(err.message.find(TestHome().string() + "/.ssh/known_hosts"), std::string::npos)
      << err.message;
  EXPECT_NE(err.message.find("ssh-keyscan"), std::string::npos) << err.message;
  EXPECT_TRUE(server_->PackCounts().empty());
}

TEST_P(GitServerSsh, KeyTheServerDoesNotKnowIsAnAuthenticationFailure) {
  std::string out;
  const fs::path stranger = *root_ / "stranger_key";
  fs::remove(stranger);
  fs::remove(stranger.string() + ".pub");
  ASSERT_EQ(Sh("ssh-keygen -q -t ed25519 -N '' -f " + stranger.string(), &out), 0) << out;
  fetch::FetchRequest req = Req({"final"});
  req.credentials.ssh_key = stranger.string();
  fetch::Snapshot snap;
  fetch::FetchError err;
  ASSERT_FALSE(Fetch(req, &snap, &err));
  EXPECT_EQ(err.kind, FetchErrorKind::kAuth) << err.message;
  EXPECT_NE(err.message.find(stranger.string()), std::string::npos) << err.message;
}

INSTANTIATE_TEST_SUITE_P(Ssh, GitServerSsh, ::testing::Values(Kind::kSsh));

}  // namespace
}  // namespace ipc::e2e
