// Signal names as the rubric writes them ("SIGUSR1", "USR1", "10").
#pragma once

#include <optional>
#include <string>

namespace ipc::checks {

std::optional<int> SignalFromName(const std::string& name);
std::string SignalName(int sig);  // "SIGUSR1"

}  // namespace ipc::checks
