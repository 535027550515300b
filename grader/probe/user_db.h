// The user database as it was when the probe started, for fresh_users
// steps: several checks run the assignment's `adduser garfield`, which
// fails when garfield already exists (made by an earlier step).
//
// Kept: /etc/passwd, group, shadow, gshadow (what the spec names) and
// subuid, subgid (adduser on bookworm appends garfield's subordinate ids
// there; leaving them would make the nth run's ranges differ), each with
// its owner and mode, or the fact that it did not exist; and the names in
// /home. Restoring rewrites the files (a new file renamed over the old
// one, so a symlink planted there is replaced, not followed), removes
// stale shadow-utils lock files (`passwd.lock`: an adduser killed by a
// timeout leaves them, and the next adduser would refuse to run), and
// removes every /home entry that was not there at the start.
#pragma once

#include <sys/types.h>

#include <optional>
#include <set>
#include <string>
#include <vector>

namespace ipc::probe {

class UserDb {
 public:
  // Reads the state now. Missing files are remembered as missing.
  bool Snapshot(const std::string& etc_dir, const std::string& home_dir, std::string* err);
  // Puts that state back. False with *err (everything is still tried).
  bool Restore(std::string* err) const;

  static const std::vector<std::string>& FileNames();

 private:
  struct File {
    std::string name;
    std::optional<std::string> content;  // nullopt: did not exist
    mode_t mode = 0644;
    uid_t uid = 0;
    gid_t gid = 0;
  };
  bool RestoreFile(const File& f, std::string* err) const;

  std::string etc_dir_, home_dir_;
  std::vector<File> files_;
  std::set<std::string> homes_;
  bool taken_ = false;
};

}  // namespace ipc::probe
