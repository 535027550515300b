// Minimal TCP endpoints for fetch_net_test. These are NOT git servers:
// one answers every HTTP request with a fixed response (401, 404 ...), one
// accepts connections at the kernel level and never says anything.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace ipc::fetch::testing {

// A listening socket on 127.0.0.1 with a kernel-chosen port.
inline int ListenLocal(int* port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(a);
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0 ||
      ::listen(fd, 16) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    std::abort();
  }
  *port = ntohs(a.sin_port);
  return fd;
}

// A port nothing listens on: bound, then released. Another process could
// grab it in between, which on a test machine does not happen in practice.
inline int ClosedPort() {
  int port = 0;
  ::close(ListenLocal(&port));
  return port;
}

// Connections complete in the kernel's backlog (the client's connect()
// succeeds) but nobody ever reads or writes: the hung-server case.
class SilentServer {
 public:
  SilentServer() : fd_(ListenLocal(&port_)) {}
  ~SilentServer() { ::close(fd_); }
  SilentServer(const SilentServer&) = delete;
  SilentServer& operator=(const SilentServer&) = delete;
  int port() const { return port_; }

 private:
  int port_ = 0;
  int fd_;
};

class HttpStub {
 public:
  explicit HttpStub(std::string status_line, std::string extra_headers = "")
      : response_("HTTP/1.1 " + status_line + "\r\n" + extra_headers +
                  "Content-Length: 0\r\nConnection: close\r\n\r\n"),
        fd_(ListenLocal(&port_)),
        thread_([this] { Serve(); }) {}
  ~HttpStub() {
    stopping_ = true;
    ::shutdown(fd_, SHUT_RDWR);  // wakes accept() on Linux
    thread_.join();
    ::close(fd_);
  }
  HttpStub(const HttpStub&) = delete;
  HttpStub& operator=(const HttpStub&) = delete;

  int port() const { return port_; }
  std::vector<std::string> requests() {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }

 private:
  void Serve() {
    for (;;) {
      const int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) {
        if (errno == EINTR && !stopping_) continue;
        return;
      }
      std::string req;
      char buf[4096];
      while (req.find("\r\n\r\n") == std::string::npos && req.size() < 65536) {
        const ssize_t n = ::recv(c, buf, sizeof(buf), 0);
        if (n <= 0) break;
        req.append(buf, static_cast<std::size_t>(n));
      }
      {
        std::lock_guard<std::mutex> lock(mu_);
        requests_.push_back(req);
      }
      (void)!::send(c, response_.data(), response_.size(), MSG_NOSIGNAL);
      ::close(c);
    }
  }

  const std::string response_;
  int port_ = 0;
  int fd_;
  std::atomic<bool> stopping_{false};
  std::mutex mu_;
  std::vector<std::string> requests_;
  std::thread thread_;
};

}  // namespace ipc::fetch::testing
