#include "probe/proc.h"

#include <dirent.h>
#include <unistd.h>

#include <cstdlib>
#include <map>
#include <string>

#include "probe/fd.h"

namespace ipc::probe {
namespace {

std::string ProcPath(pid_t pid, const char* leaf) {
  return "/proc/" + std::to_string(pid) + "/" + leaf;
}

// /proc/PID/stat fields after the command name, which is in parentheses and
// may itself contain spaces and ')': split after the LAST ')'. Index 0 is
// field 3 (state).
std::optional<std::vector<std::string>> StatFields(pid_t pid) {
  auto text = ReadSmallFile(ProcPath(pid, "stat"), 4096);
  if (!text) return std::nullopt;
  const auto close = text->rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::vector<std::string> fields;
  std::string cur;
  for (std::size_t i = close + 1; i < text->size(); ++i) {
    const char c = (*text)[i];
    if (c == ' ' || c == '\n') {
      if (!cur.empty()) fields.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) fields.push_back(cur);
  return fields;
}

}  // namespace

std::optional<ProcStatus> ReadProcStatus(pid_t pid) {
  auto text = ReadSmallFile(ProcPath(pid, "status"), 16384);
  if (!text) return std::nullopt;
  ProcStatus st;
  bool have_state = false, have_cgt = false;
  std::size_t pos = 0;
  while (pos < text->size()) {
    auto eol = text->find('\n', pos);
    if (eol == std::string::npos) eol = text->size();
    const std::string line = text->substr(pos, eol - pos);
    pos = eol + 1;
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    const std::string key = line.substr(0, colon);
    const char* value = line.c_str() + colon + 1;
    while (*value == ' ' || *value == '\t') ++value;
    if (key == "State") {
      st.state = *value;
      have_state = true;
    } else if (key == "SigCgt") {
      st.sig_caught = std::strtoull(value, nullptr, 16);
      have_cgt = true;
    } else if (key == "PPid") {
      st.ppid = static_cast<pid_t>(std::strtol(value, nullptr, 10));
    }
  }
  if (!have_state || !have_cgt) return std::nullopt;
  return st;
}

std::optional<long> ReadBlockedSyscall(pid_t pid) {
  auto text = ReadSmallFile(ProcPath(pid, "syscall"), 512);
  if (!text || text->empty()) return std::nullopt;
  if (text->rfind("running", 0) == 0) return -1;
  char* end = nullptr;
  const long nr = std::strtol(text->c_str(), &end, 10);
  if (end == text->c_str()) return std::nullopt;
  return nr;
}

std::optional<double> ReadCpuSeconds(pid_t pid) {
  auto f = StatFields(pid);
  // utime and stime are fields 14 and 15 of stat(5): indexes 11 and 12 here.
  if (!f || f->size() < 13) return std::nullopt;
  const double ticks = static_cast<double>(std::strtoull((*f)[11].c_str(), nullptr, 10) +
                                           std::strtoull((*f)[12].c_str(), nullptr, 10));
  return ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

std::vector<pid_t> ListPids() {
  std::vector<pid_t> pids;
  DIR* dir = ::opendir("/proc");  // opendir uses O_CLOEXEC in glibc
  if (!dir) return pids;
  while (const dirent* e = ::readdir(dir)) {
    char* end = nullptr;
    const long v = std::strtol(e->d_name, &end, 10);
    if (end != e->d_name && *end == '\0' && v > 0) pids.push_back(static_cast<pid_t>(v));
  }
  ::closedir(dir);
  return pids;
}

std::vector<pid_t> Descendants(pid_t root) {
  std::multimap<pid_t, pid_t> children;
  for (pid_t p : ListPids()) {
    if (auto f = StatFields(p); f && f->size() > 1) {
      children.emplace(static_cast<pid_t>(std::strtol((*f)[1].c_str(), nullptr, 10)), p);
    }
  }
  std::vector<pid_t> out;
  std::vector<pid_t> todo{root};
  while (!todo.empty()) {
    const pid_t p = todo.back();
    todo.pop_back();
    auto [b, e] = children.equal_range(p);
    for (auto it = b; it != e; ++it) {
      out.push_back(it->second);
      todo.push_back(it->second);
    }
  }
  return out;
}

}  // namespace ipc::probe
