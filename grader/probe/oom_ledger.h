// Telling the kernel's OOM kill from any other SIGKILL.
//
// When a container hits its memory limit, the kernel's OOM killer SIGKILLs
// the biggest process in it; the exit status is the same as for `kill -9`
// or for the probe's own timeout kill. What tells them apart is the
// container's memory cgroup, which counts OOM kills:
//   cgroup v2: `oom_kill N` in /sys/fs/cgroup/memory.events (the container's
//              own cgroup, under the private cgroup namespace Docker uses);
//   cgroup v1: `oom_kill N` in /sys/fs/cgroup/memory/memory.oom_control
//              (Docker mounts the container's own memory cgroup there;
//              checked on Docker 20.10, Debian 12: a 200 MB bytearray under
//              --memory 64m takes it from 0 to 1).
// The kernel raises the counter before it sends the SIGKILL (mm/oom_kill.c:
// "Raise event before sending signal: task reaper must see this"), so once
// the victim has been reaped its kill is counted.
//
// The counter is one for the whole container, and steps run concurrently
// (step_slots.h): a rise while two steps ran cannot be pinned on either.
// So the ledger reads the counter whenever a step starts or ends. Between
// two reads the set of running steps is fixed; a rise there is pinned on
// a step only when it was the only one running.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "protocol/probe_protocol.h"

namespace ipc::probe {

inline constexpr const char* kCgroupRoot = "/sys/fs/cgroup";

// The N of the `oom_kill N` line of memory.events or memory.oom_control.
std::optional<std::uint64_t> ParseOomKills(std::string_view text);
// The container's OOM-kill counter under `cgroup_root` (v2 first, then v1);
// nullopt when neither file is readable (rootless engines, no memory
// controller), and then nothing is ever claimed.
std::optional<std::uint64_t> ReadOomKills(const std::string& cgroup_root);

// The attribution rules, pure.
// A stretch of a step's run, between two reads of the counter (nullopt:
// unreadable), during which `others` other steps were running too: was an
// OOM kill in that stretch necessarily one of this step's processes?
bool RoseWhileAlone(std::optional<std::uint64_t> before, std::optional<std::uint64_t> after,
                    int others);
// Was the end of `p` the OOM killer's? Only a SIGKILL the probe did not send
// itself (its wall limit: p.timed_out; a signal step whose signal is
// SIGKILL: `probe_sent_sigkill`) during a run with a rise pinned on it.
bool AttributeOomKill(const protocol::ProcessResult& p, bool probe_sent_sigkill, bool rose_alone);

// The readings, shared by every step of a plan. Thread-safe.
class OomLedger {
 public:
  using Reader = std::function<std::optional<std::uint64_t>()>;
  explicit OomLedger(Reader read);  // e.g. ReadOomKills of the cgroup root

  using Ticket = std::uint64_t;
  // Just before a step's process is started.
  Ticket Enter();
  // Once its process has been reaped: did the counter rise during a stretch
  // of its run in which no other step ran?
  bool Leave(Ticket ticket);

 private:
  // Reads the counter; a rise since the last read is pinned on the step
  // running alone, if there is one. Called with mu_ held.
  void Advance();

  Reader read_;
  std::mutex mu_;
  std::optional<std::uint64_t> last_;
  std::map<Ticket, bool> running_;  // ticket -> a rise was pinned on it
  Ticket next_ = 0;
};

}  // namespace ipc::probe
