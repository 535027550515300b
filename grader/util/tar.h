// The tar dialect spoken between the grader and the probe: POSIX ustar with
// pax extended headers for long names and link targets. The grader writes
// it from git objects (fetch/), the probe reads it inside the container.
// Only regular files, directories and symlinks exist in this dialect.
//
// tar.cc and tar_parse.cc depend on nothing but libc and libstdc++ and
// report errors by return value: the probe links them (target ipc_tar) into a static binary that
// runs inside the grading image.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ipc::tar {

class Writer {
 public:
  // mode: permission bits (0644, 0755 ...). Paths are relative, '/'-separated
  // and contain no NUL (the caller validates; git names cannot hold NUL).
  void AddFile(const std::string& path, const std::string& data, unsigned mode);
  void AddDir(const std::string& path, unsigned mode);
  void AddSymlink(const std::string& path, const std::string& target);
  // Appends the two zero blocks and returns the archive.
  std::string Finish();
  std::uint64_t size() const { return out_.size(); }

  // Modification time stamped on every later entry (unix seconds; default
  // 0). The fetcher uses the commit time so archives are reproducible.
  // Times before 1970 or after 2242 (more than 11 octal digits) travel in a
  // pax "mtime" record, as GNU tar writes them.
  void set_mtime(std::int64_t mtime) { mtime_ = mtime; }

 private:
  void Header(const std::string& path, char type, std::uint64_t size,
              unsigned mode, const std::string& link);
  std::string out_;
  std::int64_t mtime_ = 0;
};

struct ExtractLimits {
  std::uint64_t max_total_bytes = 256ull << 20;
  std::uint64_t max_entries = 100000;
};

// Extracts `archive` below `dest` (which must exist). Refuses absolute
// paths, ".." components, and any write through a symlink created earlier
// (openat with O_NOFOLLOW at every component). Returns false with *err set.
// Owner is the caller; modes are taken from the archive (masked to 0777:
// no setuid/setgid/sticky), mtimes too (files and symlinks).
// A later entry for the same path replaces a file or symlink (as tar does),
// never a directory. Missing parent directories are created 0755.
bool Extract(const std::string& archive, const std::string& dest,
             const ExtractLimits& limits, std::string* err);

// One archive member as List() reports it.
struct Member {
  enum class Type { kFile, kDir, kSymlink };
  std::string path;  // as stored (pax path if present), no trailing '/'
  Type type = Type::kFile;
  unsigned mode = 0;
  std::uint64_t size = 0;  // data bytes (0 for dirs and symlinks)
  std::string link;        // symlink target
  std::int64_t mtime = 0;
};

// Parses the archive without touching the file system (same validation of
// headers, checksums and types as Extract, but no path policy).
bool List(const std::string& archive, std::vector<Member>* out,
          std::string* err);

}  // namespace ipc::tar
