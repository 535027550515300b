#include "batch/shard.h"

#include <fmt/format.h>

#include <charconv>

#include "util/error.h"

namespace ipc::batch {
namespace {

bool ParseInt(std::string_view s, int* out) {
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && end == s.data() + s.size() && !s.empty();
}

}  // namespace

std::string Shard::ToString() const { return fmt::format("{}/{}", index, count); }

Shard ParseShard(const std::string& text) {
  const auto slash = text.find('/');
  Shard s;
  if (slash == std::string::npos || !ParseInt(std::string_view(text).substr(0, slash), &s.index) ||
      !ParseInt(std::string_view(text).substr(slash + 1), &s.count)) {
    throw Fatal(
        fmt::format("--shard '{}': expected K/N with whole numbers, e.g. 2/4 for the "
                    "second of four machines",
                    text));
  }
  if (s.count < 1 || s.index < 1 || s.index > s.count) {
    throw Fatal(
        fmt::format("--shard '{}': K must be between 1 and N. K is 1-based: GitLab's "
                    "CI_NODE_INDEX already is, Kubernetes' JOB_COMPLETION_INDEX starts "
                    "at 0 (use $((JOB_COMPLETION_INDEX + 1)))",
                    text));
  }
  return s;
}

std::uint64_t Fnv1a64(std::string_view bytes) {
  std::uint64_t h = 14695981039346656037ull;  // FNV offset basis
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 1099511628211ull;  // FNV prime
  }
  return h;
}

int ShardOf(const std::string& student, int count) {
  return static_cast<int>(Fnv1a64(student) % static_cast<std::uint64_t>(count)) + 1;
}

bool InShard(const std::string& student, const Shard& shard) {
  return ShardOf(student, shard.count) == shard.index;
}

}  // namespace ipc::batch
