#include "e2e/git_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include "e2e/e2e_support.h"

extern char** environ;

namespace ipc::e2e {
namespace {

namespace fs = std::filesystem;

constexpr const char* kLighttpd = "/usr/sbin/lighttpd";
constexpr const char* kSshd = "/usr/sbin/sshd";
constexpr const char* kHttpBackend = "/usr/lib/git-core/git-http-backend";

std::string Replace(std::string text, const std::string& from, const std::string& to) {
  for (std::size_t at = text.find(from); at != std::string::npos;
       at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

bool Accepts(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<uint16_t>(port));
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

std::string RandomToken() {
  std::ifstream urandom("/dev/urandom", std::ios::binary);
  unsigned char bytes[12] = {};
  urandom.read(reinterpret_cast<char*>(bytes), sizeof bytes);
  static const char* kHex = "0123456789abcdef";
  std::string t = "glpat-test-";
  for (unsigned char b : bytes) {
    t += kHex[b >> 4];
    t += kHex[b & 15];
  }
  return t;
}

std::string UserName() {
  const passwd* pw = ::getpwuid(::geteuid());
  return pw != nullptr ? pw->pw_name : "root";
}

fs::path ServersDir() { return fs::path(SourceDir()) / "tests" / "e2e" / "servers"; }

}  // namespace

// A port nobody listens on right now. Another process may take it before
// the server binds; Launch() then sees "Address already in use" and tries
// another one.
int FreePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0) {
    port = ntohs(a.sin_port);
  }
  ::close(fd);
  return port;
}

std::string GitServer::Missing(Kind kind) {
  if (Sh("git --version >/dev/null") != 0) return "git (apt-get install git)";
  switch (kind) {
    case Kind::kDaemon:
      return Sh("test -x \"$(git --exec-path)/git-daemon\"") == 0
                 ? ""
                 : "git daemon (apt-get install git)";
    case Kind::kHttp:
      if (::access(kLighttpd, X_OK) != 0) return "lighttpd (apt-get install lighttpd)";
      if (::access(kHttpBackend, X_OK) != 0) return "git-http-backend (apt-get install git)";
      return "";
    case Kind::kSsh:
      if (::access(kSshd, X_OK) != 0) return "sshd (apt-get install openssh-server)";
      if (Sh("ssh-keygen -? 2>&1 | grep -q usage") != 0) {
        return "ssh-keygen (apt-get install openssh-client)";
      }
      return "";
  }
  return "";
}

GitServer::GitServer(Kind kind, fs::path repos, fs::path state)
    : kind_(kind), repos_(std::move(repos)), state_(std::move(state)) {}

GitServer::~GitServer() {
  Stop();
  std::error_code ec;
  fs::remove_all(state_, ec);
}

std::unique_ptr<GitServer> GitServer::Start(Kind kind, const fs::path& repos, std::string* why) {
  if (std::string missing = Missing(kind); !missing.empty()) {
    *why = "missing: " + missing;
    return nullptr;
  }
  std::string tmpl = (fs::temp_directory_path() / "ipc-git-server-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) {
    *why = "mkdtemp failed";
    return nullptr;
  }
  std::unique_ptr<GitServer> s(new GitServer(kind, fs::absolute(repos), tmpl));
  if (!s->Launch(why)) return nullptr;
  return s;
}

void GitServer::WriteConfig() const {
  const std::string state = state_.string();
  // The hook through sh: git runs packObjectsHook with a shell, and so it
  // works whatever mode the script was checked out with.
  WriteAll(state_ / "gitconfig", "[uploadpack]\n\tpackObjectsHook = sh '" +
                                     (ServersDir() / "pack-objects-hook.sh").string() + "'\n");
  WriteAll(state_ / "server.pid", "");
  if (kind_ == Kind::kHttp) {
    fs::create_directories(state_ / "empty");
    WriteAll(state_ / "users", "oauth2:" + token_ + "\n");
    std::string conf = ReadAll(ServersDir() / "lighttpd.conf.in");
    conf = Replace(conf, "@PORT@", std::to_string(port_));
    conf = Replace(conf, "@STATE@", state);
    conf = Replace(conf, "@REPOS@", repos_.string());
    WriteAll(state_ / "lighttpd.conf", conf);
  }
  if (kind_ == Kind::kSsh) {
    std::string conf = ReadAll(ServersDir() / "sshd_config.in");
    conf = Replace(conf, "@PORT@", std::to_string(port_));
    conf = Replace(conf, "@STATE@", state);
    conf = Replace(conf, "@USER@", UserName());
    WriteAll(state_ / "sshd_config", conf);
    // libgit2/libssh2 look the host up as "[host]:port" for ports other
    // than 22.
    std::string pub = ReadAll(state_ / "host_ed25519.pub");
    pub = pub.substr(0, pub.find(' ', pub.find(' ') + 1));
    WriteAll(known_hosts(), "[127.0.0.1]:" + std::to_string(port_) + " " + pub + "\n");
  }
}

std::vector<std::string> GitServer::Command() const {
  const std::string p = std::to_string(port_);
  switch (kind_) {
    case Kind::kDaemon:
      return {"/usr/bin/git",          "daemon",         "--reuseaddr",
              "--listen=127.0.0.1",    "--port=" + p,    "--base-path=" + repos_.string(),
              "--export-all",          "--informative-errors", "--verbose"};
    case Kind::kHttp:
      return {kLighttpd, "-D", "-f", (state_ / "lighttpd.conf").string()};
    case Kind::kSsh:
      return {kSshd, "-D", "-e", "-f", (state_ / "sshd_config").string()};
  }
  return {};
}

bool GitServer::Launch(std::string* why) {
  if (kind_ == Kind::kHttp) token_ = RandomToken();
  if (kind_ == Kind::kSsh) {
    std::string out;
    if (Sh("ssh-keygen -q -t ed25519 -N '' -C ipc-test-host -f " + (state_ / "host_ed25519").string() +
               " && ssh-keygen -q -t ed25519 -N '' -C ipc-test-client -f " + client_key().string() +
               " && cp " + client_key().string() + ".pub " + (state_ / "authorized_keys").string(),
           &out) != 0) {
      *why = "ssh-keygen failed: " + out;
      return false;
    }
    // sshd started as root insists on its privilege separation folder,
    // which Debian creates at boot (tmpfiles), not at install time.
    if (::geteuid() == 0) ::mkdir("/run/sshd", 0755);
  }
  for (int attempt = 0; attempt < 5; ++attempt) {
    port_ = FreePort();
    WriteConfig();
    const std::vector<std::string> argv_s = Command();
    std::vector<char*> argv;
    for (const auto& a : argv_s) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    const std::string log = (state_ / "server.log").string();
    // Environment built before fork: only async-signal-safe calls after.
    std::vector<std::string> env_s = {"GIT_CONFIG_GLOBAL=" + (state_ / "gitconfig").string(),
                                      "GIT_CONFIG_NOSYSTEM=1",
                                      "IPC_GIT_SERVER_STATE=" + state_.string(),
                                      "HOME=" + state_.string()};
    for (char** e = environ; *e != nullptr; ++e) {
      const std::string kv = *e;
      const std::string key = kv.substr(0, kv.find('='));
      if (key != "GIT_CONFIG_GLOBAL" && key != "GIT_CONFIG_NOSYSTEM" &&
          key != "IPC_GIT_SERVER_STATE" && key != "HOME" && key.rfind("GIT_", 0) != 0) {
        env_s.push_back(kv);
      }
    }
    std::vector<char*> envp;
    for (auto& kv : env_s) envp.push_back(kv.data());
    envp.push_back(nullptr);

    const pid_t pid = ::fork();
    if (pid < 0) {
      *why = "fork failed";
      return false;
    }
    if (pid == 0) {
      // Its own process group, so Stop() (and the hook's kill-server) take
      // every CGI, upload-pack and hook process with it.
      ::setpgid(0, 0);
      const int null_fd = ::open("/dev/null", O_RDONLY);
      const int log_fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      if (null_fd < 0 || log_fd < 0) ::_exit(126);
      ::dup2(null_fd, 0);
      ::dup2(log_fd, 1);
      ::dup2(log_fd, 2);
      ::chdir(state_.c_str());
      ::execve(argv[0], argv.data(), envp.data());
      ::_exit(127);
    }
    // Both sides set the group: whichever runs first, it exists before any
    // kill(-pid) can be sent.
    ::setpgid(pid, pid);
    pid_ = pid;
    WriteAll(state_ / "server.pid", std::to_string(pid) + "\n");

    // Ready when it accepts connections; polled, with a bound, and ended
    // early when the server exits (a config error, a port taken).
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    bool exited = false;
    while (std::chrono::steady_clock::now() < deadline) {
      if (Accepts(port_)) return true;
      int st = 0;
      if (::waitpid(pid_, &st, WNOHANG) == pid_) {
        exited = true;
        pid_ = -1;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    const std::string text = Log();
    if (!exited) {
      Stop();
      *why = "the server did not accept connections on 127.0.0.1:" + std::to_string(port_) +
             " within 20 s; its log:\n" + text;
      return false;
    }
    if (text.find("in use") == std::string::npos) {
      *why = "the server exited at start; its log:\n" + text;
      return false;
    }
    fs::remove(state_ / "server.log");  // port taken meanwhile: next port
  }
  *why = "no free loopback port after 5 tries";
  return false;
}

std::string GitServer::Url(const std::string& repo) const {
  const std::string hostport = "127.0.0.1:" + std::to_string(port_);
  switch (kind_) {
    case Kind::kDaemon:
      return "git://" + hostport + "/" + repo;
    case Kind::kHttp:
      return "http://" + hostport + "/" + repo;
    case Kind::kSsh:
      return "ssh://" + UserName() + "@" + hostport + (repos_ / repo).string();
  }
  return "";
}

void GitServer::SetFault(const std::string& mode) const {
  if (mode.empty()) {
    fs::remove(state_ / "fault");
  } else {
    WriteAll(state_ / "fault", mode + "\n");
  }
}

std::vector<long> GitServer::PackCounts() const {
  std::vector<long> counts;
  std::istringstream in(ReadAll(state_ / "packs.log"));
  for (long n; in >> n;) counts.push_back(n);
  return counts;
}

std::vector<std::string> GitServer::FaultsFired() const {
  std::vector<std::string> faults;
  std::istringstream in(ReadAll(state_ / "faults.log"));
  for (std::string line; std::getline(in, line);) faults.push_back(line);
  return faults;
}

std::string GitServer::LogWith(const std::string& needle, std::chrono::seconds limit) const {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  std::string text = Log();
  while (text.find(needle) == std::string::npos && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    text = Log();
  }
  return text;
}

std::string GitServer::Log() const {
  std::string text;
  for (const char* name : {"server.log", "error.log", "access.log"}) {
    if (fs::exists(state_ / name)) text += "--- " + std::string(name) + "\n" + ReadAll(state_ / name);
  }
  return text;
}

bool GitServer::Alive() {
  if (pid_ <= 0) return false;
  int st = 0;
  if (::waitpid(pid_, &st, WNOHANG) == pid_) {
    // Reaped here; the rest of its group may still run (kill-server sent
    // SIGKILL to all of it, so they are on their way out).
    ::kill(-pid_, SIGKILL);
    pid_ = -1;
    return false;
  }
  return true;
}

void GitServer::Stop() {
  if (pid_ <= 0) return;
  // SIGKILL to the group: the server and every child it started in it
  // (CGI, upload-pack, the hook, a stalled `sleep`). sshd's sessions start
  // their own sessions (setsid); they end when the client disconnects.
  ::kill(-pid_, SIGKILL);
  int st = 0;
  while (::waitpid(pid_, &st, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
}

}  // namespace ipc::e2e
