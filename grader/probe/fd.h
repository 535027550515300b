// File descriptors for the probe. Every descriptor the probe opens is
// close-on-exec from birth (O_CLOEXEC / pipe2 / EFD_CLOEXEC): steps run in
// threads, so another thread may fork+exec at any moment, and a descriptor
// opened without the flag would leak into that student process (a pipe end
// kept open there would also keep our reader from ever seeing EOF).
#pragma once

#include <unistd.h>

#include <optional>
#include <string>

namespace ipc::probe {

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  UniqueFd(UniqueFd&& o) noexcept : fd_(o.release()) {}
  UniqueFd& operator=(UniqueFd&& o) noexcept {
    if (this != &o) reset(o.release());
    return *this;
  }
  ~UniqueFd() { reset(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int release() {
    const int fd = fd_;
    fd_ = -1;
    return fd;
  }
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

// A pipe; both ends close-on-exec and blocking.
bool MakePipe(UniqueFd* read_end, UniqueFd* write_end);
bool SetNonBlocking(int fd);
// Writes everything, retrying short writes and EINTR. False on error.
bool WriteAll(int fd, const char* data, std::size_t size);
// Whole small file (under /proc, /etc), opened close-on-exec; nullopt if it
// cannot be opened or read. `limit` bounds what is read.
std::optional<std::string> ReadSmallFile(const std::string& path, std::size_t limit = 1 << 20);
// "strerror(errno)" without locale machinery (static binary).
std::string ErrnoText(int err);

}  // namespace ipc::probe
