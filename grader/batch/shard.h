// --shard K/N: a stable share of the roster for one of N machines.
//
// A student belongs to shard K (1-based) when FNV-1a-64(name) % N == K-1,
// over the name's bytes. The assignment depends on the name only, not on
// the roster's order or the other students, so it is the same on every
// machine and every rerun, N shards are disjoint and together cover the
// roster, and adding a student to the roster moves nobody else.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace ipc::batch {

struct Shard {
  int index = 1;                 // K, 1-based
  int count = 1;                 // N
  std::string ToString() const;  // "K/N"
};

// "K/N" with 1 <= K <= N. Throws ipc::Fatal naming the mistake.
Shard ParseShard(const std::string& text);

std::uint64_t Fnv1a64(std::string_view bytes);

bool InShard(const std::string& student, const Shard& shard);

// Which shard (1-based) of `count` a student falls in.
int ShardOf(const std::string& student, int count);

}  // namespace ipc::batch
