#include "probe/oom_ledger.h"

#include <signal.h>

#include <charconv>

#include "probe/fd.h"

namespace ipc::probe {

std::optional<std::uint64_t> ParseOomKills(std::string_view text) {
  constexpr std::string_view kKey = "oom_kill ";
  std::size_t at = 0;
  while (at < text.size()) {
    std::size_t end = text.find('\n', at);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = text.substr(at, end - at);
    // "oom_kill " with its space: not v1's "oom_kill_disable 0" nor v2's
    // "oom_group_kill N".
    if (line.substr(0, kKey.size()) == kKey) {
      const std::string_view digits = line.substr(kKey.size());
      std::uint64_t v = 0;
      const auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
      if (ec != std::errc() || ptr != digits.data() + digits.size() || digits.empty()) {
        return std::nullopt;
      }
      return v;
    }
    at = end + 1;
  }
  return std::nullopt;
}

std::optional<std::uint64_t> ReadOomKills(const std::string& cgroup_root) {
  for (const char* leaf : {"/memory.events", "/memory/memory.oom_control"}) {
    if (auto text = ReadSmallFile(cgroup_root + leaf, 4096)) {
      if (auto v = ParseOomKills(*text)) return v;
    }
  }
  return std::nullopt;
}

bool RoseWhileAlone(std::optional<std::uint64_t> before, std::optional<std::uint64_t> after,
                    int others) {
  return before && after && *after > *before && others == 0;
}

bool AttributeOomKill(const protocol::ProcessResult& p, bool probe_sent_sigkill, bool rose_alone) {
  return rose_alone && p.started && !p.timed_out && !probe_sent_sigkill && p.term_signal == SIGKILL;
}

OomLedger::OomLedger(Reader read) : read_(std::move(read)) {}

void OomLedger::Advance() {
  const std::optional<std::uint64_t> now = read_();
  // Only with exactly one step running can a rise be pinned, on that one.
  if (RoseWhileAlone(last_, now, static_cast<int>(running_.size()) - 1)) {
    running_.begin()->second = true;
  }
  last_ = now;
}

OomLedger::Ticket OomLedger::Enter() {
  std::lock_guard<std::mutex> lock(mu_);
  // The stretch that ends here belongs to the steps already running.
  Advance();
  const Ticket t = next_++;
  running_.emplace(t, false);
  return t;
}

bool OomLedger::Leave(Ticket ticket) {
  std::lock_guard<std::mutex> lock(mu_);
  Advance();
  const auto it = running_.find(ticket);
  if (it == running_.end()) return false;
  const bool pinned = it->second;
  running_.erase(it);
  return pinned;
}

}  // namespace ipc::probe
