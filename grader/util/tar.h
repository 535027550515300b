// The tar dialect spoken between the grader and the probe: POSIX ustar with
// pax extended headers for long names and link targets. The grader writes
// it from git objects (fetch/), the probe reads it inside the container.
// Only regular files, directories and symlinks exist in this dialect.
#pragma once

#include <cstdint>
#include <string>

namespace ipc::tar {

class Writer {
 public:
  // mode: permission bits (0644, 0755 ...). Paths are relative, '/'-separated.
  void AddFile(const std::string& path, const std::string& data, unsigned mode);
  void AddDir(const std::string& path, unsigned mode);
  void AddSymlink(const std::string& path, const std::string& target);
  // Appends the two zero blocks and returns the archive.
  std::string Finish();
  std::uint64_t size() const { return out_.size(); }

 private:
  void Header(const std::string& path, char type, std::uint64_t size,
              unsigned mode, const std::string& link);
  std::string out_;
};

struct ExtractLimits {
  std::uint64_t max_total_bytes = 256ull << 20;
  std::uint64_t max_entries = 100000;
};

// Extracts `archive` below `dest` (which must exist). Refuses absolute
// paths, ".." components, and any write through a symlink created earlier
// (openat with O_NOFOLLOW at every component). Returns false with *err set.
// Owner is the caller; modes are taken from the archive.
bool Extract(const std::string& archive, const std::string& dest,
             const ExtractLimits& limits, std::string* err);

}  // namespace ipc::tar
