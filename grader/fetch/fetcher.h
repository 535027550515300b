// Fetching a student's repository with libgit2 and turning the graded
// revision into something the container can take.
//
// Nothing of the student's tree is ever written to the host file system:
// the tree at the graded commit is read from the object database and turned
// into an in-memory tar archive (symlinks stay symlinks, never followed),
// plus a listing the repository checks read. Sizes and counts are capped
// before anything is materialised.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace ipc::fetch {

struct Credentials {
  // Name of the environment variable that holds an HTTPS token (GitLab
  // personal/deploy token). The token itself never appears in any message.
  std::string token_env = "IPC_GRADER_TOKEN";
  std::string token_user = "oauth2";    // GitLab accepts any user with a token
  std::string ssh_key;                  // private key file; empty = ssh-agent
  std::string ssh_pubkey;               // optional
  std::string ssh_passphrase_env;       // env var holding the key passphrase
};

struct Caps {
  std::uint64_t max_blob_bytes = 8u << 20;     // a single file
  std::uint64_t max_total_bytes = 32u << 20;   // whole tree
  std::uint64_t max_entries = 5000;            // files + dirs + links
  int max_depth = 32;
  // Bytes received over the network in one fetch (the whole history, not
  // just the tree); 0 = unlimited. Stops a repository full of committed
  // videos from filling the cache disk before the tree caps can apply.
  std::uint64_t max_download_bytes = 512ull << 20;
};

enum class EntryType { kFile, kExecutable, kSymlink, kDir, kSubmodule };

struct TreeEntry {
  std::string path;        // relative, '/'-separated, as stored in git
  EntryType type = EntryType::kFile;
  std::uint64_t size = 0;  // blob size (link target length for symlinks)
};

// A ref candidate that names no ref but a rule: the newest tag whose name is
// not in the comma-separated list after the colon ("newest-tag-except:v1"),
// newest by the annotated tag's own date, else its commit's; ties go to the
// greater name. Rubrics write it as `ref: {newest_tag_except: [v1]}`.
inline constexpr const char* kNewestTagExcept = "newest-tag-except:";

struct Revision {
  std::string ref;          // the ref that matched, e.g. "final"
  // Why this ref was graded, for the result and the feedback: "the newest
  // tag other than v1", "no tag other than v1: the default branch".
  std::string why;
  std::string ref_kind;     // "tag", "branch", "commit" ("ref": other refs/...)
  std::string commit;       // full SHA
  std::int64_t commit_time = 0;               // committer time, unix seconds
  std::optional<std::int64_t> tag_time;       // annotated tag's tagger time
  std::string commit_summary;
};

// A snapshot of the graded tree, fully in memory.
struct Snapshot {
  Revision revision;
  std::vector<TreeEntry> entries;          // sorted by path
  std::vector<std::string> tags;           // every tag name in the repo
  std::map<std::string, std::int64_t> tag_times;  // tag -> tag or commit time
  std::vector<std::string> refused;        // entries dropped, with reasons
  std::string tar;                         // ustar archive of the tree

  // Contents of a regular file in the tree, if present and within caps.
  std::optional<std::string> ReadFile(const std::string& path) const;
  std::map<std::string, std::string> files;  // path -> contents (regular)
};

struct FetchRequest {
  std::string source;                // URL or local path, as the user gave it
  std::vector<std::string> refs;     // candidates, tried in order
  std::string cache_dir;             // where bare mirrors live
  Credentials credentials;
  Caps caps;
  double timeout_s = 120;            // whole fetch, every attempt included
  // Transport failures (kUnreachable: connection refused or reset, a pack
  // cut off mid-transfer) are retried, at most max_attempts attempts in all
  // and only while timeout_s lasts; the message of the last one says how
  // many were made. Authentication failures, missing repositories or refs
  // and exceeded caps are never retried: another attempt cannot change them.
  // The batch scheduler retries a whole student on top of this.
  int max_attempts = 3;
  double retry_backoff_s = 0.5;      // wait n * this before attempt n + 1
};

// Classification for the user and for retry decisions.
enum class FetchErrorKind {
  kUnreachable,     // network / server down: retryable
  kAuth,            // authentication refused
  kNotARepository,  // path exists but is no repo / 404
  kRefMissing,      // none of the candidate refs exist
  kTooLarge,        // caps exceeded
  kOther,
};

struct FetchError {
  FetchErrorKind kind = FetchErrorKind::kOther;
  std::string message;  // names the cause; never contains a token
};

class Fetcher {
 public:
  virtual ~Fetcher() = default;
  // Fills *out and returns true, or fills *err and returns false.
  virtual bool Fetch(const FetchRequest& req, Snapshot* out,
                     FetchError* err) = 0;
  // Snapshot of another ref of the same (already fetched) source, e.g. the
  // `v1` tag. Same contract.
  virtual bool Resolve(const FetchRequest& req, const std::string& ref,
                       Snapshot* out, FetchError* err) = 0;
};

// The libgit2 implementation. Thread-safe: one instance may serve several
// fetches at once (batch -j N); fetches of the same source serialise on a
// lock file in the cache, also across processes.
//  - refs: tried in order (see Revision); an empty list means {"HEAD"}, the
//    remote's default branch.
//  - Caps and what is dropped rather than failed: see fetch/snapshot.h.
//  - timeout_s bounds connecting and every network read (see
//    fetch/net_watch.h), not waiting for the cache lock.
//  - Resolve() reads the mirror without network; it fetches first only if
//    there is no mirror yet.
std::unique_ptr<Fetcher> MakeGitFetcher();

// Where the bare mirror of `source` lives under `cache_dir` (for messages
// and for cleaning the cache), or "" if the source cannot be parsed.
std::string MirrorPath(const std::string& cache_dir, const std::string& source);

// "alice" from "https://host/alice/project.git", "/x/alice" etc.
std::string StudentNameFromSource(const std::string& source);

// Source with any user:password@ removed, for messages and results.
// http(s)/git URLs lose all user info (a lone user may be a token); ssh URLs
// keep the user name and lose only a password. Local paths are unchanged.
std::string RedactSource(const std::string& source);

}  // namespace ipc::fetch
