// Private copies of the workdir for steps that mutate it (sandbox: NAME).
//
// They live under /srv/ipc-sandbox, not /tmp: the grader may mount /tmp as
// a small tmpfs, and Docker's --tmpfs is noexec by default, so a program
// built in a sandbox copy could not run there. /srv is on the container's
// writable layer like the workdir itself.
#pragma once

#include <map>
#include <string>

#include "util/tar.h"

namespace ipc::probe {

inline constexpr const char* kSandboxRoot = "/srv/ipc-sandbox";

// Makes `root`/`name` a fresh copy of `workdir` (replacing an older copy of
// that name), as `cp -a` would (fs_ops.h CopyTree: owners, modes, times,
// symlinks, hard links and FIFOs come along). `root` is created 0755: like the workdir it must be
// traversable by other users (su - garfield -c "python $PWD/cat.py").
// Returns the copy's path, or "" with *err set.
std::string MakeSandbox(const std::string& workdir, const std::string& root,
                        const std::string& name, std::string* err);

// The trees the probe got on stdin, kept in its own memory for the whole
// run: what a student step does to the file system cannot change them.
struct Trees {
  std::string main;                           // the submission
  std::map<std::string, std::string> extra;   // Plan::extra_trees name -> tar
};

struct SandboxPaths {
  std::string root = kSandboxRoot;
  // Copies of the workdir kept for retries of sandboxes made from it.
  std::string template_root = std::string(kSandboxRoot) + "-templates";
  tar::ExtractLimits limits;
};

// Makes the plan's sandboxes from their sources (Step::sandbox_from) and
// makes them again, fresh, for a retry. Make runs on one thread (at the
// start of a group); Remake may run on several at once, each for its own
// sandbox (a retried step's sandbox is not shared).
class SandboxMaker {
 public:
  SandboxMaker(std::string workdir, const Trees* trees, SandboxPaths paths)
      : workdir_(std::move(workdir)), trees_(trees), paths_(std::move(paths)) {}

  // root/name from `from`: "" copies the workdir as it is now (CopyTree);
  // "pristine" and "tree:NAME" extract that tar from memory into a new,
  // empty directory. With `for_retries` and from "", the workdir's state is
  // also copied aside, so that every retry starts from that same state.
  // Returns the path, or "" with *err.
  std::string Make(const std::string& name, const std::string& from, bool for_retries,
                   std::string* err);
  // The same sandbox made afresh from the source Make used.
  std::string Remake(const std::string& name, std::string* err) const;

 private:
  std::string Build(const std::string& name, const std::string& from,
                    const std::string& copy_of, std::string* err) const;

  std::string workdir_;
  const Trees* trees_;
  SandboxPaths paths_;
  std::map<std::string, std::string> from_;       // name -> sandbox_from
  std::map<std::string, std::string> template_;   // name -> saved copy ("" from only)
};

// mkdir -p with `mode` for the directories it creates. False with *err.
bool MakeDirs(const std::string& path, unsigned mode, std::string* err);

}  // namespace ipc::probe
