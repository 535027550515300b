#include "batch/selection.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "util/error.h"

namespace ipc::batch {
namespace {

const RosterEntry* Find(const std::vector<RosterEntry>& v, const std::string& name) {
  auto it = std::find_if(v.begin(), v.end(), [&](const auto& e) { return e.student == name; });
  return it == v.end() ? nullptr : &*it;
}

}  // namespace

Selection SelectStudents(const Roster& roster, const std::optional<Shard>& shard,
                         const std::vector<std::string>& only) {
  Selection s;
  for (const auto& e : roster.entries) {
    if (!shard || InShard(e.student, *shard)) s.mine.push_back(e);
  }
  if (only.empty()) {
    s.todo = s.mine;
    return s;
  }
  for (const auto& name : std::set<std::string>(only.begin(), only.end())) {
    if (const RosterEntry* e = Find(s.mine, name)) {
      s.todo.push_back(*e);
    } else if (Find(roster.entries, name) != nullptr) {
      throw Fatal(fmt::format("--only {}: that student is in shard {}/{}, not in this one ({})",
                              name, ShardOf(name, shard->count), shard->count, shard->ToString()));
    } else {
      throw Fatal(
          fmt::format("--only {}: no such student in {} (names are case-sensitive; "
                      "rows skipped as invalid are listed above)",
                      name, roster.path));
    }
  }
  return s;
}

}  // namespace ipc::batch
