#include "rubric/rubric.h"

namespace ipc::rubric {

std::string Location::ToString() const {
  if (line <= 0) return file;
  return file + ":" + std::to_string(line) + ":" + std::to_string(column);
}

std::string VisibilityName(Visibility v) {
  switch (v) {
    case Visibility::kVisible: return "visible";
    case Visibility::kHidden: return "hidden";
    case Visibility::kAfterDueDate: return "after_due_date";
    case Visibility::kAfterPublished: return "after_published";
  }
  return "visible";  // unreachable: every enumerator is handled above
}

const std::vector<std::string>& CommonCheckKeys() {
  static const std::vector<std::string> kKeys = {
      "id", "part", "title", "type", "points", "needs", "visibility", "timeout", "ref", "quote"};
  return kKeys;
}

const Part* Rubric::FindPart(const std::string& id) const {
  for (const auto& p : parts) {
    if (p.id == id) return &p;
  }
  return nullptr;
}

const Check* Rubric::FindCheck(const std::string& id) const {
  for (const auto& c : checks) {
    if (c.id == id) return &c;
  }
  return nullptr;
}

double Rubric::MaxScore() const {
  // The loader makes every part's points equal the sum of its checks'.
  double total = 0;
  for (const auto& p : parts) total += p.points;
  return total;
}

}  // namespace ipc::rubric
