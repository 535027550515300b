// dd_insight: is the assignment's distrustful decomposition protection real
// (the kernel refuses the user, e.g. alice: EACCES) or an accident of `su -`
// moving the working directory to alice's home (ENOENT)? (dd_insight.cc)
#pragma once

#include <memory>

#include "checks/check_type.h"

namespace ipc::checks {

std::unique_ptr<CheckType> MakeDdInsightType();

}  // namespace ipc::checks
