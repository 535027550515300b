// Network failures and their kinds, credentials, and that secrets never
// reach a message. No git server is involved (see fetch_net_stubs.h).
#include <cstdlib>
#include <filesystem>

#include "unit/fetch_net_stubs.h"
#include "unit/fetch_test_util.h"

namespace ipc::fetch::testing {
namespace {

constexpr const char* kEnvToken = "EnvSecret-7f3a2b";
constexpr const char* kUrlToken = "UrlSecret-91c2d4";

std::string Base64(const std::string& in) {
  static const char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const unsigned v = (static_cast<unsigned char>(in[i]) << 16) |
                       (static_cast<unsigned char>(in[i + 1]) << 8) |
                       static_cast<unsigned char>(in[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out += kAlphabet[(v >> s) & 63];
  }
  if (i < in.size()) {
    unsigned v = static_cast<unsigned char>(in[i]) << 16;
    if (i + 1 < in.size()) v |= static_cast<unsigned char>(in[i + 1]) << 8;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += i + 1 < in.size() ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

int OpenFds() {
  int n = 0;
  for (const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) {
    (void)e;
    ++n;
  }
  return n;
}

class NetTest : public FetchTest {
 protected:
  void SetUp() override {
    ::setenv(kTokenEnv, kEnvToken, 1);
    fds_before_ = OpenFds();
  }
  void TearDown() override {
    ::unsetenv(kTokenEnv);
    // Every socket our stream opened was closed again, on every error path.
    EXPECT_EQ(OpenFds(), fds_before_);
  }

  static void ExpectNoSecret(const FetchError& e) {
    for (const std::string& s : {std::string(kEnvToken), std::string(kUrlToken),
                                 Base64(std::string("oauth2:") + kEnvToken)}) {
      EXPECT_EQ(e.message.find(s), std::string::npos) << e.message;
    }
  }

  int fds_before_ = 0;
};

TEST_F(NetTest, ClosedPortIsUnreachableAndLeaksNoToken) {
  const std::string port = std::to_string(ClosedPort());
  for (const std::string& url :
       {"https://oauth2:" + std::string(kUrlToken) + "@127.0.0.1:" + port +
            "/alice/ipc-project.git",
        "http://127.0.0.1:" + port + "/alice/ipc-project.git"}) {
    FetchError e = MustFail(Req(url, {"main"}));
    EXPECT_EQ(e.kind, FetchErrorKind::kUnreachable) << e.message;
    EXPECT_NE(e.message.find("127.0.0.1:" + port), std::string::npos)
        << e.message;
    EXPECT_NE(e.message.find("Connection refused"), std::string::npos)
        << e.message;
    ExpectNoSecret(e);
  }
}

TEST_F(NetTest, RejectedTokenGivesAuthAfterOneRetryWithoutLeakingIt) {
  HttpStub stub("401 Unauthorized",
                "WWW-Authenticate: Basic realm=\"git\"\r\n");
  FetchError e =
      MustFail(Req("http://127.0.0.1:" + std::to_string(stub.port()) +
                       "/alice/ipc-project.git",
                   {"main"}));
  EXPECT_EQ(e.kind, FetchErrorKind::kAuth) << e.message;
  EXPECT_NE(e.message.find(kTokenEnv), std::string::npos) << e.message;
  ExpectNoSecret(e);
  // The token was offered once (as oauth2:<token>), then we gave up rather
  // than letting libgit2 ask forever.
  const auto reqs = stub.requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_NE(reqs[1].find("Basic " + Base64(std::string("oauth2:") + kEnvToken)),
            std::string::npos);
}

TEST_F(NetTest, UrlCredentialsWinOverTheEnvironment) {
  HttpStub stub("401 Unauthorized",
                "WWW-Authenticate: Basic realm=\"git\"\r\n");
  FetchError e = MustFail(Req("http://student:" + std::string(kUrlToken) +
                                  "@127.0.0.1:" + std::to_string(stub.port()) +
                                  "/alice/ipc-project.git",
                              {"main"}));
  EXPECT_EQ(e.kind, FetchErrorKind::kAuth);
  ExpectNoSecret(e);
  const auto reqs = stub.requests();
  ASSERT_GE(reqs.size(), 2u);
  EXPECT_NE(
      reqs[1].find("Basic " + Base64(std::string("student:") + kUrlToken)),
      std::string::npos);
}

TEST_F(NetTest, MissingTokenSaysWhichVariableToSet) {
  ::unsetenv(kTokenEnv);
  HttpStub stub("401 Unauthorized",
                "WWW-Authenticate: Basic realm=\"git\"\r\n");
  FetchError e =
      MustFail(Req("http://127.0.0.1:" + std::to_string(stub.port()) +
                       "/alice/ipc-project.git",
                   {"main"}));
  EXPECT_EQ(e.kind, FetchErrorKind::kAuth);
  EXPECT_NE(e.message.find(std::string(kTokenEnv) + " is not set"),
            std::string::npos)
      << e.message;
  EXPECT_EQ(stub.requests().size(), 1u);
}

TEST_F(NetTest, HttpStatusesMapToKinds) {
  struct Case {
    const char* status;
    FetchErrorKind kind;
  } cases[] = {{"404 Not Found", FetchErrorKind::kNotARepository},
               {"403 Forbidden", FetchErrorKind::kAuth}};
  for (const Case& c : cases) {
    HttpStub stub(c.status);
    FetchError e = MustFail(
        Req("http://127.0.0.1:" + std::to_string(stub.port()) + "/alice/x.git",
            {"main"}));
    EXPECT_EQ(e.kind, c.kind) << c.status << ": " << e.message;
  }
}

// The server accepts and then says nothing. Without the deadline stream
// these would block forever (libgit2 1.5 has no read timeout); ctest's own
// timeout is the backstop that would flag a regression.
TEST_F(NetTest, SilentServerHitsTheDeadlineOnEveryTransport) {
  SilentServer server;
  const std::string port = std::to_string(server.port());
  for (const std::string& url :
       {"http://127.0.0.1:" + port + "/alice/x.git",
        "git://127.0.0.1:" + port + "/alice/x.git",
        "ssh://git@127.0.0.1:" + port + "/alice/x.git"}) {
    FetchRequest req = Req(url, {"main"});
    req.timeout_s = 1;
    FetchError e = MustFail(req);
    EXPECT_EQ(e.kind, FetchErrorKind::kUnreachable) << url << ": " << e.message;
    EXPECT_NE(e.message.find("1 s fetch timeout"), std::string::npos)
        << e.message;
  }
}

TEST_F(NetTest, UnsupportedSchemeIsRefusedUpFront) {
  FetchError e = MustFail(Req("ftp://host/alice/x.git", {"main"}));
  EXPECT_EQ(e.kind, FetchErrorKind::kOther);
  EXPECT_NE(e.message.find("unsupported URL scheme 'ftp'"), std::string::npos)
      << e.message;
}

}  // namespace
}  // namespace ipc::fetch::testing
