// at_workdir: a step's sandbox put at the workdir's own path (/root) while
// the step runs, because student scripts hard-code it (`python
// /root/cat.py`). Two renames in, two renames back; the workdir is moved
// aside to a sibling path (same file system, so rename works).
//
// Docker's overlayfs (without redirect_dir, the default here) refuses to
// rename a directory that comes from the image's layers: EXDEV (mv hides
// it by copying). /root is one. So before anything runs, a plan with
// at_workdir steps gets a workdir made in the container's own layer:
// MakeWorkdirRenamable.
//
// Only for steps that run alone (no other step sees the workdir missing),
// and only after the sweep (a process left by the step must not keep
// writing into what becomes the workdir again).
#pragma once

#include <string>

namespace ipc::probe {

// Replaces `workdir` by a copy of itself made in the writable layer (a copy
// as `cp -a` makes, to a sibling; remove the original; rename the copy in),
// so that it can be renamed later. A missing workdir is created.
bool MakeWorkdirRenamable(const std::string& workdir, std::string* err);

class WorkdirSwap {
 public:
  WorkdirSwap(std::string workdir, std::string sandbox);
  WorkdirSwap(const WorkdirSwap&) = delete;
  WorkdirSwap& operator=(const WorkdirSwap&) = delete;
  // Leaves if still entered, whatever happened in between.
  ~WorkdirSwap();

  // Workdir aside, sandbox in. On failure nothing is left moved.
  bool Enter(std::string* err);
  // Sandbox back to its path, workdir back to its own. Whatever the step
  // did to either path (removed it, planted a file or symlink there), the
  // workdir gets its path back: what occupies it is removed. False with
  // *err when something could not be put back.
  bool Leave(std::string* err);

  const std::string& aside() const { return aside_; }

 private:
  std::string workdir_, sandbox_, aside_;
  bool entered_ = false;
};

}  // namespace ipc::probe
