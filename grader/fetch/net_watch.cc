#include "fetch/net_watch.h"

#include <fcntl.h>
#include <git2.h>
#include <git2/sys/stream.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <type_traits>

namespace ipc::fetch {
namespace {

thread_local NetWatch* t_watch = nullptr;

// Layout-compatible with libgit2 1.5's private git_socket_stream
// (src/libgit2/streams/socket.h: parent, host, port, s): its ssh transport
// does GIT_CONTAINER_OF(io, git_socket_stream, parent)->s to hand the raw
// socket to libssh2. Do not reorder the first four members.
struct DeadlineStream {
  git_stream parent;
  char* host;
  char* port;
  int s;
  NetWatch* watch;
};
static_assert(std::is_standard_layout_v<DeadlineStream>);
static_assert(offsetof(DeadlineStream, parent) == 0);

DeadlineStream* Self(git_stream* s) {
  return reinterpret_cast<DeadlineStream*>(s);
}

std::string Where(const DeadlineStream* st) {
  return std::string(st->host) + ":" + st->port;
}

int SetError(const std::string& msg) {
  git_error_set_str(GIT_ERROR_NET, msg.c_str());
  return -1;
}

// Milliseconds left for poll(), -1 (forever) without a watch.
int PollTimeout(const NetWatch* w) {
  if (w == nullptr) return -1;
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      w->deadline() - NetWatch::Clock::now());
  return left.count() <= 0
             ? 0
             : static_cast<int>(std::min<long long>(left.count(), 1 << 30));
}

void CloseSocket(DeadlineStream* st) {
  if (st->s < 0) return;
  if (st->watch != nullptr) st->watch->Unregister(st->s);
  ::close(st->s);
  st->s = -1;
}

// 0 connected; otherwise errno (ETIMEDOUT when the deadline passed).
int ConnectOne(DeadlineStream* st, const addrinfo* a, int fd) {
  if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0) return 0;
  if (errno != EINPROGRESS) return errno;
  for (;;) {
    pollfd p{fd, POLLOUT, 0};
    const int r = ::poll(&p, 1, PollTimeout(st->watch));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return errno;
    if (r == 0 || (st->watch != nullptr && st->watch->Expired())) {
      return ETIMEDOUT;
    }
    int soerr = 0;
    socklen_t len = sizeof(soerr);
    if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) != 0) {
      return errno;
    }
    return soerr;
  }
}

int StreamConnect(git_stream* gs) {
  DeadlineStream* st = Self(gs);
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_family = AF_UNSPEC;
  addrinfo* info = nullptr;
  const int gai = ::getaddrinfo(st->host, st->port, &hints, &info);
  if (gai != 0) {
    return SetError("failed to resolve address for " + std::string(st->host) +
                    ": " + ::gai_strerror(gai));
  }
  std::unique_ptr<addrinfo, void (*)(addrinfo*)> guard(info, ::freeaddrinfo);
  int last = EHOSTUNREACH;
  for (const addrinfo* a = info; a != nullptr; a = a->ai_next) {
    const int fd =
        ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
                 a->ai_protocol);
    if (fd < 0) {
      last = errno;
      continue;
    }
    if (st->watch != nullptr && !st->watch->Register(fd)) {
      ::close(fd);
      last = ETIMEDOUT;
      break;
    }
    st->s = fd;
    last = ConnectOne(st, a, fd);
    if (last == 0) {
      // libgit2 and libssh2 expect a blocking socket.
      const int flags = ::fcntl(fd, F_GETFL);
      if (flags < 0 || ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) != 0) {
        last = errno;
        CloseSocket(st);
        break;
      }
      return 0;
    }
    CloseSocket(st);
    if (last == ETIMEDOUT) break;
  }
  if (last == ETIMEDOUT) {
    return SetError("failed to connect to " + Where(st) +
                    ": timed out (fetch deadline reached)");
  }
  return SetError("failed to connect to " + Where(st) + ": " +
                  std::strerror(last));
}

ssize_t StreamRead(git_stream* gs, void* buf, size_t len) {
  DeadlineStream* st = Self(gs);
  for (;;) {
    const ssize_t r = ::recv(st->s, buf, len, 0);
    if (r < 0 && errno == EINTR) continue;
    // After the watchdog's shutdown() recv() sees end-of-file; say why.
    if (r <= 0 && st->watch != nullptr && st->watch->Expired()) {
      return SetError("no data from " + Where(st) +
                      " before the fetch deadline");
    }
    if (r < 0) {
      return SetError("error receiving data from " + Where(st) + ": " +
                      std::strerror(errno));
    }
    return r;
  }
}

ssize_t StreamWrite(git_stream* gs, const char* data, size_t len, int flags) {
  DeadlineStream* st = Self(gs);
  (void)flags;  // always 0 from libgit2
  for (;;) {
    // MSG_NOSIGNAL: a peer that hung up must give EPIPE, not kill the
    // grader with SIGPIPE.
    const ssize_t r = ::send(st->s, data, len, MSG_NOSIGNAL);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) {
      if (st->watch != nullptr && st->watch->Expired()) {
        return SetError("sending to " + Where(st) +
                        " did not finish before the fetch deadline");
      }
      return SetError("error sending data to " + Where(st) + ": " +
                      std::strerror(errno));
    }
    return r;
  }
}

int StreamClose(git_stream* gs) {
  CloseSocket(Self(gs));
  return 0;
}

void StreamFree(git_stream* gs) {
  DeadlineStream* st = Self(gs);
  CloseSocket(st);
  std::free(st->host);
  std::free(st->port);
  delete st;
}

int StreamInit(git_stream** out, const char* host, const char* port) {
  auto* st = new DeadlineStream{};
  st->parent.version = GIT_STREAM_VERSION;
  st->parent.connect = StreamConnect;
  st->parent.read = StreamRead;
  st->parent.write = StreamWrite;
  st->parent.close = StreamClose;
  st->parent.free = StreamFree;
  st->host = ::strdup(host);
  st->port = ::strdup(port);
  st->s = -1;
  st->watch = t_watch;
  if (st->host == nullptr || st->port == nullptr) {
    StreamFree(&st->parent);
    git_error_set_oom();
    return -1;
  }
  *out = &st->parent;
  return 0;
}

}  // namespace

NetWatch::NetWatch(Clock::time_point deadline)
    : deadline_(deadline), thread_([this] { Run(); }) {}

NetWatch::~NetWatch() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void NetWatch::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  if (cv_.wait_until(lock, deadline_, [this] { return stop_; })) return;
  fired_ = true;
  // shutdown(), not close(): it wakes a thread blocked in recv() on the
  // socket and leaves the descriptor number allocated, so nothing else can
  // be hit. The owner still closes it.
  for (int fd : fds_) ::shutdown(fd, SHUT_RDWR);
}

bool NetWatch::Register(int fd) {
  std::lock_guard<std::mutex> lock(mu_);
  if (fired_) return false;
  fds_.insert(fd);
  return true;
}

void NetWatch::Unregister(int fd) {
  std::lock_guard<std::mutex> lock(mu_);
  fds_.erase(fd);
}

ScopedNetWatch::ScopedNetWatch(NetWatch* watch) : previous_(t_watch) {
  t_watch = watch;
}

ScopedNetWatch::~ScopedNetWatch() { t_watch = previous_; }

int RegisterDeadlineStream() {
  git_stream_registration reg{};
  reg.version = GIT_STREAM_VERSION;
  reg.init = StreamInit;
  reg.wrap = nullptr;
  return git_stream_register(GIT_STREAM_STANDARD, &reg);
}

}  // namespace ipc::fetch
