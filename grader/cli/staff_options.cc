#include "cli/staff_options.h"

#include <filesystem>
#include <iostream>

namespace ipc::cli {

std::string AdjustmentsPath(const StaffOptions& o, const std::string& out_dir) {
  return o.adjustments.empty() ? (std::filesystem::path(out_dir) / "adjustments.yaml").string()
                               : o.adjustments;
}

std::string ExtensionsPath(const StaffOptions& o, const std::string& out_dir) {
  return o.extensions.empty() ? (std::filesystem::path(out_dir) / "extensions.csv").string()
                              : o.extensions;
}

std::shared_ptr<const staff::StaffChanges> InstallStaffChanges(const StaffOptions& o,
                                                               const std::string& out_dir,
                                                               pipeline::Environment* env) {
  auto changes = std::make_shared<const staff::StaffChanges>(
      env->rubric, staff::LoadAdjustments(AdjustmentsPath(o, out_dir)),
      staff::LoadExtensions(ExtensionsPath(o, out_dir)));
  for (const auto& p : changes->adjustments().problems) std::cerr << "grader: " << p << "\n";
  for (const auto& p : changes->extensions().problems) std::cerr << "grader: " << p << "\n";
  env->staff_apply = [changes](report::Result* r) { changes->Apply(r); };
  env->staff_why_stale = [changes](const report::Result& r) { return changes->WhyStale(r); };
  return changes;
}

}  // namespace ipc::cli
