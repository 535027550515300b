// Which roster rows a batch run grades: the rows of its shard (all rows
// without --shard), narrowed to the --only names when there are some.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "batch/roster.h"
#include "batch/shard.h"

namespace ipc::batch {

struct Selection {
  std::vector<RosterEntry> mine;  // this run's share of the class: the gradebook's rows
  std::vector<RosterEntry> todo;  // what to grade now: `mine`, or the --only students
};

// Throws ipc::Fatal for an --only name that is not in `mine`, saying whether
// it is in another shard or not in the roster at all: a typo in --only must
// not silently grade nobody.
Selection SelectStudents(const Roster& roster, const std::optional<Shard>& shard,
                         const std::vector<std::string>& only);

}  // namespace ipc::batch
