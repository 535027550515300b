#include "pipeline/lanes.h"

#include <algorithm>
#include <climits>
#include <map>
#include <numeric>
#include <set>

namespace ipc::pipeline {
namespace {

struct Unit {
  std::vector<std::size_t> steps;  // indices into the plan, in plan order
  double weight = 0;
  bool from_workdir = false;  // a step copies its sandbox from the workdir
  int first_group = INT_MAX;
};

// Every sandbox whose steps all reset the user database: they see the same
// world in any container, whatever ran before them.
std::vector<Unit> MovableUnits(const protocol::Plan& plan, const StepWeight& weight) {
  std::map<std::string, std::size_t> index;
  std::vector<Unit> units;
  std::vector<bool> movable;
  for (std::size_t i = 0; i < plan.steps.size(); ++i) {
    const protocol::Step& s = plan.steps[i];
    if (s.sandbox.empty()) continue;
    auto [it, added] = index.emplace(s.sandbox, units.size());
    if (added) {
      units.emplace_back();
      movable.push_back(true);
    }
    Unit& u = units[it->second];
    u.steps.push_back(i);
    u.weight += weight(s);
    u.from_workdir = u.from_workdir || s.sandbox_from.empty();
    u.first_group = std::min(u.first_group, s.group);
    movable[it->second] = movable[it->second] && s.fresh_users;
  }
  std::vector<Unit> out;
  for (std::size_t k = 0; k < units.size(); ++k) {
    if (movable[k]) out.push_back(std::move(units[k]));
  }
  return out;
}

// What replaying the shared-workdir steps before `group` costs a lane.
double ReplayWeight(const protocol::Plan& plan, int group, const StepWeight& weight) {
  double w = 0;
  for (const auto& s : plan.steps) {
    if (s.sandbox.empty() && s.group < group) w += weight(s);
  }
  return w;
}

// Lane `lane`'s plan: in plan order, the steps it owns and, not owned, the
// shared-workdir steps of the groups before `replay_below`; and only the
// extra trees its steps copy from (each tree is a tar on its stdin).
Lane MakeLane(const protocol::Plan& plan, const std::vector<int>& owner, int lane,
              int replay_below) {
  Lane out;
  out.plan.version = plan.version;
  out.plan.nonce = plan.nonce;
  out.plan.workdir = plan.workdir;
  std::set<std::string> trees;
  for (std::size_t i = 0; i < plan.steps.size(); ++i) {
    const protocol::Step& s = plan.steps[i];
    const bool owned = owner[i] == lane;
    const bool replay = !owned && s.sandbox.empty() && s.group < replay_below;
    if (!owned && !replay) continue;
    out.plan.steps.push_back(s);
    out.owned.push_back(owned);
    if (auto tree = protocol::TreeOfSandboxFrom(s.sandbox_from)) trees.insert(std::move(*tree));
  }
  for (const auto& t : plan.extra_trees) {
    if (trees.count(t)) out.plan.extra_trees.push_back(t);
  }
  return out;
}

}  // namespace

std::vector<Lane> SplitPlan(const protocol::Plan& plan, int max_lanes, const StepWeight& weight) {
  const std::vector<Unit> units = max_lanes > 1 ? MovableUnits(plan, weight) : std::vector<Unit>{};
  if (units.empty()) {
    return {Lane{plan, std::vector<bool>(plan.steps.size(), true)}};
  }
  const int lanes = static_cast<int>(std::min<std::size_t>(max_lanes, 1 + units.size()));

  // Units that copy the workdir first, then the others; heaviest first
  // within each; stable, so equal weights keep plan order and the split is
  // reproducible. Each goes where its lane would end lightest; a lane that
  // must newly replay the build for it is charged that replay twice, once
  // as its own time and once for the CPU the other lanes lose to it (on a
  // machine with few cores every container shares them): units that need
  // the build gather unless spreading them clearly pays.
  std::vector<std::size_t> order(units.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    if (units[a].from_workdir != units[b].from_workdir) return units[a].from_workdir;
    return units[a].weight > units[b].weight;
  });
  std::vector<double> load(lanes, 0);
  std::vector<int> owner(plan.steps.size(), 0);
  std::vector<int> replay_below(lanes, INT_MIN);
  for (std::size_t u : order) {
    const double replay =
        units[u].from_workdir ? ReplayWeight(plan, units[u].first_group, weight) : 0;
    // The replay a lane would newly need for this unit (0 if it has one).
    const auto fresh = [&](int k) { return replay_below[k] == INT_MIN ? replay : 0.0; };
    int lane = 1;
    double best_score = 0;
    for (int k = 1; k < lanes; ++k) {
      const double score = load[k] + units[u].weight + 2 * fresh(k);
      if (k == 1 || score < best_score) {
        lane = k;
        best_score = score;
      }
    }
    load[lane] += units[u].weight + fresh(lane);
    for (std::size_t i : units[u].steps) owner[i] = lane;
    // The probe copies a sandbox from the workdir at the start of its first
    // group: the lane needs every shared-workdir step of the groups before.
    if (units[u].from_workdir) {
      replay_below[lane] = std::max(replay_below[lane], units[u].first_group);
    }
  }
  std::vector<Lane> out;
  for (int lane = 0; lane < lanes; ++lane) {
    out.push_back(MakeLane(plan, owner, lane, lane == 0 ? INT_MIN : replay_below[lane]));
  }
  return out;
}

protocol::Report MergeReports(const protocol::Plan& plan, const std::vector<Lane>& lanes,
                              std::vector<protocol::Report> reports) {
  protocol::Report merged;
  merged.version = plan.version;
  merged.nonce = plan.nonce;
  std::map<std::string, protocol::StepResult*> found;
  for (std::size_t k = 0; k < lanes.size() && k < reports.size(); ++k) {
    std::set<std::string> owned;
    for (std::size_t i = 0; i < lanes[k].plan.steps.size(); ++i) {
      if (lanes[k].owned[i]) owned.insert(lanes[k].plan.steps[i].id);
    }
    for (auto& r : reports[k].steps) {
      if (owned.count(r.id)) found.emplace(r.id, &r);
    }
    if (!reports[k].probe_error.empty()) {
      if (!merged.probe_error.empty()) merged.probe_error += "; ";
      merged.probe_error += lanes.size() > 1
                                ? "container " + std::to_string(k + 1) + ": " + reports[k].probe_error
                                : reports[k].probe_error;
    }
  }
  for (const auto& s : plan.steps) {
    if (auto it = found.find(s.id); it != found.end()) merged.steps.push_back(std::move(*it->second));
  }
  return merged;
}

}  // namespace ipc::pipeline
