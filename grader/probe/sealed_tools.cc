#include "probe/sealed_tools.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace ipc::probe {
namespace {

// Linux 6.3 added MFD_EXEC/MFD_NOEXEC_SEAL; glibc 2.36's headers may lack
// them. Older kernels reject the unknown flag with EINVAL.
#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif

constexpr int kAllSeals = F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL;

// A memfd that may be executed. vm.memfd_noexec=2 (a host policy) refuses
// MFD_EXEC: then the copy is kept for restoring only (*exec = false).
int MakeMemfd(const std::string& name, bool* exec) {
  const unsigned base = MFD_CLOEXEC | MFD_ALLOW_SEALING;
  *exec = true;
  int fd = ::memfd_create(name.c_str(), base | MFD_EXEC);
  if (fd < 0 && errno == EINVAL) fd = ::memfd_create(name.c_str(), base);  // kernel < 6.3
  if (fd < 0 && errno == EACCES) {
    *exec = false;
    fd = ::memfd_create(name.c_str(), base);
  }
  return fd;
}

bool CopyAll(int from, int to, std::size_t size, std::string* why) {
  char buf[1 << 16];
  std::size_t done = 0;
  while (done < size) {
    const ssize_t n = ::pread(from, buf, std::min(sizeof buf, size - done), static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      *why = n == 0 ? "file shrank while being read" : "read: " + ErrnoText(errno);
      return false;
    }
    if (!WriteAll(to, buf, static_cast<std::size_t>(n))) {
      *why = "write: " + ErrnoText(errno);
      return false;
    }
    done += static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace

bool SealedTools::Seal(const std::string& dir, std::string* err) {
  dir_ = dir;
  tools_.clear();
  UniqueFd d(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!d.valid()) {
    if (errno == ENOENT) return true;
    *err = "tools directory '" + dir + "': " + ErrnoText(errno);
    return false;
  }
  DIR* list = ::fdopendir(::fcntl(d.get(), F_DUPFD_CLOEXEC, 0));
  if (list == nullptr) {
    *err = "cannot list '" + dir + "': " + ErrnoText(errno);
    return false;
  }
  std::vector<std::string> names;
  while (const dirent* e = ::readdir(list)) names.push_back(e->d_name);
  ::closedir(list);
  for (const auto& name : names) {
    UniqueFd f(::openat(d.get(), name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
    struct stat st {};
    if (!f.valid() || ::fstat(f.get(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    Tool t;
    t.name = name;
    t.size = static_cast<std::size_t>(st.st_size);
    t.mode = st.st_mode & 07777;
    t.uid = st.st_uid;
    t.gid = st.st_gid;
    t.dev = st.st_dev;
    t.ino = st.st_ino;
    t.ctime = st.st_ctim;
    bool exec = false;
    t.memfd.reset(MakeMemfd(name, &exec));
    std::string why;
    if (!t.memfd.valid()) {
      why = "memfd_create: " + ErrnoText(errno);
    } else if (CopyAll(f.get(), t.memfd.get(), t.size, &why)) {
      char magic[4] = {};
      const bool elf = ::pread(t.memfd.get(), magic, 4, 0) == 4 && std::memcmp(magic, "\x7f" "ELF", 4) == 0;
      t.exec_from_memfd = exec && elf && (t.mode & 0111) != 0;
      // The memfd's own mode is what execveat checks (0777 from birth).
      if (::fchmod(t.memfd.get(), t.mode) != 0 ||
          ::fcntl(t.memfd.get(), F_ADD_SEALS, kAllSeals) != 0) {
        why = "sealing: " + ErrnoText(errno);
      }
    }
    if (!why.empty()) {
      *err = "tool '" + dir + "/" + name + "': " + why;
      return false;
    }
    tools_.push_back(std::move(t));
  }
  return true;
}

int SealedTools::ExecFd(const std::string& path) const {
  if (dir_.empty() || path.size() <= dir_.size() + 1 || path.compare(0, dir_.size(), dir_) != 0 ||
      path[dir_.size()] != '/') {
    return -1;
  }
  const std::string name = path.substr(dir_.size() + 1);
  for (const auto& t : tools_) {
    if (t.name == name) return t.exec_from_memfd ? t.memfd.get() : -1;
  }
  return -1;
}

bool SealedTools::Unchanged(int dir_fd, const Tool& t) const {
  // Every write, truncate, chmod or rename in of another file changes the
  // inode or its ctime, which no one can set back.
  struct stat st {};
  return ::fstatat(dir_fd, t.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode) &&
         st.st_dev == t.dev && st.st_ino == t.ino && st.st_ctim.tv_sec == t.ctime.tv_sec &&
         st.st_ctim.tv_nsec == t.ctime.tv_nsec;
}

bool SealedTools::Rewrite(int dir_fd, Tool& t, std::string* err) {
  const std::string tmp = ".ipc-probe-restore-" + t.name;
  ::unlinkat(dir_fd, tmp.c_str(), 0);
  UniqueFd out(::openat(dir_fd, tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  std::string why;
  if (!out.valid()) {
    why = "create: " + ErrnoText(errno);
  } else if (CopyAll(t.memfd.get(), out.get(), t.size, &why)) {
    if (::fchown(out.get(), t.uid, t.gid) != 0 || ::fchmod(out.get(), t.mode) != 0) {
      why = "chown/chmod: " + ErrnoText(errno);
    } else if (::renameat(dir_fd, tmp.c_str(), dir_fd, t.name.c_str()) != 0) {
      // A directory planted at the name: rename cannot replace it.
      why = "rename: " + ErrnoText(errno);
    }
  }
  if (!why.empty()) {
    ::unlinkat(dir_fd, tmp.c_str(), 0);
    *err += (err->empty() ? "" : "; ") + ("restoring '" + dir_ + "/" + t.name + "': " + why);
    return false;
  }
  struct stat st {};
  if (::fstat(out.get(), &st) == 0) {
    t.dev = st.st_dev;
    t.ino = st.st_ino;
    t.ctime = st.st_ctim;  // after the rename (rename updates the ctime)
  }
  return true;
}

bool SealedTools::Restore(std::string* err) {
  if (tools_.empty()) return true;
  struct stat st {};
  if (::lstat(dir_.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    // Removed, or replaced by a symlink (which could point anywhere) or a
    // file: put a real directory back.
    std::string why;
    if (::unlink(dir_.c_str()) != 0 && errno != ENOENT) why = "unlink: " + ErrnoText(errno);
    if (why.empty() && ::mkdir(dir_.c_str(), 0755) != 0) why = "mkdir: " + ErrnoText(errno);
    if (!why.empty()) {
      *err = "restoring the tools directory '" + dir_ + "': " + why;
      return false;
    }
  }
  UniqueFd d(::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!d.valid()) {
    *err = "restoring the tools directory '" + dir_ + "': " + ErrnoText(errno);
    return false;
  }
  bool ok = true;
  for (auto& t : tools_) {
    if (!Unchanged(d.get(), t)) ok = Rewrite(d.get(), t, err) && ok;
  }
  return ok;
}

}  // namespace ipc::probe
