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

// Copies the directory `from` to `to` (which must not exist) as `cp -a`
// does: every entry's type, permission bits (setuid, setgid, sticky too),
// owner, group, access and modification times; symlinks as links, never
// followed; files linked more than once inside the tree as hard links;
// FIFOs, sockets and device nodes made anew (a device node needs
// CAP_MKNOD, as for cp). Extended attributes are not copied. The image's cp
// is not used: a student step, as root, could have replaced it. Stops at the
// first failure, with *err.
bool CopyTree(const std::string& from, const std::string& to, std::string* err);

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
