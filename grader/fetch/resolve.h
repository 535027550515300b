// Which commit a list of candidate refs names, and what tags exist.
// Internal to fetch/.
#pragma once

#include <git2.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "fetch/fetcher.h"

namespace ipc::fetch {

// The first candidate that names a commit wins. Each candidate may be
// "HEAD" (the remote's default branch), a full refname ("refs/..."), a tag
// name, a branch name (tags first when both exist, as git rev-parse does),
// or a full or abbreviated (>= 4 hex digits) commit id. On failure:
// kRefMissing, the message lists the candidates and what does exist.
// `where` (the redacted source) only goes into messages.
bool ResolveRevision(git_repository* repo,
                     const std::vector<std::string>& candidates,
                     const std::string& where, Revision* out, FetchError* err);

// Every tag name (sorted) and its time: the tagger time of an annotated tag,
// else the committer time of the commit it points to. Tags that peel to no
// commit (a tagged blob) are listed but have no time.
void ListTags(git_repository* repo, std::vector<std::string>* tags,
              std::map<std::string, std::int64_t>* times);

}  // namespace ipc::fetch
