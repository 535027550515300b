// File-system operations the probe does itself, in C++, instead of through
// the image's programs: student steps run as root and plant symlinks where
// the probe will write. Nothing here follows a symlink.
#pragma once

#include <string>
#include <vector>

#include "protocol/probe_protocol.h"
#include "util/tar.h"

namespace ipc::probe {

// mkdir -p with `mode` for the directories it creates. False with *err.
bool MakeDirs(const std::string& path, unsigned mode, std::string* err);

// The names in the directory open at `dir`, without "." and "..". `where`
// is its path, for messages.
bool ListNames(int dir, const std::string& where, std::vector<std::string>* names,
               std::string* err);

// Removes the entry `name` of the directory open at `parent` (and all below
// it), never following a symlink; a missing entry is success. `where` is
// its path, for messages.
bool RemoveAt(int parent, const std::string& name, const std::string& where, std::string* err);

// Removes `path` (a file, a symlink, or a directory and everything in it)
// without following any symlink inside. A missing path is success. Needs
// one descriptor per directory level. False with *err.
bool RemoveTree(const std::string& path, std::string* err);

// Whether anything (a file, a folder, a symlink, or a non-folder in place
// of one of its parent folders) is at `path` below `dir`; no symlink is
// followed.
bool PathTaken(const std::string& dir, const std::string& path);

// Writes every overlay file below `dir` (an if_missing one only where
// PathTaken says nothing is), replacing a file or symlink of
// that name (the link itself, never its target), creating missing parent
// directories (0755), refusing to write through a symlinked parent. The
// mtime is now: an overlay replaces a built program (`prog`), and an
// old mtime would make `make` rebuild it over the overlay.
bool WriteOverlay(const std::string& dir, const std::vector<protocol::FileOverlay>& files,
                  std::string* err);

}  // namespace ipc::probe
