#include "fetch/git_handles.h"

#include <mutex>

#include "fetch/net_watch.h"

namespace ipc::fetch {

std::string EnsureLibgit2() {
  static std::once_flag once;
  static std::string failure;
  std::call_once(once, [] {
    if (git_libgit2_init() < 0) {
      failure = "libgit2 initialisation failed: " + LastGitError();
      return;
    }
    if (RegisterDeadlineStream() < 0) {
      failure = "cannot install the libgit2 socket stream: " + LastGitError();
    }
  });
  return failure;
}

std::string LastGitError(const char* fallback) {
  const git_error* e = git_error_last();
  return e != nullptr && e->message != nullptr ? e->message : fallback;
}

std::string OidHex(const git_oid* oid) {
  char buf[GIT_OID_HEXSZ + 1];
  git_oid_tostr(buf, sizeof(buf), oid);
  return buf;
}

}  // namespace ipc::fetch
