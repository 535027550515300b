// test_adequacy: a check type that judges the student's own test scripts:
// each runs against the reference program and against seeded faulty
// versions of it (test_adequacy.cc). Registered in registry.cc.
#pragma once

#include <memory>

#include "checks/check_type.h"

namespace ipc::checks {

std::unique_ptr<CheckType> MakeTestAdequacyType();

// The group test_adequacy's and dd_insight's steps run in: after the build
// (group 0), the signal and set-up steps (1) and stdin_cases' cases (2).
// Their steps run alone and reset the user database (fresh_users); in group
// 1 or 2 that would delete, or collide with, the garfield that dd_matrix's
// set-up creates in group 1 for its cases in group 2.
inline constexpr int kAfterCasesGroup = 3;

}  // namespace ipc::checks
