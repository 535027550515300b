// Fetch first, then decide: what a batch needs to skip a student whose
// stored result is still current, without fetching twice and without
// changing GradeOne.
//
//   fetch::Snapshot snap; fetch::FetchError err;
//   const bool ok = FetchSubmission(req, env, &snap, &err);
//   if (ok && WhyStale(stored, snap.revision, env).empty()) -> keep stored
//   else GradeFetched(req, env, ok ? &snap : nullptr, err)
#pragma once

#include <string>

#include "fetch/fetcher.h"
#include "pipeline/grade.h"
#include "report/result.h"

namespace ipc::pipeline {

// Fetches exactly what GradeOne would (same request: the request's refs or
// the rubric's, the env's cache and credentials). Same contract as
// Fetcher::Fetch.
bool FetchSubmission(const GradeRequest& req, const Environment& env, fetch::Snapshot* out,
                     fetch::FetchError* err);

// "" when `stored` is a result of this very grading: status graded, same
// ref and commit as `current`, same rubric bytes (sha256), grader version
// and grading image id, and staff's changes for the student as applied
// (env.staff_why_stale: "adjustments changed", "extension changed ...").
// Otherwise why not, for the log ("commit changed
// 1a2b3c4d -> 5e6f7a8b"). Error results are always stale: errors are
// retried.
std::string WhyStale(const report::Result& stored, const fetch::Revision& current,
                     const Environment& env);

// GradeOne over an already fetched snapshot (or, with snapshot == nullptr,
// over the fetch error `err`, giving the same error result GradeOne would).
// Other refs a check looks at are still resolved through env.fetcher.
report::Result GradeFetched(const GradeRequest& req, const Environment& env,
                            const fetch::Snapshot* snapshot, const fetch::FetchError& err);

// A Fetcher that answers Fetch for one source with a stored snapshot (or
// error) and passes Resolve through. This is how GradeFetched reuses the
// fetch without a change to GradeOne.
class PrefetchedFetcher : public fetch::Fetcher {
 public:
  PrefetchedFetcher(fetch::Fetcher* inner, std::string source, const fetch::Snapshot* snapshot,
                    fetch::FetchError error);
  bool Fetch(const fetch::FetchRequest& req, fetch::Snapshot* out, fetch::FetchError* err) override;
  bool Resolve(const fetch::FetchRequest& req, const std::string& ref, fetch::Snapshot* out,
               fetch::FetchError* err) override;

 private:
  fetch::Fetcher* inner_;
  std::string source_;
  const fetch::Snapshot* snapshot_;  // not owned; null = answer error_
  fetch::FetchError error_;
};

}  // namespace ipc::pipeline
