#include "probe/workdir_swap.h"

#include <cstdio>
#include <sys/stat.h>

#include <cerrno>

#include "probe/fd.h"
#include "probe/fs_ops.h"
#include "probe/sandbox.h"

namespace ipc::probe {
namespace {

std::string RenameError(const std::string& from, const std::string& to, int err) {
  std::string why = "cannot move '" + from + "' to '" + to + "': " + ErrnoText(err);
  if (err == EXDEV) {
    why += " (a directory of the image's layers: overlayfs cannot rename it; see "
           "MakeWorkdirRenamable)";
  }
  return why;
}

// rename(from, to), replacing whatever is at `to` (file, symlink, or a
// directory, which rename only replaces when empty).
bool RenameOver(const std::string& from, const std::string& to, std::string* err) {
  if (::rename(from.c_str(), to.c_str()) == 0) return true;
  if (errno != EEXIST && errno != ENOTEMPTY && errno != ENOTDIR && errno != EISDIR) {
    *err = RenameError(from, to, errno);
    return false;
  }
  if (!RemoveTree(to, err)) return false;
  if (::rename(from.c_str(), to.c_str()) != 0) {
    *err = RenameError(from, to, errno);
    return false;
  }
  return true;
}

void Append(std::string* err, const std::string& what) {
  *err += (err->empty() ? "" : "; ") + what;
}

}  // namespace

bool MakeWorkdirRenamable(const std::string& workdir, std::string* err) {
  const std::string copy = workdir + ".ipc-copy";
  if (!RemoveTree(copy, err)) return false;
  struct stat st {};
  if (::lstat(workdir.c_str(), &st) != 0) return MakeDirs(workdir, 0755, err);
  if (std::string why; !CopyTree(workdir, copy, &why)) {
    *err = "copying '" + workdir + "' into the writable layer: " + why;
    return false;
  }
  if (!RemoveTree(workdir, err)) return false;
  if (::rename(copy.c_str(), workdir.c_str()) != 0) {
    *err = RenameError(copy, workdir, errno);
    return false;
  }
  return true;
}

WorkdirSwap::WorkdirSwap(std::string workdir, std::string sandbox)
    : workdir_(std::move(workdir)), sandbox_(std::move(sandbox)), aside_(workdir_ + ".ipc-aside") {}

WorkdirSwap::~WorkdirSwap() {
  std::string ignored;
  if (entered_) Leave(&ignored);
}

bool WorkdirSwap::Enter(std::string* err) {
  // A leftover of a probe that died mid-step cannot exist (one probe per
  // container), but a student may have made one: it is not ours to keep.
  if (!RemoveTree(aside_, err)) return false;
  if (::rename(workdir_.c_str(), aside_.c_str()) != 0) {
    *err = RenameError(workdir_, aside_, errno);
    return false;
  }
  if (::rename(sandbox_.c_str(), workdir_.c_str()) != 0) {
    *err = RenameError(sandbox_, workdir_, errno);
    if (::rename(aside_.c_str(), workdir_.c_str()) != 0) {
      Append(err, "and moving it back failed: " + RenameError(aside_, workdir_, errno));
    }
    return false;
  }
  entered_ = true;
  return true;
}

bool WorkdirSwap::Leave(std::string* err) {
  if (!entered_) return true;
  entered_ = false;
  bool ok = true;
  struct stat st {};
  std::string why;
  if (::lstat(workdir_.c_str(), &st) != 0) {
    Append(err, "the step removed '" + workdir_ + "' (its sandbox)");
    ok = false;
  } else if (!RenameOver(workdir_, sandbox_, &why)) {
    Append(err, why);
    ok = false;
    // Still in the way of the workdir: it goes.
    why.clear();
    if (!RemoveTree(workdir_, &why)) Append(err, why);
  }
  why.clear();
  if (!RenameOver(aside_, workdir_, &why)) {
    Append(err, "the workdir could not be put back: " + why);
    ok = false;
  }
  return ok;
}

}  // namespace ipc::probe
