// The writable state of the container, as trees the probe holds in its own
// memory, and putting a folder back to such a tree.
//
// The grading container's image is read-only except for a few folders (the
// workdir, /etc, /home, /tmp, /run, /dev and its mounts). Before every box
// the probe makes each of them hold exactly what it should: the state it
// read when it started, before any step ran (the image's), or the tree the
// box starts from. A student step, running as root, can write anything in
// those folders; nothing of it survives into the next box.
//
// Putting back is a diff, so it costs little when a step changed little:
// after it writes an entry, the keeper remembers the entry's inode and
// ctime. The kernel moves ctime forward on every change to an inode
// (content, mode, owner, links, times), and nobody in the container may
// set the clock, so an entry whose inode and ctime are as remembered still
// holds what the keeper wrote, and is left alone. Everything else is
// removed and written anew, by descriptors and never through a symlink.
// Entries on another file system (a mount point inside, such as /dev/pts)
// are neither read nor touched.
//
// Not kept: extended attributes, ACLs, access times, hard links (each
// name becomes its own file), sockets.
#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <cstdint>
#include <ctime>
#include <map>
#include <memory>
#include <string>

#include "util/tar.h"

namespace ipc::probe {

struct StateEntry {
  enum class Type { kFile, kDir, kSymlink, kFifo, kChar, kBlock };
  Type type = Type::kFile;
  mode_t mode = 0;  // permission bits, setuid/setgid/sticky included
  uid_t uid = 0;
  gid_t gid = 0;
  struct timespec mtime {};
  std::shared_ptr<const std::string> content;  // kFile
  std::string target;                          // kSymlink
  dev_t rdev = 0;                              // kChar, kBlock

  bool SameAs(const StateEntry& o) const;
};

// One folder's tree: path relative to the folder ("" is the folder itself)
// -> entry. A std::map orders a parent before everything below it.
using DirState = std::map<std::string, StateEntry>;

struct StateLimits {
  std::uint64_t max_bytes = 256ull << 20;
  std::uint64_t max_entries = 100000;
};

// The tree of a tar archive as the folder's contents, owned by uid/gid,
// with the archive's modes (masked to 0777) and mtimes; the folder itself
// gets `dir_mode`. Refuses what tar::Extract refuses: absolute paths, ".."
// and "." components, an entry below a symlink, a file or symlink replaced
// by a directory or the reverse, and more than `limits`. False with *err.
bool StateFromTar(const std::string& archive, mode_t dir_mode, uid_t uid, gid_t gid,
                  const StateLimits& limits, DirState* out, std::string* err);

class StateKeeper {
 public:
  // Reads `dir` as it is now, without following any symlink. False with
  // *err when it cannot be read or is larger than `limits` (a step that
  // filled the workdir with a gigabyte is the step's failure to save).
  bool Capture(const std::string& dir, const StateLimits& limits, DirState* out,
               std::string* err);

  // Makes `dir` hold exactly `want` ("" entry: the folder's own mode,
  // owner and time). Everything is tried; false with *err (the first
  // failure) if anything could not be put back. Device nodes need
  // CAP_MKNOD.
  bool Restore(const std::string& dir, const DirState& want, std::string* err);

 private:
  struct Known {
    dev_t dev = 0;
    ino_t ino = 0;
    struct timespec ctime {};
    StateEntry entry;
  };
  void Remember(const std::string& dir, const std::string& path, const struct stat& st,
                const StateEntry& entry);
  std::map<std::string, std::map<std::string, Known>> known_;  // dir -> path -> last written
};

}  // namespace ipc::probe
