// File-system operations the probe does itself, in C++, instead of through
// the image's rm/cp: student steps run as root and could have replaced
// those programs (or planted symlinks) before the probe needs them to make
// a pristine tree, reset the user database or restore the workdir.
// Nothing here follows a symlink.
#pragma once

#include <string>
#include <vector>

#include "protocol/probe_protocol.h"
#include "util/tar.h"

namespace ipc::probe {

// Removes `path` (a file, a symlink, or a directory and everything in it)
// without following any symlink inside. A missing path is success. Needs
// one descriptor per directory level. False with *err.
bool RemoveTree(const std::string& path, std::string* err);

// Makes `dest` a new, empty directory (mode 0755, removing what was there)
// and extracts `archive` into it with tar::Extract's symlink-safe rules.
bool ExtractFresh(const std::string& archive, const std::string& dest,
                  const tar::ExtractLimits& limits, std::string* err);

// Writes every overlay file below `dir`, replacing a file or symlink of
// that name (the link itself, never its target), creating missing parent
// directories (0755), refusing to write through a symlinked parent. The
// mtime is now: an overlay replaces a built program (`listener`), and an
// old mtime would make `make` rebuild it over the overlay.
bool WriteOverlay(const std::string& dir, const std::vector<protocol::FileOverlay>& files,
                  std::string* err);

}  // namespace ipc::probe
