// Turning the tree of one commit into a Snapshot: listing, file contents
// and the tar for the container, all in memory. Internal to fetch/.
#pragma once

#include <git2.h>

#include <string>

#include "fetch/fetcher.h"

namespace ipc::fetch {

// Fills out->entries, files, tar and refused from the tree of `commit`.
// Caps are checked on sizes from object headers before any content is
// read. Policy:
//   - more than max_entries entries (hostile ones included), deeper than
//     max_depth, or more than max_total_bytes of blobs that would be fetched:
//     the whole snapshot fails with kTooLarge naming the path and the cap;
//   - one blob over max_blob_bytes: listed in `entries` (a repository check
//     may want to see that a 50 MB binary was committed) and in `refused`,
//     but absent from `files` and from the tar, and not counted in the total.
//     A stray core dump should cost the student that file, not the grade;
//   - gitlinks (submodules): kSubmodule entry, empty directory in the tar
//     (as a non-recursive clone leaves it), and a `refused` line;
//   - names git itself would never write (empty, ".", "..", ".git" in any
//     case, containing '/'): not listed, only in `refused`.
bool BuildSnapshot(git_repository* repo, const git_oid& commit,
                   std::int64_t mtime, const Caps& caps, Snapshot* out,
                   FetchError* err);

}  // namespace ipc::fetch
