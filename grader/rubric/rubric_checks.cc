// The checks: their common keys, then what spans checks (unique ids, parts,
// needs and their cycles, point sums), then each check's params.
#include <algorithm>
#include <cmath>
#include <functional>
#include <map>

#include "rubric/loader_internal.h"
#include "rubric/yaml_scalar.h"
#include "util/strings.h"

namespace ipc::rubric::internal {
namespace {

// A check as read, with what later validation needs to point at.
struct CheckSite {
  NodeReader reader;                 // named "check '<id>'"
  std::vector<YAML::Node> needs_at;  // the node of each needs entry
};

Visibility ReadVisibility(const NodeReader& r, const std::string& text) {
  static const std::vector<std::pair<std::string, Visibility>> kNames = {
      {"visible", Visibility::kVisible},
      {"hidden", Visibility::kHidden},
      {"after_due_date", Visibility::kAfterDueDate},
      {"after_published", Visibility::kAfterPublished}};
  std::vector<std::string> names;
  for (const auto& [name, v] : kNames) {
    if (name == text) return v;
    names.push_back(name);
  }
  std::string message =
      "'visibility' must be one of " + Join(names, ", ") + ", got " + scalar::Quote(text);
  if (std::string best = DidYouMean(text, names); !best.empty()) {
    message += " (did you mean '" + best + "'?)";
  }
  r.FailValue("visibility", message);
}

// Decodes the common keys of one check. Unknown keys are not an error here:
// they belong to the type, which sees them in params.
CheckSite ReadCheck(const YAML::Node& item, std::size_t index, const Rubric& rubric,
                    std::map<std::string, int>* first_line, Check* c) {
  NodeReader r(item, rubric.path, "check #" + std::to_string(index + 1));
  c->where = r.Where();
  c->id = ReadId(r);
  if (auto [it, inserted] = first_line->emplace(c->id, c->where.line); !inserted) {
    r.FailValue("id", "duplicate check id '" + c->id + "' (first declared at line " +
                          std::to_string(it->second) + ")");
  }
  r.set_what("check '" + c->id + "'");

  c->part = r.RequireString("part");
  if (!rubric.FindPart(c->part)) {
    std::vector<std::string> ids;
    for (const auto& p : rubric.parts) ids.push_back(p.id);
    std::string message = "unknown part '" + c->part + "'";
    if (std::string best = DidYouMean(c->part, ids); !best.empty()) {
      message += " (did you mean '" + best + "'?)";
    }
    r.FailValue("part", message + "; declared parts: " + Join(ids, ", "));
  }
  c->title = r.RequireString("title");
  c->type = NonEmpty(r, "type", r.RequireString("type"));
  if (auto v = r.OptNumber("points")) {
    if (*v < 0) r.FailValue("points", "'points' must not be negative, got " + FormatNumber(*v));
    c->points = *v;
  }

  std::vector<YAML::Node> needs_at;
  if (auto needs = r.OptStringList("needs")) {
    c->needs = *needs;
    const YAML::Node value = r.node()["needs"];
    if (value.IsScalar()) {
      needs_at.push_back(value);
    } else {
      for (const YAML::Node& n : value) needs_at.push_back(n);
    }
    for (std::size_t i = 0; i < c->needs.size(); ++i) {
      for (std::size_t j = 0; j < i; ++j) {
        if (c->needs[i] == c->needs[j]) {
          r.Fail(needs_at[i], "'needs' lists '" + c->needs[i] + "' twice");
        }
      }
    }
  }
  if (auto v = r.OptString("visibility")) c->visibility = ReadVisibility(r, *v);
  if (auto v = r.OptNumber("timeout")) {
    if (!(*v > 0)) {
      r.FailValue("timeout", "'timeout' must be greater than 0 seconds, got " + FormatNumber(*v));
    }
    c->timeout_s = *v;
  }
  if (auto v = r.OptString("ref")) c->ref = NonEmpty(r, "ref", *v);
  if (auto v = r.OptStringList("quote")) {
    for (const auto& q : *v) c->quotes.push_back(NonEmpty(r, "quote", q));
  }
  return CheckSite{std::move(r), std::move(needs_at)};
}

void CheckNeedsExist(const Rubric& rubric, const std::vector<CheckSite>& sites) {
  std::vector<std::string> ids;
  for (const auto& c : rubric.checks) ids.push_back(c.id);
  for (std::size_t i = 0; i < rubric.checks.size(); ++i) {
    const Check& c = rubric.checks[i];
    for (std::size_t k = 0; k < c.needs.size(); ++k) {
      if (rubric.FindCheck(c.needs[k])) continue;
      std::string message = "'needs' names unknown check '" + c.needs[k] + "'";
      if (std::string best = DidYouMean(c.needs[k], ids); !best.empty()) {
        message += " (did you mean '" + best + "'?)";
      }
      sites[i].reader.Fail(sites[i].needs_at[k], message);
    }
  }
}

// Depth-first search in file order; the first back edge closes a cycle,
// reported at the needs entry of the check where the cycle starts.
void CheckNeedsAcyclic(const Rubric& rubric, const std::vector<CheckSite>& sites) {
  std::map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < rubric.checks.size(); ++i) index[rubric.checks[i].id] = i;
  enum class Mark { kNew, kOnPath, kDone };
  std::vector<Mark> mark(rubric.checks.size(), Mark::kNew);
  std::vector<std::size_t> path;

