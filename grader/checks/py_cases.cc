#include "checks/py_cases.h"

#include <filesystem>
#include <regex>

namespace ipc::checks {
namespace {

constexpr std::string_view kHarness =
#include "py_cases.inc"
    ;

}  // namespace

std::string_view PyCasesHarness() { return kHarness; }

std::optional<std::vector<std::string>> PyCasesArgv(const std::vector<std::string>& program) {
  if (program.size() != 2) return std::nullopt;
  static const std::regex kPython(R"(python(3(\.[0-9]+)?)?)");
  const std::string exe = std::filesystem::path(program[0]).filename().string();
  if (!std::regex_match(exe, kPython) || program[1].empty() || program[1][0] == '-') {
    return std::nullopt;
  }
  return std::vector<std::string>{program[0], "-c", std::string(kHarness), program[1]};
}

}  // namespace ipc::checks
