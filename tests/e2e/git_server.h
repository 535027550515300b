// Real git servers for the tests, started on loopback on a free port from
// Debian packages, and always stopped (the destructor kills the server's
// whole process group and waits for it):
//   kDaemon  git daemon (git://), every repository exported;
//   kHttp    lighttpd + git-http-backend (smart HTTP) behind basic auth:
//            user "oauth2", password = token(), as GitLab takes a token;
//   kSsh     sshd with a throwaway host key and client key; only the user
//            running the tests may log in, with that key; known_hosts()
//            holds the host key under [127.0.0.1]:PORT.
// Every server runs tests/e2e/servers/pack-objects-hook.sh on each fetch:
// PackCounts() is how many objects each fetch was sent (counted by the
// server), and SetFault() makes the next fetch die mid-pack.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace ipc::e2e {

// A loopback port nobody listens on right now (another process may take it
// before the caller binds it: a server that fails to bind tries another).
int FreePort();

class GitServer {
 public:
  enum class Kind { kDaemon, kHttp, kSsh };

  // Serves the bare repositories under `repos` (by name: Url("x.git")).
  // nullptr with *why (including the server's log) when it cannot start.
  static std::unique_ptr<GitServer> Start(Kind kind, const std::filesystem::path& repos,
                                          std::string* why);
  // "" when the programs `kind` needs are installed, else what is missing
  // and the Debian package that has it.
  static std::string Missing(Kind kind);

  ~GitServer();
  GitServer(const GitServer&) = delete;
  GitServer& operator=(const GitServer&) = delete;

  std::string Url(const std::string& repo) const;
  int port() const { return port_; }
  const std::string& token() const { return token_; }  // kHttp
  std::filesystem::path client_key() const { return state_ / "client_ed25519"; }  // kSsh
  std::filesystem::path known_hosts() const { return state_ / "known_hosts"; }    // kSsh

  // "" (none), "kill-server", "stall" or "cut-once": see pack-objects-hook.sh.
  void SetFault(const std::string& mode) const;
  std::vector<long> PackCounts() const;
  std::vector<std::string> FaultsFired() const;
  std::string Log() const;  // the server's own log and access log
  // Log(), once it contains `needle` or after `limit`: lighttpd writes its
  // access log from a buffer it flushes every few seconds, with no signal
  // to wait on, so a request just served may not be in the file yet.
  std::string LogWith(const std::string& needle, std::chrono::seconds limit) const;
  bool Alive();             // false once the server process has ended
  void Stop();

 private:
  GitServer(Kind kind, std::filesystem::path repos, std::filesystem::path state);
  bool Launch(std::string* why);
  std::vector<std::string> Command() const;
  void WriteConfig() const;

  Kind kind_;
  std::filesystem::path repos_;
  std::filesystem::path state_;  // temporary folder of this server
  int port_ = 0;
  pid_t pid_ = -1;  // also the process group id
  std::string token_;
};

}  // namespace ipc::e2e