  std::function<void(std::size_t)> visit = [&](std::size_t u) {
    mark[u] = Mark::kOnPath;
    path.push_back(u);
    for (const auto& need : rubric.checks[u].needs) {
      const std::size_t v = index.at(need);
      if (mark[v] == Mark::kOnPath) {
        std::vector<std::string> cycle;
        std::size_t start = path.size();
        while (path[start - 1] != v) --start;
        for (std::size_t i = start - 1; i < path.size(); ++i) {
          cycle.push_back(rubric.checks[path[i]].id);
        }
        cycle.push_back(rubric.checks[v].id);
        const Check& first = rubric.checks[v];
        const std::string& next = cycle[1];
        std::size_t k = 0;
        while (first.needs[k] != next) ++k;
        sites[v].reader.Fail(sites[v].needs_at[k],
                             "'needs' makes a cycle: " + Join(cycle, " -> "));
      }
      if (mark[v] == Mark::kNew) visit(v);
    }
    path.pop_back();
    mark[u] = Mark::kDone;
  };
  for (std::size_t i = 0; i < rubric.checks.size(); ++i) {
    if (mark[i] == Mark::kNew) visit(i);
  }
}

void CheckPointSums(const Rubric& rubric, const std::vector<CheckSite>& sites) {
  for (const Part& p : rubric.parts) {
    double sum = 0;
    std::string hint;
    for (std::size_t i = 0; i < rubric.checks.size(); ++i) {
      const Check& c = rubric.checks[i];
      if (c.part != p.id) continue;
      sum += c.points;
      // A misspelt "points" is left for the type to reject, but the sum
      // fails first (the check counts 0), so name the likely cause here.
      if (const YAML::Node typo = sites[i].reader.UnreadKeyLike("points"); typo && hint.empty()) {
        hint = " (is '" + typo.Scalar() + "' of check '" + c.id + "' on line " +
               std::to_string(sites[i].reader.WhereOf(typo).line) +
               " a misspelling of 'points'?)";
      }
    }
    // Points like 0.1 + 0.2 do not add up exactly in binary.
    if (std::abs(sum - p.points) > 1e-9 * std::max(1.0, std::abs(p.points))) {
      throw RubricError(p.where.ToString() + ": part '" + p.id + "' is worth " +
                        FormatNumber(p.points) + (p.points == 1 ? " point" : " points") +
                        " but its checks add up to " + FormatNumber(sum) + hint);
    }
  }
}

}  // namespace

void ReadChecks(NodeReader& top, Rubric* rubric) {
  std::vector<CheckSite> sites;
  std::map<std::string, int> first_line;
  for (const YAML::Node& item : RequireList(top, "checks", "checks")) {
    Check c;
    sites.push_back(ReadCheck(item, rubric->checks.size(), *rubric, &first_line, &c));
    rubric->checks.push_back(std::move(c));
  }
  CheckNeedsExist(*rubric, sites);
  CheckNeedsAcyclic(*rubric, sites);
  CheckPointSums(*rubric, sites);
}

void AttachParams(const std::string& text, Rubric* rubric) {
  // yaml-cpp nodes are shared references and an alias (*name) makes two
  // places in the tree the same node, so removing the common keys from a
  // check's mapping in a shared tree could strip keys from another check's
  // params. YAML::Clone would copy safely but drops every mark. So each
  // check's params come from a parse of its own: same text, same marks, no
  // sharing. The text was already parsed once, so this cannot fail, and a
  // rubric is a few kilobytes.
  for (std::size_t i = 0; i < rubric->checks.size(); ++i) {
    const YAML::Node doc = LoadDocument(text, rubric->path);
    YAML::Node params = doc["checks"][i];
    for (const auto& key : CommonCheckKeys()) params.remove(key);
    rubric->checks[i].params = params;
  }
}

}  // namespace ipc::rubric::internal
