// Derived images: a base image plus a few files (the probe, reference
// binaries), named by a hash of their content so that identical requests
// share one image and a rebuild happens only when something changed.
#pragma once

#include <map>
#include <string>

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

}  // namespace ipc::container
