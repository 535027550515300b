#include "probe/fs_ops.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>
#include <map>
#include <utility>

#include "probe/fd.h"

namespace ipc::probe {
namespace {

// The names in the directory open at `dir`, without "." and "..".
bool ListNames(int dir, const std::string& where, std::vector<std::string>* names,
               std::string* err) {
  const int dup = ::fcntl(dir, F_DUPFD_CLOEXEC, 0);  // fdopendir owns what it gets
  DIR* d = dup < 0 ? nullptr : ::fdopendir(dup);
  if (d == nullptr) {
    *err = "cannot list '" + where + "': " + ErrnoText(errno);
    if (dup >= 0) ::close(dup);
    return false;
  }
  while (const dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    if (name != "." && name != "..") names->push_back(name);
  }
  ::closedir(d);
  return true;
}

// Empties the directory open at `dir`. `where` is its path, for messages.
bool RemoveContents(int dir, const std::string& where, std::string* err) {
  // Names first, removal after: unlinking while readdir walks the same
  // stream may skip entries.
  std::vector<std::string> names;
  if (!ListNames(dir, where, &names, err)) return false;
  for (const auto& name : names) {
    const std::string path = where + "/" + name;
    struct stat st {};
    if (::fstatat(dir, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno == ENOENT) continue;
      *err = "stat '" + path + "': " + ErrnoText(errno);
      return false;
    }
    if (S_ISDIR(st.st_mode)) {
      UniqueFd sub(::openat(dir, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (!sub.valid()) {
        *err = "open '" + path + "': " + ErrnoText(errno);
        return false;
      }
      if (!RemoveContents(sub.get(), path, err)) return false;
    }
    if (::unlinkat(dir, name.c_str(), S_ISDIR(st.st_mode) ? AT_REMOVEDIR : 0) != 0 &&
        errno != ENOENT) {
      *err = "remove '" + path + "': " + ErrnoText(errno);
      return false;
    }
  }
  return true;
}

// `cp -a` of one tree, by descriptors (openat, O_NOFOLLOW throughout).
class TreeCopier {
 public:
  explicit TreeCopier(std::string* err) : err_(err) {}

  // Copies the contents of directory `src` into the empty directory `dst`.
  bool Contents(int src, int dst, const std::string& sp, const std::string& dp) {
    std::vector<std::string> names;
    if (!ListNames(src, sp, &names, err_)) return false;
    for (const auto& name : names) {
      if (!Entry(src, dst, name, sp + "/" + name, dp + "/" + name)) return false;
    }
    return true;
  }

  // Owner, permission bits and times of `st` onto the directory `fd`; after
  // its contents, which would change its times.
  bool Attributes(int fd, const struct stat& st, const std::string& dp) {
    const timespec times[2] = {st.st_atim, st.st_mtim};
    // chown first: it clears the setuid and setgid bits that chmod sets.
    if (::fchown(fd, st.st_uid, st.st_gid) != 0) return Fail("chown", dp);
    if (::fchmod(fd, st.st_mode & 07777) != 0) return Fail("chmod", dp);
    if (::futimens(fd, times) != 0) return Fail("set the times of", dp);
    return true;
  }

 private:
  bool Fail(const std::string& what, const std::string& path) {
    *err_ = "cannot " + what + " '" + path + "': " + ErrnoText(errno);
    return false;
  }

  bool Entry(int src, int dst, const std::string& name, const std::string& sp,
             const std::string& dp) {
    struct stat st {};
    if (::fstatat(src, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return Fail("stat", sp);
    const char* n = name.c_str();
    if (!S_ISDIR(st.st_mode) && st.st_nlink > 1) {
      const auto key = std::make_pair(st.st_dev, st.st_ino);
      if (const auto it = links_.find(key); it != links_.end()) {
        if (::linkat(AT_FDCWD, it->second.c_str(), dst, n, 0) != 0) return Fail("link", dp);
        return true;
      }
      links_.emplace(key, dp);
    }
    if (S_ISDIR(st.st_mode)) {
      if (::mkdirat(dst, n, 0700) != 0) return Fail("create", dp);
      UniqueFd from(::openat(src, n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (!from.valid()) return Fail("open", sp);
      UniqueFd to(::openat(dst, n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (!to.valid()) return Fail("open", dp);
      return Contents(from.get(), to.get(), sp, dp) && Attributes(to.get(), st, dp);
    }
    if (S_ISREG(st.st_mode)) {
      UniqueFd from(::openat(src, n, O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
      if (!from.valid()) return Fail("open", sp);
      UniqueFd to(::openat(dst, n, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
      if (!to.valid()) return Fail("create", dp);
      return Bytes(from.get(), to.get(), sp, dp) && Attributes(to.get(), st, dp);
    }
    if (S_ISLNK(st.st_mode)) {
      std::string target(static_cast<std::size_t>(st.st_size) + 1, '\0');
      const ssize_t len = ::readlinkat(src, n, target.data(), target.size());
      if (len < 0 || static_cast<std::size_t>(len) >= target.size()) return Fail("read the link", sp);
      target.resize(static_cast<std::size_t>(len));
      if (::symlinkat(target.c_str(), dst, n) != 0) return Fail("create the link", dp);
    } else if (::mknodat(dst, n, st.st_mode & (S_IFMT | 07777), st.st_rdev) != 0) {
      return Fail("create", dp);  // a FIFO, a socket or a device node
    }
    // Not a directory or a file: attributes by name, the link itself.
    const timespec times[2] = {st.st_atim, st.st_mtim};
    if (::fchownat(dst, n, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) != 0) return Fail("chown", dp);
    if (!S_ISLNK(st.st_mode) && ::fchmodat(dst, n, st.st_mode & 07777, 0) != 0) {
      return Fail("chmod", dp);
    }
    if (::utimensat(dst, n, times, AT_SYMLINK_NOFOLLOW) != 0) return Fail("set the times of", dp);
    return true;
  }

  // The file's bytes: copy_file_range (in the kernel; holes stay cheap),
  // read/write where it cannot.
  bool Bytes(int from, int to, const std::string& sp, const std::string& dp) {
    for (;;) {
      const ssize_t n = ::copy_file_range(from, nullptr, to, nullptr, 1 << 30, 0);
      if (n > 0) continue;
      if (n == 0) return true;
      if (errno == EINTR) continue;
      if (errno != EXDEV && errno != ENOSYS && errno != EINVAL && errno != EOPNOTSUPP) {
        return Fail("copy", sp);
      }
      break;
    }
    char buf[65536];
    for (;;) {
      const ssize_t n = ::read(from, buf, sizeof buf);
      if (n == 0) return true;
      if (n < 0) {
        if (errno == EINTR) continue;
        return Fail("read", sp);
      }
      for (ssize_t done = 0; done < n;) {
        const ssize_t w = ::write(to, buf + done, static_cast<std::size_t>(n - done));
        if (w < 0) {
          if (errno == EINTR) continue;
          return Fail("write", dp);
        }
        done += w;
      }
    }
  }

  std::string* err_;
  std::map<std::pair<dev_t, ino_t>, std::string> links_;  // first copy of each
};

}  // namespace

bool CopyTree(const std::string& from, const std::string& to, std::string* err) {
  UniqueFd src(::open(from.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  struct stat st {};
  if (!src.valid() || ::fstat(src.get(), &st) != 0) {
    *err = "cannot open the directory '" + from + "': " + ErrnoText(errno);
    return false;
  }
  if (::mkdir(to.c_str(), 0700) != 0) {
    *err = "cannot create '" + to + "': " + ErrnoText(errno);
    return false;
  }
  UniqueFd dst(::open(to.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!dst.valid()) {
    *err = "cannot open '" + to + "': " + ErrnoText(errno);
    return false;
  }
  TreeCopier copier(err);
  return copier.Contents(src.get(), dst.get(), from, to) && copier.Attributes(dst.get(), st, to);
}

bool RemoveTree(const std::string& path, std::string* err) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return true;
    *err = "stat '" + path + "': " + ErrnoText(errno);
    return false;
  }
  if (S_ISDIR(st.st_mode)) {
    UniqueFd d(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!d.valid()) {
      *err = "open '" + path + "': " + ErrnoText(errno);
      return false;
    }
    if (!RemoveContents(d.get(), path, err)) return false;
    if (::rmdir(path.c_str()) != 0 && errno != ENOENT) {
      *err = "remove '" + path + "': " + ErrnoText(errno);
      return false;
    }
    return true;
  }
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    *err = "remove '" + path + "': " + ErrnoText(errno);
    return false;
  }
  return true;
}

bool ExtractFresh(const std::string& archive, const std::string& dest,
                  const tar::ExtractLimits& limits, std::string* err) {
  if (!RemoveTree(dest, err)) return false;
  if (::mkdir(dest.c_str(), 0755) != 0 || ::chmod(dest.c_str(), 0755) != 0) {
    *err = "cannot create '" + dest + "': " + ErrnoText(errno);
    return false;
  }
  if (archive.empty()) return true;
  std::string why;
  if (!tar::Extract(archive, dest, limits, &why)) {
    *err = "extracting into '" + dest + "': " + why;
    return false;
  }
  return true;
}

bool WriteOverlay(const std::string& dir, const std::vector<protocol::FileOverlay>& files,
                  std::string* err) {
  if (files.empty()) return true;
  // tar::Extract already is the symlink-safe writer (O_NOFOLLOW at every
  // component, an existing file or link unlinked, never followed): an
  // overlay is a tiny archive extracted over the directory.
  tar::Writer w;
  w.set_mtime(static_cast<std::int64_t>(std::time(nullptr)));
  for (const auto& f : files) w.AddFile(f.path, f.content, static_cast<unsigned>(f.mode));
  std::string why;
  tar::ExtractLimits limits;
  limits.max_total_bytes = ~0ull;  // the plan's own bytes, already in memory
  if (!tar::Extract(w.Finish(), dir, limits, &why)) {
    *err = "writing the overlay into '" + dir + "': " + why;
    return false;
  }
  return true;
}

}  // namespace ipc::probe
