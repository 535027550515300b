// The staff files grade and batch read (grader/staff/): where they are, and
// hooking them into a session's environment.
#pragma once

#include <memory>
#include <string>

#include "pipeline/grade.h"
#include "staff/staff_changes.h"

namespace CLI {
class App;
}

namespace ipc::cli {

struct StaffOptions {
  std::string adjustments;  // default: OUT/adjustments.yaml
  std::string extensions;   // default: OUT/extensions.csv
};

// Adds the options to `cmd`, filling `o` (commands.cc).
void AddStaffOptions(CLI::App* cmd, StaffOptions* o);

// Both files default to the output folder: the staff files live with the
// results they change (and `grader adjust --out DIR` finds them there).
std::string AdjustmentsPath(const StaffOptions& o, const std::string& out_dir);
std::string ExtensionsPath(const StaffOptions& o, const std::string& out_dir);

// Loads both files (a missing one is empty), reports their skipped rows on
// stderr, and sets env->staff_apply / staff_why_stale. The returned object
// must outlive the grading.
std::shared_ptr<const staff::StaffChanges> InstallStaffChanges(const StaffOptions& o,
                                                               const std::string& out_dir,
                                                               pipeline::Environment* env);

}  // namespace ipc::cli
