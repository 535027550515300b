#include "probe/fs_ops.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>

#include "probe/fd.h"

namespace ipc::probe {
namespace {

// Empties the directory open at `dir`. `where` is its path, for messages.
bool RemoveContents(int dir, const std::string& where, std::string* err) {
  // fdopendir takes ownership of its descriptor: give it a duplicate.
  const int dup = ::fcntl(dir, F_DUPFD_CLOEXEC, 0);
  if (dup < 0) {
    *err = "dup '" + where + "': " + ErrnoText(errno);
    return false;
  }
  DIR* d = ::fdopendir(dup);
  if (d == nullptr) {
    *err = "cannot list '" + where + "': " + ErrnoText(errno);
    ::close(dup);
    return false;
  }
  // Names first, removal after: unlinking while readdir walks the same
  // stream may skip entries.
  std::vector<std::string> names;
  while (const dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  ::closedir(d);
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
