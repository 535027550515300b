#include "probe/child_io.h"

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>

namespace ipc::probe {
namespace {

constexpr std::size_t kChunk = 64 * 1024;
// DrainAvailable stops after this many chunks per stream: a leftover writer
// that outpaces us must not keep the probe reading forever.
constexpr int kMaxDrainChunks = 1024;

}  // namespace

void CappedOutput::Add(const char* bytes, std::size_t n) {
  total += n;
  if (data.size() < cap_) data.append(bytes, std::min(n, cap_ - data.size()));
}

ChildIo::ChildIo(Spawned* child, std::string stdin_data, std::size_t output_cap,
                 std::size_t stderr_cap)
    : child_(child),
      stdin_data_(std::move(stdin_data)),
      out_(output_cap),
      err_(stderr_cap == 0 ? output_cap : stderr_cap) {
  // Nothing to write: close now, the child reads EOF straight away.
  if (stdin_data_.empty()) child_->stdin_w.reset();
}

ChildIo::ReadResult ChildIo::ReadOnce(UniqueFd& fd, CappedOutput& sink) {
  char buf[kChunk];
  const ssize_t n = ::read(fd.get(), buf, sizeof buf);
  if (n > 0) {
    sink.Add(buf, static_cast<std::size_t>(n));
    return ReadResult::kData;
  }
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return ReadResult::kWouldBlock;
  // 0 = EOF on a pipe; EIO = a pty master after the last slave fd closed.
  fd.reset();
  return ReadResult::kDone;
}

void ChildIo::WriteStdin() {
  while (stdin_off_ < stdin_data_.size()) {
    const ssize_t n = ::write(child_->stdin_w.get(), stdin_data_.data() + stdin_off_,
                              std::min(kChunk, stdin_data_.size() - stdin_off_));
    if (n < 0) {
      if (errno == EAGAIN) return;
      if (errno == EINTR) continue;
      break;  // EPIPE: the child closed its stdin; the rest is not wanted
    }
    stdin_off_ += static_cast<std::size_t>(n);
  }
  child_->stdin_w.reset();  // EOF for the child
}

ChildIo::Wake ChildIo::PumpUntil(Clock::time_point deadline, const std::function<bool()>& stop,
                                 std::chrono::milliseconds tick) {
  auto last_check = Clock::now() - tick;
  for (;;) {
    if (exited_) return Wake::kExited;
    const auto now = Clock::now();
    if (stop && now - last_check >= tick) {
      last_check = now;
      if (stop()) return Wake::kStopped;
    }
    if (now >= deadline) return Wake::kDeadline;

    pollfd fds[4];
    nfds_t n = 0;
    auto add = [&](const UniqueFd& fd, short events) {
      if (fd.valid()) fds[n++] = pollfd{fd.get(), events, 0};
    };
    add(child_->exit_event, POLLIN);
    add(child_->stdin_w, POLLOUT);
    add(child_->stdout_r, POLLIN);
    add(child_->stderr_r, POLLIN);
    auto wait = std::chrono::ceil<std::chrono::milliseconds>(deadline - now);
    if (stop) wait = std::min(wait, tick);
    const int timeout = static_cast<int>(std::clamp<std::int64_t>(wait.count(), 0, 60'000));
    if (::poll(fds, n, timeout) < 0 && errno != EINTR) return Wake::kDeadline;

    for (nfds_t i = 0; i < n; ++i) {
      if (!fds[i].revents) continue;
      const int fd = fds[i].fd;
      if (fd == child_->exit_event.get()) {
        std::uint64_t v;
        [[maybe_unused]] const ssize_t r = ::read(fd, &v, sizeof v);
        exited_ = true;
      } else if (fd == child_->stdin_w.get()) {
        WriteStdin();
      } else if (fd == child_->stdout_r.get()) {
        ReadOnce(child_->stdout_r, out_);
      } else if (fd == child_->stderr_r.get()) {
        ReadOnce(child_->stderr_r, err_);
      }
    }
  }
}

void ChildIo::DrainAvailable() {
  for (auto [fd, sink] :
       {std::pair{&child_->stdout_r, &out_}, std::pair{&child_->stderr_r, &err_}}) {
    for (int i = 0; i < kMaxDrainChunks && fd->valid(); ++i) {
      if (ReadOnce(*fd, *sink) != ReadResult::kData) break;
    }
  }
}

void ChildIo::Finish() {
  DrainAvailable();
  child_->stdin_w.reset();
  child_->stdout_r.reset();
  child_->stderr_r.reset();
}

}  // namespace ipc::probe
