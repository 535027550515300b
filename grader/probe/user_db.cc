#include "probe/user_db.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "probe/fd.h"
#include "probe/fs_ops.h"

namespace ipc::probe {
namespace {

constexpr std::size_t kMaxDbFile = 16 << 20;

void Append(std::string* err, const std::string& what) {
  *err += (err->empty() ? "" : "; ") + what;
}

bool ListNames(const std::string& dir, std::set<std::string>* out, std::string* err) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) {
    if (errno == ENOENT) return true;
    *err = "cannot list '" + dir + "': " + ErrnoText(errno);
    return false;
  }
  while (const dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    if (name != "." && name != "..") out->insert(name);
  }
  ::closedir(d);
  return true;
}

}  // namespace

const std::vector<std::string>& UserDb::FileNames() {
  static const std::vector<std::string> names = {"passwd", "group",  "shadow",
                                                 "gshadow", "subuid", "subgid"};
  return names;
}

bool UserDb::Snapshot(const std::string& etc_dir, const std::string& home_dir, std::string* err) {
  etc_dir_ = etc_dir;
  home_dir_ = home_dir;
  files_.clear();
  homes_.clear();
  for (const auto& name : FileNames()) {
    File f;
    f.name = name;
    const std::string path = etc_dir + "/" + name;
    struct stat st {};
    if (::lstat(path.c_str(), &st) == 0) {
      if (!S_ISREG(st.st_mode)) {
        *err = "'" + path + "' is not a regular file";
        return false;
      }
      f.content = ReadSmallFile(path, kMaxDbFile);
      if (!f.content) {
        *err = "cannot read '" + path + "'";
        return false;
      }
      f.mode = st.st_mode & 07777;
      f.uid = st.st_uid;
      f.gid = st.st_gid;
    } else if (errno != ENOENT) {
      *err = "stat '" + path + "': " + ErrnoText(errno);
      return false;
    }
    files_.push_back(std::move(f));
  }
  if (!ListNames(home_dir, &homes_, err)) return false;
  taken_ = true;
  return true;
}

bool UserDb::RestoreFile(const File& f, std::string* err) const {
  const std::string path = etc_dir_ + "/" + f.name;
  // shadow-utils' lock for this file (lckpwdf's /etc/.pwd.lock is a lockf
  // lock that dies with its holder and can stay).
  if (::unlink((path + ".lock").c_str()) != 0 && errno != ENOENT) {
    Append(err, "removing '" + path + ".lock': " + ErrnoText(errno));
  }
  if (!f.content) {
    std::string why;
    if (!RemoveTree(path, &why)) {
      Append(err, why);
      return false;
    }
    return true;
  }
  const std::string tmp = etc_dir_ + "/.ipc-probe-restore-" + f.name;
  ::unlink(tmp.c_str());
  UniqueFd out(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  std::string why;
  if (!out.valid()) {
    why = "create '" + tmp + "': " + ErrnoText(errno);
  } else if (!WriteAll(out.get(), f.content->data(), f.content->size())) {
    why = "write '" + tmp + "': " + ErrnoText(errno);
  } else if (::fchown(out.get(), f.uid, f.gid) != 0 || ::fchmod(out.get(), f.mode) != 0) {
    why = "chown/chmod '" + tmp + "': " + ErrnoText(errno);
  } else if (::rename(tmp.c_str(), path.c_str()) != 0) {
    why = "rename to '" + path + "': " + ErrnoText(errno);
  }
  if (!why.empty()) {
    ::unlink(tmp.c_str());
    Append(err, "restoring '" + path + "': " + why);
    return false;
  }
  return true;
}

bool UserDb::Restore(std::string* err) const {
  if (!taken_) {
    Append(err, "no user database snapshot was taken");
    return false;
  }
  bool ok = true;
  for (const auto& f : files_) ok = RestoreFile(f, err) && ok;
  std::set<std::string> now;
  std::string why;
  if (!ListNames(home_dir_, &now, &why)) {
    Append(err, why);
    return false;
  }
  for (const auto& name : now) {
    if (homes_.count(name)) continue;
    why.clear();
    if (!RemoveTree(home_dir_ + "/" + name, &why)) {
      Append(err, "removing a home created since the start: " + why);
      ok = false;
    }
  }
  return ok;
}

}  // namespace ipc::probe
