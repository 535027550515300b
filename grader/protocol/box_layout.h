// Where a grading container may be written, shared by the three parties
// that must agree on it: the container runner mounts these folders
// writable over a read-only image, the probe puts them back before every
// box, and the checks judge a PATH by them (a folder a job can write is no
// place to look programs up).
#pragma once

#include <string>
#include <vector>

namespace ipc::protocol {

struct WritableMount {
  std::string path;
  // A volume that starts with the image's content (/etc holds the user
  // database a set-up's `useradd` changes); else an empty tmpfs.
  bool image_content = false;
};

// Mounted writable by the grader, besides the workdir (a tmpfs of its own).
inline const std::vector<WritableMount>& WritableMounts() {
  static const std::vector<WritableMount> mounts = {
      {"/etc", true}, {"/home", false}, {"/tmp", false}, {"/run", false}, {"/var/tmp", false}};
  return mounts;
}

// What the probe puts back before every box: the mounts above, and what
// the engine itself mounts writable (/dev and its shm and mqueue mounts).
inline std::vector<std::string> SystemDirs() {
  std::vector<std::string> dirs;
  for (const auto& m : WritableMounts()) dirs.push_back(m.path);
  for (const char* d : {"/dev", "/dev/shm", "/dev/mqueue"}) dirs.push_back(d);
  return dirs;
}

// Whether a step could write into `path` (so a program found there is not
// the image's): relative, or inside the workdir ("" = none) or a system
// folder.
inline bool WritableByStep(const std::string& path, const std::string& workdir) {
  if (path.empty() || path[0] != '/') return true;
  auto within = [&](const std::string& dir) {
    return path == dir || path.rfind(dir + "/", 0) == 0;
  };
  if (!workdir.empty() && within(workdir)) return true;
  for (const auto& d : SystemDirs()) {
    if (within(d)) return true;
  }
  return false;
}

}  // namespace ipc::protocol
