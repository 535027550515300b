#include "util/fs.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "util/error.h"

namespace ipc {
namespace {

[[noreturn]] void Fail(const std::string& what, const std::string& path,
                       int err) {
  throw Error(what + " '" + path + "': " + std::strerror(err));
}

// Removes the temporary on every exit path until Release().
class TempGuard {
 public:
  explicit TempGuard(std::string path) : path_(std::move(path)) {}
  ~TempGuard() {
    if (fd_ >= 0) ::close(fd_);
    if (!path_.empty()) ::unlink(path_.c_str());
  }
  TempGuard(const TempGuard&) = delete;
  TempGuard& operator=(const TempGuard&) = delete;
  void set_fd(int fd) { fd_ = fd; }
  int CloseFd() {
    const int r = ::close(fd_);
    fd_ = -1;
    return r;
  }
  void Release() { path_.clear(); }

 private:
  std::string path_;
  int fd_ = -1;
};

}  // namespace

void WriteFileAtomic(const std::string& path, const std::string& data) {
  const std::size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "."
                          : slash == 0               ? "/"
                                                     : path.substr(0, slash);
  const std::string base =
      slash == std::string::npos ? path : path.substr(slash + 1);
  if (base.empty()) throw Error("cannot write '" + path + "': no file name");

  // A dot-file next to the target, so a crash leaves debris that is easy to
  // recognise and never matches a glob for the real files.
  std::string tmpl = dir + "/." + base + ".tmp.XXXXXX";
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  const int fd = ::mkostemp(buf.data(), O_CLOEXEC);
  if (fd < 0) Fail("cannot create a temporary file for", path, errno);
  TempGuard guard(buf.data());
  guard.set_fd(fd);

  struct stat old;
  const mode_t mode =
      ::stat(path.c_str(), &old) == 0 ? (old.st_mode & 07777) : 0644;
  if (::fchmod(fd, mode) != 0) Fail("cannot set the mode of", path, errno);

  const char* p = data.data();
  std::size_t left = data.size();
  while (left > 0) {
    const ssize_t w = ::write(fd, p, left);
    if (w < 0) {
      if (errno == EINTR) continue;
      Fail("cannot write", path, errno);
    }
    p += w;
    left -= static_cast<std::size_t>(w);
  }
  // Data must be on disk before the rename makes it visible, or a crash
  // can leave `path` naming an empty file (the classic ext4 delalloc case).
  if (::fsync(fd) != 0) Fail("cannot flush", path, errno);
  // close() can report a deferred write error (NFS); it counts.
  if (guard.CloseFd() != 0) Fail("cannot write", path, errno);
  if (::rename(buf.data(), path.c_str()) != 0) {
    Fail("cannot replace", path, errno);
  }
  guard.Release();

  // The rename lives in the directory; without this fsync it can be lost.
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) Fail("cannot open the directory of", path, errno);
  const int rc = ::fsync(dfd);
  const int saved = errno;
  ::close(dfd);
  // Some file systems (e.g. certain FUSE ones) refuse fsync on directories
  // with EINVAL; the data is written, so that is not a failure.
  if (rc != 0 && saved != EINVAL) {
    Fail("cannot flush the directory of", path, saved);
  }
}

std::string MakeTempDir(const std::string& prefix) {
  std::string base;
  if (!prefix.empty() && prefix[0] == '/') {
    base = prefix;
  } else {
    const char* tmp = std::getenv("TMPDIR");
    base = std::string(tmp && *tmp ? tmp : "/tmp") + "/" + prefix;
  }
  std::vector<char> buf(base.begin(), base.end());
  const std::string suffix = "XXXXXX";
  buf.insert(buf.end(), suffix.begin(), suffix.end());
  buf.push_back('\0');
  if (::mkdtemp(buf.data()) == nullptr) {
    Fail("cannot create a temporary directory", base + "XXXXXX", errno);
  }
  return buf.data();
}

}  // namespace ipc
