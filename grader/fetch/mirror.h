// The per-source bare mirror in the cache directory: locking, creation, and
// bringing it up to date over the network. Internal to fetch/.
#pragma once

#include <string>

#include "fetch/fetcher.h"
#include "fetch/git_handles.h"
#include "fetch/source.h"

namespace ipc::fetch {

// <cache_dir>/<sha256(cache key)[:16]>-<safe student name>
std::string MirrorDir(const std::string& cache_dir, const Source& src);

// flock() on <mirror>.lock. Exclusive while the mirror is updated, shared
// while it is only read. flock locks belong to the open file description,
// so two threads of one process exclude each other too (each opens its own).
// Released when destroyed; the kernel releases it if the process dies, so a
// crashed grader never leaves the cache locked.
class CacheLock {
 public:
  CacheLock() = default;
  ~CacheLock();
  CacheLock(const CacheLock&) = delete;
  CacheLock& operator=(const CacheLock&) = delete;
  // Blocks until granted. False with *why (the lock path and errno text).
  bool Acquire(const std::string& path, bool exclusive, std::string* why);
  void Release();

 private:
  int fd_ = -1;
};

// Opens an existing mirror; nullptr if there is none (or it is unusable).
RepoPtr OpenMirror(const std::string& dir);

// A local source must exist and be a repository: checked before the
// cache is touched, with plainer messages than libgit2's local transport
// gives (kNotARepository naming the path and errno text).
bool CheckLocalSource(const Source& src, FetchError* err);

// Creates the mirror if needed and fetches every branch and tag into it
// (+refs/heads/*:refs/heads/*, +refs/tags/*:refs/tags/*, prune, all tags),
// then points the mirror's HEAD at the remote's default branch. The caller
// holds the exclusive lock. A mirror created by this call is removed again
// if the fetch fails. Error messages are NOT yet redacted.
bool UpdateMirror(const Source& src, const FetchRequest& req,
                  const std::string& dir, RepoPtr* repo, FetchError* err);

}  // namespace ipc::fetch
