// The grader's own programs in the image (/opt/ipc-grader: probe, ref-cat,
// ref-listener) kept safe from student steps, which run as root and could
// overwrite them before a later reference step runs.
//
// At probe start, before any step, every regular file directly in the
// tools directory is read into a memfd sealed against any change
// (F_SEAL_WRITE | SHRINK | GROW | SEAL: not even root can alter it). Then:
//  - a step whose program is one of those paths runs from the memfd
//    (execveat AT_EMPTY_PATH), not from the file system;
//  - before each group the files are rewritten from the memfds, so a
//    student script that runs a tool by path (a shim, e.g. test_adequacy's
//    seeded mutants) also gets the real one.
//
// Exec from a memfd changes what the program sees of itself:
// /proc/self/exe reads "/memfd:ref-cat (deleted)" (it still opens: the
// memfd lives as long as the process), and the kernel names the process
// after the descriptor (comm is the fd number, or "memfd:ref-cat" on
// kernels with the 6.14 execveat comm fix), not "ref-cat". The reference
// tools are static and never look at either; argv[0] stays the path.
// Only ELF files run this way: a "#!" script executed from a close-on-exec
// descriptor gives its interpreter a /dev/fd path that no longer exists.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "probe/fd.h"

namespace ipc::probe {

class SealedTools {
 public:
  // Seals every regular file directly in `dir` (symlinks and directories
  // are left out). A missing `dir` seals nothing and is not an error (the
  // probe run by hand, tests). False with *err on a read or seal failure.
  bool Seal(const std::string& dir, std::string* err);

  // Rewrites each sealed file whose path no longer holds the same inode as
  // after the last restore (a new file is written beside it and renamed
  // over whatever is there, symlink or not, so nothing is followed and a
  // running program's inode is never written to). Recreates the directory
  // if it was removed or replaced. False with *err (every file is still
  // tried).
  bool Restore(std::string* err);

  // The sealed memfd to exec for an absolute program path, or -1.
  int ExecFd(const std::string& path) const;

  std::size_t size() const { return tools_.size(); }

 private:
  struct Tool {
    std::string name;
    UniqueFd memfd;
    std::size_t size = 0;
    mode_t mode = 0;
    uid_t uid = 0;
    gid_t gid = 0;
    bool exec_from_memfd = false;
    // The file as the probe last left it: unchanged while these match.
    dev_t dev = 0;
    ino_t ino = 0;
    struct timespec ctime {};
  };
  bool Unchanged(int dir_fd, const Tool& t) const;
  bool Rewrite(int dir_fd, Tool& t, std::string* err);

  std::string dir_;
  std::vector<Tool> tools_;
};

}  // namespace ipc::probe
