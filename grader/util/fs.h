// Small file-system helpers for the grader's own files (reports, caches).
// Never used on anything a student controls.
#pragma once

#include <string>

namespace ipc {

// Replaces `path` with `data` so that a reader sees either the old or the new
// contents, never a mix, and the new contents survive a crash once this
// returns: writes a temporary file in the same directory (rename is only
// atomic within one file system), fsyncs it, renames it over `path`, then
// fsyncs the directory so the rename itself is durable. The file gets the old
// file's permission bits, or 0644 if there was none. On failure the
// temporary is removed, `path` is untouched, and ipc::Error names the path
// and the errno text (e.g. "No space left on device").
void WriteFileAtomic(const std::string& path, const std::string& data);

// Creates a fresh private (0700) directory and returns its path. A relative
// `prefix` goes under $TMPDIR (or /tmp); an absolute one is used as is.
// Six random characters are appended. Throws ipc::Error.
std::string MakeTempDir(const std::string& prefix);

}  // namespace ipc
