// A deadline for everything libgit2 does on the network during one fetch.
//
// libgit2 1.5 has no connect or read timeout (GIT_OPT_SET_SERVER_TIMEOUT
// arrived in 1.7), and its progress callbacks only run while data flows, so
// a server that accepts the connection and then says nothing would block a
// grader worker forever. We therefore replace libgit2's plain socket stream
// (git_stream_register(GIT_STREAM_STANDARD)) with one that
//   - connects non-blockingly, polling until the fetch's deadline;
//   - registers every socket with the NetWatch of the fetch running on the
//     calling thread; a watchdog thread shut down()s them all when the
//     deadline passes, which wakes any blocked recv()/send() in libgit2,
//     mbedTLS or libssh2 (libssh2 reads the fd directly, so a read timeout
//     inside our stream alone would not cover ssh).
// http, https (mbedTLS wraps this stream), git:// and ssh all go through it.
// Name resolution (getaddrinfo) is not interruptible; it is bounded by the
// resolver's own timeouts in /etc/resolv.conf.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>

namespace ipc::fetch {

class NetWatch {
 public:
  using Clock = std::chrono::steady_clock;
  explicit NetWatch(Clock::time_point deadline);
  ~NetWatch();  // stops and joins the watchdog
  NetWatch(const NetWatch&) = delete;
  NetWatch& operator=(const NetWatch&) = delete;

  bool Expired() const { return Clock::now() >= deadline_; }
  Clock::time_point deadline() const { return deadline_; }

  // For the stream. Register returns false once the deadline has passed
  // (the caller closes the fd). Unregister must precede close(fd), so the
  // watchdog never shuts down a number the kernel has already reused.
  bool Register(int fd);
  void Unregister(int fd);

 private:
  void Run();
  const Clock::time_point deadline_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::set<int> fds_;
  bool stop_ = false;
  bool fired_ = false;
  std::thread thread_;
};

// Makes `watch` the one that streams opened on this thread register with,
// for the lifetime of this object. libgit2 1.5 does all network I/O on the
// thread that called it, so a thread_local is the right scope.
class ScopedNetWatch {
 public:
  explicit ScopedNetWatch(NetWatch* watch);
  ~ScopedNetWatch();
  ScopedNetWatch(const ScopedNetWatch&) = delete;
  ScopedNetWatch& operator=(const ScopedNetWatch&) = delete;

 private:
  NetWatch* previous_;
};

// Installs the stream for GIT_STREAM_STANDARD; called once from
// EnsureLibgit2(). Returns a libgit2 error code.
int RegisterDeadlineStream();

}  // namespace ipc::fetch
