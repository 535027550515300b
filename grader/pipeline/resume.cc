#include "pipeline/resume.h"

#include <fmt/format.h>

namespace ipc::pipeline {
namespace {

std::string Short(const std::string& sha) { return sha.empty() ? "(none)" : sha.substr(0, 10); }

}  // namespace

bool FetchSubmission(const GradeRequest& req, const Environment& env, fetch::Snapshot* out,
                     fetch::FetchError* err) {
  return env.fetcher->Fetch(MakeFetchRequest(req, env), out, err);
}

std::string WhyStale(const report::Result& stored, const fetch::Revision& current,
                     const Environment& env) {
  if (stored.status != "graded") return "the stored result is an error; errors are retried";
  if (stored.commit != current.commit) {
    return fmt::format("commit changed {} -> {}", Short(stored.commit), Short(current.commit));
  }
  if (stored.ref != current.ref) {
    return fmt::format("graded ref changed '{}' -> '{}'", stored.ref, current.ref);
  }
  if (stored.provenance.rubric_sha256 != env.rubric->sha256) return "the rubric changed";
  if (stored.provenance.grader_version != env.grader_version) {
    return fmt::format("grader version changed {} -> {}", stored.provenance.grader_version,
                       env.grader_version);
  }
  if (stored.provenance.image_id != env.image_id) return "the grading image changed";
  if (env.staff_why_stale) return env.staff_why_stale(stored);
  return "";
}

PrefetchedFetcher::PrefetchedFetcher(fetch::Fetcher* inner, std::string source,
                                     const fetch::Snapshot* snapshot, fetch::FetchError error)
    : inner_(inner), source_(std::move(source)), snapshot_(snapshot), error_(std::move(error)) {}

bool PrefetchedFetcher::Fetch(const fetch::FetchRequest& req, fetch::Snapshot* out,
                              fetch::FetchError* err) {
  if (req.source != source_) return inner_->Fetch(req, out, err);
  if (snapshot_ == nullptr) {
    *err = error_;
    return false;
  }
  *out = *snapshot_;
  return true;
}

bool PrefetchedFetcher::Resolve(const fetch::FetchRequest& req, const std::string& ref,
                                fetch::Snapshot* out, fetch::FetchError* err) {
  return inner_->Resolve(req, ref, out, err);
}

report::Result GradeFetched(const GradeRequest& req, const Environment& env,
                            const fetch::Snapshot* snapshot, const fetch::FetchError& err) {
  PrefetchedFetcher prefetched(env.fetcher, req.source, snapshot, err);
  Environment local = env;
  local.fetcher = &prefetched;
  return GradeOne(req, local);
}

}  // namespace ipc::pipeline
