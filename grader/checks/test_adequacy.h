// test_adequacy: a check type that judges the student's own test scripts:
// each runs against a correct stand-in for the program it tests and
// against seeded faulty versions of it (test_adequacy.cc). Registered in
// registry.cc.
#pragma once

#include <memory>

#include "checks/check_type.h"

namespace ipc::checks {

std::unique_ptr<CheckType> MakeTestAdequacyType();

}  // namespace ipc::checks
