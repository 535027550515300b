#include <algorithm>

#include "checks/check_type.h"
#include "checks/dd_insight.h"
#include "checks/gitlab_ci.h"
#include "checks/test_adequacy.h"
#include "checks/types.h"

namespace ipc::checks {

namespace {

const std::vector<std::unique_ptr<CheckType>>& Registry() {
  static const auto* types = [] {
    auto* v = new std::vector<std::unique_ptr<CheckType>>();
    v->push_back(MakeFilesPresentType());
    v->push_back(MakeCommandType());
    v->push_back(MakeSignalType());
    v->push_back(MakeStdinCasesType());
    v->push_back(MakeGitignoreType());
    v->push_back(MakeNotCommittedType());
    v->push_back(MakeFileContentsType());
    v->push_back(MakeTagsType());
    v->push_back(MakeTestAdequacyType());
    v->push_back(MakeDdInsightType());
    v->push_back(MakeGitlabCiType());
    return v;
  }();
  return *types;
}

}  // namespace

const CheckType* FindType(const std::string& name) {
  for (const auto& t : Registry()) {
    if (t->Name() == name) return t.get();
  }
  return nullptr;
}

std::vector<std::string> TypeNames() {
  std::vector<std::string> names;
  for (const auto& t : Registry()) names.push_back(t->Name());
  std::sort(names.begin(), names.end());
  return names;
}

void ValidateChecks(const rubric::Rubric& rubric) {
  // Decoded whether or not a check names a program: a broken `programs:` or
  // `mutants:` is the rubric's error now, not every grading's later.
  (void)ProgramsOf(rubric);
  for (const auto& check : rubric.checks) {
    const CheckType* type = FindType(check.type);
    if (type == nullptr) {
      std::string known;
      for (const auto& n : TypeNames()) known += (known.empty() ? "" : ", ") + n;
      std::string hint = rubric::DidYouMean(check.type, TypeNames());
      throw rubric::RubricError(
          check.where.ToString() + ": check '" + check.id + "': unknown type '" +
          check.type + "'" + (hint.empty() ? "" : " (did you mean '" + hint + "'?)") +
          "; known types: " + known);
    }
    if (!check.ref.empty() && !type->GradesOtherRefs()) {
      std::string able;
      for (const auto& n : TypeNames()) {
        if (FindType(n)->GradesOtherRefs()) able += (able.empty() ? "" : ", ") + n;
      }
      throw rubric::RubricError(check.where.ToString() + ": check '" + check.id + "': type '" +
                                check.type + "' judges the graded ref only; remove 'ref: " +
                                check.ref + "' (types that grade another ref: " + able + ")");
    }
    type->Validate(check, rubric);
  }
}

}  // namespace ipc::checks
