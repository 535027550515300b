// Factories for every check type. registry.cc lists them; a new type is one
// new file here plus one line there.
#pragma once

#include <memory>

#include "checks/check_type.h"

namespace ipc::checks {

std::unique_ptr<CheckType> MakeFilesPresentType();
std::unique_ptr<CheckType> MakeCommandType();
std::unique_ptr<CheckType> MakeSignalType();
std::unique_ptr<CheckType> MakeStdinCasesType();
std::unique_ptr<CheckType> MakeGitignoreType();
std::unique_ptr<CheckType> MakeNotCommittedType();
std::unique_ptr<CheckType> MakeFileContentsType();
std::unique_ptr<CheckType> MakeTagsType();

}  // namespace ipc::checks
