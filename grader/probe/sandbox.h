// Private copies of the workdir for steps that mutate it (sandbox: NAME).
//
// They live under /srv/ipc-sandbox, not /tmp: the grader may mount /tmp as
// a small tmpfs, and Docker's --tmpfs is noexec by default, so a program
// built in a sandbox copy could not run there. /srv is on the container's
// writable layer like the workdir itself.
#pragma once

#include <string>

namespace ipc::probe {

inline constexpr const char* kSandboxRoot = "/srv/ipc-sandbox";

// Makes `root`/`name` a fresh copy of `workdir` (replacing an older copy of
// that name), with the image's `cp -a` so owners, modes, symlinks and FIFOs
// come along. `root` is created 0755: like the workdir it must be
// traversable by other users (su - garfield -c "python $PWD/cat.py").
// Returns the copy's path, or "" with *err set.
std::string MakeSandbox(const std::string& workdir, const std::string& root,
                        const std::string& name, const std::string& private_dir, std::string* err);

// mkdir -p with `mode` for the directories it creates. False with *err.
bool MakeDirs(const std::string& path, unsigned mode, std::string* err);

}  // namespace ipc::probe
