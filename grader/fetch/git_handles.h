// RAII for libgit2 handles and the one-time library set-up. Internal to
// fetch/.
#pragma once

#include <git2.h>

#include <memory>
#include <string>

namespace ipc::fetch {

template <typename T, void (*Free)(T*)>
struct GitDeleter {
  void operator()(T* p) const { Free(p); }
};

template <typename T, void (*Free)(T*)>
using GitPtr = std::unique_ptr<T, GitDeleter<T, Free>>;

using RepoPtr = GitPtr<git_repository, git_repository_free>;
using RemotePtr = GitPtr<git_remote, git_remote_free>;
using ObjectPtr = GitPtr<git_object, git_object_free>;
using CommitPtr = GitPtr<git_commit, git_commit_free>;
using TreePtr = GitPtr<git_tree, git_tree_free>;
using BlobPtr = GitPtr<git_blob, git_blob_free>;
using TagPtr = GitPtr<git_tag, git_tag_free>;
using RefPtr = GitPtr<git_reference, git_reference_free>;
using OdbPtr = GitPtr<git_odb, git_odb_free>;
using ConfigPtr = GitPtr<git_config, git_config_free>;
using BranchIterPtr = GitPtr<git_branch_iterator, git_branch_iterator_free>;

// A git_buf that frees itself.
struct GitBuf {
  git_buf buf = GIT_BUF_INIT;
  GitBuf() = default;
  GitBuf(const GitBuf&) = delete;
  GitBuf& operator=(const GitBuf&) = delete;
  ~GitBuf() { git_buf_dispose(&buf); }
  std::string str() const {
    return buf.ptr ? std::string(buf.ptr, buf.size) : "";
  }
};

// git_libgit2_init() once per process (thread-safe through std::call_once)
// plus the deadline-aware socket stream (see net_watch.h). Never shut down:
// fetches may run on any thread until exit. Returns "" or why it failed.
std::string EnsureLibgit2();

// Text of the calling thread's last libgit2 error (libgit2 keeps it per
// thread), or `fallback` if there is none. NOT redacted: callers pass it
// through a Redactor.
std::string LastGitError(const char* fallback = "unknown libgit2 error");

// Lowercase hex of an object id.
std::string OidHex(const git_oid* oid);

}  // namespace ipc::fetch
