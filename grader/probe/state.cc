#include "probe/state.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <set>
#include <vector>

#include "probe/fd.h"
#include "probe/fs_ops.h"
#include "util/tar_format.h"
#include "util/strings.h"

namespace ipc::probe {
namespace {

using Type = StateEntry::Type;

bool SameTime(const timespec& a, const timespec& b) {
  return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec;
}

std::string Join(const std::string& dir, const std::string& path) {
  return path.empty() ? dir : dir + "/" + path;
}

std::string Parent(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? "" : path.substr(0, slash);
}

std::string Base(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

bool Fail(std::string* err, const std::string& what) {
  if (err->empty()) *err = what;
  return false;
}

bool FailErrno(std::string* err, const std::string& what, const std::string& path) {
  return Fail(err, "cannot " + what + " '" + path + "': " + ErrnoText(errno));
}

std::optional<Type> TypeOf(mode_t m) {
  if (S_ISREG(m)) return Type::kFile;
  if (S_ISDIR(m)) return Type::kDir;
  if (S_ISLNK(m)) return Type::kSymlink;
  if (S_ISFIFO(m)) return Type::kFifo;
  if (S_ISCHR(m)) return Type::kChar;
  if (S_ISBLK(m)) return Type::kBlock;
  return std::nullopt;  // sockets: not kept
}

// Opens the directory at `path` below `root` component by component,
// never following a symlink. "" is `root` itself (a new descriptor).
UniqueFd OpenDirBelow(int root, const std::string& path) {
  UniqueFd cur(::fcntl(root, F_DUPFD_CLOEXEC, 0));
  std::size_t start = 0;
  while (cur.valid() && start < path.size()) {
    const auto slash = path.find('/', start);
    const std::string comp = path.substr(start, slash == std::string::npos ? std::string::npos
                                                                            : slash - start);
    cur = UniqueFd(::openat(cur.get(), comp.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return cur;
}

// Every entry below the directory open at `dir` on the same file system,
// by relative path, with its lstat. Mount points (another st_dev) are left
// out, with what is below them.
bool Walk(int dir, dev_t dev, const std::string& prefix, const std::string& where,
          std::map<std::string, struct stat>* out, std::string* err) {
  std::vector<std::string> names;
  if (!ListNames(dir, where, &names, err)) return false;
  for (const auto& name : names) {
    struct stat st {};
    const std::string rel = prefix.empty() ? name : prefix + "/" + name;
    if (::fstatat(dir, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno == ENOENT) continue;
      return FailErrno(err, "stat", where + "/" + name);
    }
    if (st.st_dev != dev) continue;
    (*out)[rel] = st;
    if (S_ISDIR(st.st_mode)) {
      UniqueFd sub(::openat(dir, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (!sub.valid()) return FailErrno(err, "open", where + "/" + name);
      if (!Walk(sub.get(), dev, rel, where + "/" + name, out, err)) return false;
    }
  }
  return true;
}

bool ReadFd(int fd, std::uint64_t size_hint, std::string* out) {
  out->clear();
  out->reserve(static_cast<std::size_t>(size_hint));
  char buf[1 << 16];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    if (n == 0) return true;
    out->append(buf, static_cast<std::size_t>(n));
  }
}

// A path from an archive as a state key: '/'-separated, relative, no
// empty, "." or ".." components; trailing slashes dropped.
std::optional<std::string> CleanPath(std::string p) {
  while (!p.empty() && p.back() == '/') p.pop_back();
  if (p.empty() || p[0] == '/') return std::nullopt;
  std::size_t start = 0;
  for (;;) {
    const auto slash = p.find('/', start);
    const std::string comp =
        p.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    if (comp.empty() || comp == "." || comp == "..") return std::nullopt;
    if (slash == std::string::npos) return p;
    start = slash + 1;
  }
}

constexpr const char* kTempPrefix = ".ipc-state-new-";

}  // namespace

bool StateEntry::SameAs(const StateEntry& o) const {
  if (type != o.type || mode != o.mode || uid != o.uid || gid != o.gid) return false;
  if (!SameTime(mtime, o.mtime)) return false;
  switch (type) {
    case Type::kFile:
      return content == o.content || (content && o.content && *content == *o.content);
    case Type::kSymlink:
      return target == o.target;
    case Type::kChar:
    case Type::kBlock:
      return rdev == o.rdev;
    case Type::kDir:
    case Type::kFifo:
      return true;
  }
  return false;
}

bool StateFromTar(const std::string& archive, mode_t dir_mode, uid_t uid, gid_t gid,
                  const StateLimits& limits, DirState* out, std::string* err) {
  namespace ti = tar::internal;
  out->clear();
  StateEntry root;
  root.type = Type::kDir;
  root.mode = dir_mode;
  root.uid = uid;
  root.gid = gid;
  (*out)[""] = root;
  if (archive.empty()) return true;  // no tree: an empty folder
  ti::Parser parser(archive);
  ti::Raw raw;
  std::uint64_t bytes = 0;
  for (;;) {
    const int r = parser.Next(&raw, err);
    if (r < 0) return false;
    if (r == 0) return true;
    const auto path = CleanPath(raw.path);
    if (!path) return Fail(err, "unsafe path in the archive: " + QuoteForMessage(raw.path));
    StateEntry e;
    e.mode = raw.mode & 0777;
    e.uid = uid;
    e.gid = gid;
    e.mtime.tv_sec = raw.mtime;
    switch (raw.type) {
      case '0':
      case '\0':
      case '7':
        e.type = Type::kFile;
        e.content = std::make_shared<const std::string>(raw.data, raw.size);
        bytes += raw.size;
        break;
      case '5':
        e.type = Type::kDir;
        break;
      case '2':
        e.type = Type::kSymlink;
        e.target = raw.link;
        e.mode = 0777;
        break;
      default:
        return Fail(err, "unsupported member type '" + std::string(1, raw.type) + "' for " +
                             QuoteForMessage(*path));
    }
    if (bytes > limits.max_bytes) {
      return Fail(err, "the tree holds more than " + std::to_string(limits.max_bytes) + " bytes");
    }
    // Parents: directories (made 0755 when the archive does not list them),
    // never a file or a symlink: nothing may be written through a symlink.
    for (std::string p = Parent(*path);; p = Parent(p)) {
      auto it = out->find(p);
      if (it == out->end()) {
        StateEntry d = root;
        d.mode = 0755;
        d.mtime = {};
        out->emplace(p, d);
      } else if (it->second.type != Type::kDir) {
        return Fail(err,
                    QuoteForMessage(*path) + " is below the non-directory " + QuoteForMessage(p));
      }
      if (p.empty()) break;
    }
    auto it = out->find(*path);
    if (it != out->end() && (it->second.type == Type::kDir) != (e.type == Type::kDir)) {
      return Fail(err, QuoteForMessage(*path) + " is both a directory and not one");
    }
    (*out)[*path] = std::move(e);
    if (out->size() > limits.max_entries + 1) {
      return Fail(err, "the tree has more than " + std::to_string(limits.max_entries) + " entries");
    }
  }
}

void StateKeeper::Remember(const std::string& dir, const std::string& path, const struct stat& st,
                           const StateEntry& entry) {
  Known& k = known_[dir][path];
  k.dev = st.st_dev;
  k.ino = st.st_ino;
  k.ctime = st.st_ctim;
  k.entry = entry;
}

bool StateKeeper::Capture(const std::string& dir, const StateLimits& limits, DirState* out,
                          std::string* err) {
  out->clear();
  UniqueFd root(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  struct stat rst {};
  if (!root.valid() || ::fstat(root.get(), &rst) != 0) return FailErrno(err, "open", dir);
  std::map<std::string, struct stat> found;
  if (!Walk(root.get(), rst.st_dev, "", dir, &found, err)) return false;
  found[""] = rst;
  if (found.size() > limits.max_entries + 1) {
    return Fail(err, "'" + dir + "' holds more than " + std::to_string(limits.max_entries) +
                         " entries");
  }
  std::uint64_t bytes = 0;
  for (const auto& [path, st] : found) {
    const auto type = TypeOf(st.st_mode);
    if (!type) continue;
    StateEntry e;
    e.type = *type;
    e.mode = st.st_mode & 07777;
    e.uid = st.st_uid;
    e.gid = st.st_gid;
    e.mtime = st.st_mtim;
    const std::string where = Join(dir, path);
    if (e.type == Type::kFile) {
      bytes += static_cast<std::uint64_t>(st.st_size);
      if (bytes > limits.max_bytes) {
        return Fail(err, "'" + dir + "' holds more than " + std::to_string(limits.max_bytes) +
                             " bytes");
      }
      UniqueFd parent = OpenDirBelow(root.get(), Parent(path));
      UniqueFd f(parent.valid() ? ::openat(parent.get(), Base(path).c_str(),
                                           O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
                                : -1);
      std::string data;
      if (!f.valid() || !ReadFd(f.get(), static_cast<std::uint64_t>(st.st_size), &data)) {
        return FailErrno(err, "read", where);
      }
      e.content = std::make_shared<const std::string>(std::move(data));
    } else if (e.type == Type::kSymlink) {
      UniqueFd parent = OpenDirBelow(root.get(), Parent(path));
      std::string target(static_cast<std::size_t>(st.st_size) + 1, '\0');
      const ssize_t n = parent.valid() ? ::readlinkat(parent.get(), Base(path).c_str(),
                                                      target.data(), target.size())
                                       : -1;
      if (n < 0) return FailErrno(err, "read the link", where);
      target.resize(static_cast<std::size_t>(n));
      e.target = std::move(target);
    } else if (e.type == Type::kChar || e.type == Type::kBlock) {
      e.rdev = st.st_rdev;
    }
    Remember(dir, path, st, e);
    (*out)[path] = std::move(e);
  }
  return true;
}

bool StateKeeper::Restore(const std::string& dir, const DirState& want, std::string* err) {
  err->clear();
  UniqueFd root(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  struct stat rst {};
  if (!root.valid() || ::fstat(root.get(), &rst) != 0) return FailErrno(err, "open", dir);
  std::map<std::string, struct stat> have;
  std::string walk_err;
  if (!Walk(root.get(), rst.st_dev, "", dir, &have, &walk_err)) {
    // A folder that cannot even be listed cannot be diffed; what could be
    // read is still put right below.
    Fail(err, walk_err);
  }
  auto& known = known_[dir];

  // 1. Remove what must not be there, or is of another type.
  std::string removed_below;  // the last directory removed: skip its contents
  for (const auto& [path, st] : have) {
    if (!removed_below.empty() && path.rfind(removed_below + "/", 0) == 0) continue;
    const auto it = want.find(path);
    const auto type = TypeOf(st.st_mode);
    if (it != want.end() && type && *type == it->second.type) continue;
    UniqueFd parent = OpenDirBelow(root.get(), Parent(path));
    if (!parent.valid()) {
      FailErrno(err, "open", Join(dir, Parent(path)));
      continue;
    }
    if (RemoveAt(parent.get(), Base(path), Join(dir, path), err) && S_ISDIR(st.st_mode)) {
      removed_below = path;
    }
    known.erase(path);
  }

  // 2. Write what differs from what the keeper last left there, parents
  //    first. Files, links, FIFOs and devices are made under a temporary
  //    name and renamed over the old name: nothing is written through
  //    whatever a step left at that name.
  std::vector<std::string> dirs;
  unsigned temp_serial = 0;
  for (const auto& [path, e] : want) {
    const std::string where = Join(dir, path);
    if (e.type == Type::kDir) dirs.push_back(path);
    struct stat st {};
    const bool exists = path.empty() ? ::fstat(root.get(), &st) == 0
                                     : ::fstatat(root.get(), path.c_str(), &st,
                                                 AT_SYMLINK_NOFOLLOW) == 0;
    if (exists) {
      const auto k = known.find(path);
      if (k != known.end() && k->second.dev == st.st_dev && k->second.ino == st.st_ino &&
          SameTime(k->second.ctime, st.st_ctim) && k->second.entry.SameAs(e)) {
        continue;
      }
    }
    UniqueFd parent = OpenDirBelow(root.get(), Parent(path));
    if (!parent.valid()) {
      FailErrno(err, "open", Join(dir, Parent(path)));
      continue;
    }
    const std::string name = Base(path);
    if (e.type == Type::kDir) {
      if (!exists && !path.empty() && ::mkdirat(parent.get(), name.c_str(), 0700) != 0) {
        FailErrno(err, "create", where);
        continue;
      }
      UniqueFd d = path.empty() ? OpenDirBelow(root.get(), "") : OpenDirBelow(parent.get(), name);
      // chown first: it clears the setuid and setgid bits that chmod sets.
      if (!d.valid() || ::fchown(d.get(), e.uid, e.gid) != 0 ||
          ::fchmod(d.get(), e.mode) != 0) {
        FailErrno(err, "set the owner and mode of", where);
      }
      continue;  // times and remembering: after the contents (3.)
    }
    const std::string temp = kTempPrefix + std::to_string(temp_serial++);
    ::unlinkat(parent.get(), temp.c_str(), 0);
    bool made = false;
    switch (e.type) {
      case Type::kFile: {
        UniqueFd f(::openat(parent.get(), temp.c_str(),
                            O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
        const std::string& data = e.content ? *e.content : std::string();
        made = f.valid() && WriteAll(f.get(), data.data(), data.size()) &&
               ::fchown(f.get(), e.uid, e.gid) == 0 && ::fchmod(f.get(), e.mode) == 0;
        const timespec times[2] = {e.mtime, e.mtime};
        made = made && ::futimens(f.get(), times) == 0;
        break;
      }
      case Type::kSymlink:
        made = ::symlinkat(e.target.c_str(), parent.get(), temp.c_str()) == 0 &&
               ::fchownat(parent.get(), temp.c_str(), e.uid, e.gid, AT_SYMLINK_NOFOLLOW) == 0;
        break;
      case Type::kFifo:
        made = ::mkfifoat(parent.get(), temp.c_str(), 0600) == 0;
        break;
      case Type::kChar:
      case Type::kBlock:
        made = ::mknodat(parent.get(), temp.c_str(),
                         (e.type == Type::kChar ? S_IFCHR : S_IFBLK) | 0600, e.rdev) == 0;
        break;
      case Type::kDir:
        break;
    }
    if (made && (e.type == Type::kFifo || e.type == Type::kChar || e.type == Type::kBlock)) {
      made = ::fchownat(parent.get(), temp.c_str(), e.uid, e.gid, AT_SYMLINK_NOFOLLOW) == 0 &&
             ::fchmodat(parent.get(), temp.c_str(), e.mode, 0) == 0;
    }
    if (made && e.type != Type::kFile) {
      const timespec times[2] = {e.mtime, e.mtime};
      made = ::utimensat(parent.get(), temp.c_str(), times, AT_SYMLINK_NOFOLLOW) == 0;
    }
    if (!made || ::renameat(parent.get(), temp.c_str(), parent.get(), name.c_str()) != 0) {
      FailErrno(err, "write", where);
      ::unlinkat(parent.get(), temp.c_str(), 0);
      known.erase(path);
      continue;
    }
    if (::fstatat(parent.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
      Remember(dir, path, st, e);
    }
  }

  // 3. Directory times last, deepest first: writing below a directory
  //    moves its mtime.
  for (auto it = dirs.rbegin(); it != dirs.rend(); ++it) {
    const StateEntry& e = want.at(*it);
    struct stat st {};
    const bool ok = it->empty() ? ::fstat(root.get(), &st) == 0
                                : ::fstatat(root.get(), it->c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0;
    if (!ok || !S_ISDIR(st.st_mode)) continue;  // failed above, already said
    if (!SameTime(st.st_mtim, e.mtime)) {
      const timespec times[2] = {e.mtime, e.mtime};
      const int rc = it->empty() ? ::futimens(root.get(), times)
                                 : ::utimensat(root.get(), it->c_str(), times, AT_SYMLINK_NOFOLLOW);
      if (rc != 0) FailErrno(err, "set the times of", Join(dir, *it));
      if (it->empty() ? ::fstat(root.get(), &st) != 0
                      : ::fstatat(root.get(), it->c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
        continue;
      }
    }
    Remember(dir, *it, st, e);
  }
  return err->empty();
}

}  // namespace ipc::probe
