// The path one submission takes: fetch (libgit2) -> plan (check types) ->
// one throwaway container running the probe, box after box -> score (host
// side) -> result.
// Nothing here throws for a student's or a repository's failure: those come
// back as a Result with status "error" and the cause.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "container/container_runner.h"
#include "fetch/fetcher.h"
#include "pipeline/observations.h"
#include "report/result.h"
#include "rubric/rubric.h"

namespace ipc::pipeline {

// What stays the same for every submission of a run.
struct Environment {
  const rubric::Rubric* rubric = nullptr;
  fetch::Fetcher* fetcher = nullptr;
  container::ContainerRunner* runner = nullptr;
  std::string cache_dir;          // git mirrors
  fetch::Credentials credentials;
  std::string image;              // as chosen (e.g. debian:stable)
  std::string image_id;           // its id
  std::string run_image;          // image + probe + reference tools
  // The seccomp profile every grading container runs under (a file beside
  // the tools; container::kSeccompProfileFile). Set by PrepareImage.
  std::string seccomp_profile;
  std::string grader_version;
  std::string engine_userns = "unknown";  // ContainerRunner::UserNamespaces
  // This installation's secret (LoadSecret): with a submission's commit it
  // seeds the tokens and stand-ins no submission can predict.
  std::string secret;
  // Where observations are kept for reuse (pipeline/observations.h); ""
  // keeps none. With reuse_observations false every box runs again (its
  // observation is still kept): `--force`.
  std::string observations_dir;
  bool reuse_observations = true;
  // The store's size bound (ObservationStore; 0: none).
  std::uint64_t observations_max_bytes = ObservationStore::kDefaultMaxBytes;
  // Course staff's per-student changes (grader/staff/: extensions,
  // adjustments). `staff_apply` runs on every graded result right after the
  // scorer, before anything is written; `staff_why_stale` says why a stored
  // result no longer matches them ("" when it does; resume.h). Unset: none.
  std::function<void(report::Result*)> staff_apply;
  std::function<std::string(const report::Result&)> staff_why_stale;
};

struct GradeRequest {
  std::string student;
  std::string source;
  std::vector<std::string> refs;  // empty: the rubric's
};

report::Result GradeOne(const GradeRequest& request, const Environment& env);

// What GradeOne fetches for `request`: its refs or the rubric's, the run's
// cache and credentials. The batch's resume check fetches the same.
fetch::FetchRequest MakeFetchRequest(const GradeRequest& request, const Environment& env);

// Picks the image (override, the rubric's, then its fallbacks), bakes the
// probe and the reference tools of the rubric's programs from `tools_dir`
// into it, and fills env->image, image_id, run_image. Throws ipc::Fatal with
// the fix.
void PrepareImage(const std::string& image_override, const std::string& tools_dir,
                  Environment* env);

// The installation's secret, kept in `dir`/secret (made once, mode 0600,
// 32 random bytes as hex). Throws ipc::Fatal when it cannot be read or made.
std::string LoadSecret(const std::string& dir);

// Folder of the running executable: where probe and the ref-* tools are built.
std::string DefaultToolsDir();

// Student names become folder names: letters, digits, '.', '_', '-' only,
// not starting with '.'. Returns "" when `name` is acceptable, else why not.
std::string CheckStudentName(const std::string& name);

}  // namespace ipc::pipeline
