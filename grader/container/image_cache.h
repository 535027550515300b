// Derived images: a base image plus a few files (the probe, reference
// binaries), named by a hash of their content so that identical requests
// share one image and a rebuild happens only when something changed.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace ipc::container {

inline constexpr const char* kDerivedRepo = "ipc-grader/run";
inline constexpr unsigned kDerivedFileMode = 0755;
// Name prefix of the short-lived containers DeriveImage commits from; they
// carry no job label (a label would be committed into the image), so
// ReapLeftovers finds them by this name.
inline constexpr const char* kDeriveNamePrefix = "ipc-grader-derive-";

// First 16 hex digits of SHA-256 over the base image id and every
// (path, mode, bytes), length-prefixed so no two inputs collide by
// concatenation.
std::string DeriveHash(const std::string& base_id,
                       const std::map<std::string, std::string>& files_by_path);

// A tar stream to extract at "/": each absolute path becomes a relative
// entry, mode 0755. Throws ipc::Error for a path that is not absolute or
// has an empty, "." or ".." component.
std::string BuildDeriveTar(const std::map<std::string, std::string>& files_by_path);

// ---------------------------------------------------------------------------
// The engine's image table, listed once at start-up (`image ls`), so that
// resolving the grading image and its derived image needs no `image
// inspect` per name, and so that old derived images can be pruned.

struct ListedImage {
  std::string id;          // "sha256:<64 hex>" (docker, --no-trunc)
  std::string repository;  // as the engine prints it, e.g. "ipc-grader/run"
  std::string tag;         // "<none>" for an untagged image
};

// `image ls` for every image, one "<id>\t<repository>\t<tag>" line each.
std::vector<std::string> ImageListArgs();
// Lines that do not have three fields are skipped.
std::vector<ListedImage> ParseImageList(const std::string& text);

// The id the listing gives `reference` ("repo:tag", "repo" meaning
// "repo:latest", or a full image id), "" when the listing cannot say. Only
// a positive answer is trusted: a name docker would normalise differently
// (docker.io/library/..., a digest) is not found here but may well exist,
// so "" means "ask the engine".
std::string LookUpListed(const std::vector<ListedImage>& images, const std::string& reference);

// True for kDerivedRepo as docker ("ipc-grader/run") or podman
// ("localhost/ipc-grader/run") prints it.
bool IsDerivedRepository(const std::string& repository);

// Which derived tags (repository:tag as listed) to remove when `keep_tags`
// (bare tags, e.g. the hash of the run's image) are in use: every other
// tag of kDerivedRepo that starts with `tag_prefix`, except those on the
// same image as a kept one (removing an alias frees nothing). Never a tag
// of another repository. `docker rmi` without -f refuses those a
// container uses (that is the guard: the caller ignores the failure).
std::vector<std::string> PruneCandidates(const std::vector<ListedImage>& images,
                                         const std::vector<std::string>& keep_tags,
                                         const std::string& tag_prefix);

// Whether an engine's error text says the image does not exist (docker's
// and podman's wordings).
bool SaysNoSuchImage(std::string text);

}  // namespace ipc::container
