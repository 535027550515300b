#include "container/run_args.h"

#include <charconv>
#include <cstdio>
#include <random>

#include "container/owner.h"

namespace ipc::container {
namespace {

constexpr std::size_t kMaxNameFragment = 40;

bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         c == '_' || c == '.' || c == '-';
}
bool IsAlnum(char c) { return IsNameChar(c) && c != '_' && c != '.' && c != '-'; }

// Shortest text that reads back as `value` ("1", "0.5"), as docker parses it.
std::string FormatDouble(double value) {
  char buf[64];
  const auto res = std::to_chars(buf, buf + sizeof buf, value);
  return std::string(buf, res.ptr);
}

}  // namespace

std::string SanitiseName(std::string_view hint) {
  std::string out;
  for (char c : hint) {
    const char mapped = IsNameChar(c) ? c : '-';
    if (mapped == '-' && (out.empty() || out.back() == '-')) continue;
    out.push_back(mapped);
  }
  // Docker wants the first character alphanumeric; trailing separators look
  // odd next to the '-' we append.
  std::size_t first = 0;
  while (first < out.size() && !IsAlnum(out[first])) ++first;
  out.erase(0, first);
  if (out.size() > kMaxNameFragment) out.resize(kMaxNameFragment);
  while (!out.empty() && !IsAlnum(out.back())) out.pop_back();
  return out.empty() ? "job" : out;
}

std::string RandomHex(int bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::random_device rd;
  std::string out;
  for (int i = 0; i < bytes; ++i) {
    const unsigned v = rd() & 0xffu;
    out.push_back(kHex[v >> 4]);
    out.push_back(kHex[v & 0xfu]);
  }
  return out;
}

std::string ContainerName(std::string_view hint) {
  return std::string(kNamePrefix) + SanitiseName(hint) + "-" + RandomHex(8);
}

std::vector<std::string> BuildRunArgs(const RunSpec& spec, const std::string& name,
                                      const std::string& job_label_value,
                                      const std::vector<std::string>& engine_options) {
  const Limits& lim = spec.limits;
  std::vector<std::string> a = {
      "run", "-i",  // stdin attached, no tty: stdout and stderr stay separate
      // EnsureImage/DeriveImage made the image local; a missing one must
      // fail now, not start a registry pull inside the wall limit.
      "--pull", "never",
      "--name", name,
      "--label", std::string(kLabel) + "=" + job_label_value,
  };
  for (const auto& [key, value] : spec.labels) {
    a.insert(a.end(), {"--label", key + "=" + value});
  }
  a.insert(a.end(), {
      "--network", "none",
      // memory-swap == memory: no swap, so a hog is OOM-killed instead of
      // thrashing the host's disk.
      "--memory", std::to_string(lim.memory_bytes),
      "--memory-swap", std::to_string(lim.memory_bytes),
      "--pids-limit", std::to_string(lim.pids),
      "--cpus", FormatDouble(lim.cpus),
      "--cap-drop", "ALL",
      // If the host runs short of memory (many containers at once), the
      // kernel kills a student's process before the grader, the engine or a
      // TA's shell. Children inherit it; raising it needs no capability.
      "--oom-score-adj", std::to_string(kOomScoreAdj),
      // Stated, not left to the daemon's default-ipc-mode (shareable on
      // older engines): no SysV IPC or /dev/shm shared with anyone.
      "--ipc", "private",
      // `rm -f` kills at once: podman otherwise sends the probe (PID 1,
      // which handles no SIGTERM) its stop signal and waits 10 s.
      "--stop-timeout", "0",
  });
  for (const char* cap : kCapabilities) a.insert(a.end(), {"--cap-add", cap});
  a.insert(a.end(), {"--security-opt", "no-new-privileges"});
  if (!spec.seccomp_profile.empty()) {
    a.insert(a.end(), {"--security-opt", "seccomp=" + spec.seccomp_profile});
  }
  if (spec.writable.empty()) {
    a.insert(a.end(), {"--tmpfs", "/tmp:rw,exec,size=" + std::to_string(lim.tmpfs_bytes)});
  } else {
    a.push_back("--read-only");
    for (const auto& w : spec.writable) {
      if (w.image_content) {
        // An anonymous volume starts with the image's files at that path.
        a.insert(a.end(), {"--mount", "type=volume,destination=" + w.path});
      } else {
        char mode[8];
        std::snprintf(mode, sizeof mode, "%o", w.mode);
        a.insert(a.end(), {"--tmpfs", w.path + ":rw,exec,mode=" + mode +
                                          ",size=" + std::to_string(lim.tmpfs_bytes)});
      }
    }
  }
  a.insert(a.end(), {
      "--ulimit", "core=0",
      "--ulimit", "nofile=" + std::to_string(kNofileLimit) + ":" + std::to_string(kNofileLimit),
      // Docker hands the number to setrlimit as is: bytes, not blocks
      // (checked: fsize=1048576 reads back as 1048576 from getrlimit).
      "--ulimit", "fsize=" + std::to_string(lim.file_size_bytes),
      // We read the output through the attach stream; the default json-file
      // driver would also copy every byte of a flood to the host's disk.
      "--log-driver", "none",
  });
  if (!spec.workdir.empty()) a.insert(a.end(), {"-w", spec.workdir});
  // No --rm: the exit status and OOM flag are read with `inspect` after the
  // exit, then the container is removed by the grader.
  if (spec.init) a.push_back("--init");
  a.insert(a.end(), engine_options.begin(), engine_options.end());
  a.push_back(spec.image);
  a.insert(a.end(), spec.command.begin(), spec.command.end());
  return a;
}

}  // namespace ipc::container
