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

namespace {

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

}  // namespace

bool RemoveAt(int parent, const std::string& name, const std::string& where, std::string* err) {
  struct stat st {};
  if (::fstatat(parent, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno == ENOENT) return true;
    *err = "stat '" + where + "': " + ErrnoText(errno);
    return false;
  }
  if (S_ISDIR(st.st_mode)) {
    UniqueFd d(::openat(parent, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!d.valid()) {
      *err = "open '" + where + "': " + ErrnoText(errno);
      return false;
    }
    if (!RemoveContents(d.get(), where, err)) return false;
  }
  if (::unlinkat(parent, name.c_str(), S_ISDIR(st.st_mode) ? AT_REMOVEDIR : 0) != 0 &&
      errno != ENOENT) {
    *err = "remove '" + where + "': " + ErrnoText(errno);
    return false;
  }
  return true;
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

bool MakeDirs(const std::string& path, unsigned mode, std::string* err) {
  for (std::size_t at = 1; at <= path.size(); ++at) {
    if (at != path.size() && path[at] != '/') continue;
    const std::string prefix = path.substr(0, at);
    if (::mkdir(prefix.c_str(), mode) != 0 && errno != EEXIST) {
      *err = "cannot create '" + prefix + "': " + ErrnoText(errno);
      return false;
    }
  }
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    *err = "'" + path + "' is not a directory";
    return false;
  }
  return true;
}

bool PathTaken(const std::string& dir, const std::string& path) {
  UniqueFd cur(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!cur.valid()) return true;  // nothing can be written there anyway
  std::size_t start = 0;
  for (;;) {
    const auto slash = path.find('/', start);
    const std::string comp = path.substr(start, slash == std::string::npos ? std::string::npos
                                                                           : slash - start);
    struct stat st {};
    if (::fstatat(cur.get(), comp.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return errno != ENOENT;
    if (slash == std::string::npos) return true;
    if (!S_ISDIR(st.st_mode)) return true;  // a file or symlink where a folder would be
    cur = UniqueFd(::openat(cur.get(), comp.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!cur.valid()) return true;
    start = slash + 1;
  }
}

bool WriteOverlay(const std::string& dir, const std::vector<protocol::FileOverlay>& all,
                  std::string* err) {
  std::vector<protocol::FileOverlay> files;
  for (const auto& f : all) {
    if (!f.if_missing || !PathTaken(dir, f.path)) files.push_back(f);
  }
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
