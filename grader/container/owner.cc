#include "container/owner.h"

#include <unistd.h>

#include <cctype>
#include <fstream>
#include <sstream>
#include <string_view>

namespace ipc::container {
namespace {

std::string ReadFirstLine(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

// Field 22 of /proc/PID/stat: start time in clock ticks since boot. The
// command name (field 2) is in parentheses and may hold spaces or ')', so
// parse from the LAST ')'.
bool StartTicks(const std::string& proc_root, int pid, unsigned long long* out) {
  std::ifstream in(proc_root + "/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto close = stat.rfind(')');
  if (close == std::string::npos) return false;
  std::istringstream fields(stat.substr(close + 1));
  std::string field;
  // After ')': field 3 (state) is the first; start time is field 22.
  for (int i = 3; i <= 22; ++i) {
    if (!(fields >> field)) return false;
  }
  try {
    *out = std::stoull(field);
  } catch (...) {
    return false;
  }
  return true;
}

std::string ComputeScope() {
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  char ns[64] = {};
  const ssize_t n = readlink("/proc/self/ns/pid", ns, sizeof ns - 1);
  return ReadFirstLine("/proc/sys/kernel/random/boot_id") + "/" +
         (n > 0 ? std::string(ns, static_cast<std::size_t>(n)) : std::string("?")) + "/" + host;
}

}  // namespace

const std::string& SelfOwnerScope() {
  static const std::string scope = ComputeScope();
  return scope;
}

std::string MakeOwnerId(const std::string& scope, int pid, unsigned long long start_ticks) {
  return scope + ":" + std::to_string(pid) + ":" + std::to_string(start_ticks);
}

std::string OwnerIdOf(int pid) {
  unsigned long long start = 0;
  if (!StartTicks("/proc", pid, &start)) return "";
  return MakeOwnerId(SelfOwnerScope(), pid, start);
}

const std::string& SelfOwnerId() {
  static const std::string id = OwnerIdOf(getpid());
  return id;
}

OwnerState CheckOwner(const std::string& owner_id, const std::string& proc_root) {
  // Parse from the right: the scope holds ':' ("pid:[4026531836]").
  const auto last = owner_id.rfind(':');
  if (last == std::string::npos || last == 0) return OwnerState::kUnknown;
  const auto middle = owner_id.rfind(':', last - 1);
  if (middle == std::string::npos) return OwnerState::kUnknown;
  if (std::string_view(owner_id).substr(0, middle) != SelfOwnerScope()) {
    return OwnerState::kUnknown;
  }
  int pid = 0;
  unsigned long long start = 0;
  try {
    pid = std::stoi(owner_id.substr(middle + 1, last - middle - 1));
    start = std::stoull(owner_id.substr(last + 1));
  } catch (...) {
    return OwnerState::kUnknown;
  }
  if (pid <= 0) return OwnerState::kUnknown;
  unsigned long long now = 0;
  if (!StartTicks(proc_root, pid, &now)) return OwnerState::kDead;  // no such process
  return now == start ? OwnerState::kAlive : OwnerState::kDead;    // else a reused pid
}

bool ShouldReap(const std::string& container_state, OwnerState owner) {
  // docker says "running", "exited"...; podman's `ps` says "Up 5 minutes",
  // "Exited (0) 3 seconds ago", "Created", "Stopped".
  std::string state = container_state.substr(0, container_state.find(' '));
  for (char& c : state) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (state == "up") state = "running";
  if (state == "stopped") state = "exited";
  if (state == "running" || state == "paused" || state == "restarting") {
    return owner == OwnerState::kDead;
  }
  if (state == "exited" || state == "dead") return owner != OwnerState::kAlive;
  // "created", "removing", or anything new: only when surely orphaned.
  return owner == OwnerState::kDead;
}

}  // namespace ipc::container
