// Options shared by the commands that grade (grade, batch): where the
// rubric, the output and the caches are, which engine and image to use.
#pragma once

#include <memory>
#include <string>

#include "container/container_runner.h"
#include "fetch/fetcher.h"
#include "pipeline/grade.h"
#include "rubric/rubric.h"

namespace CLI {
class App;
}

namespace ipc::cli {

struct CommonOptions {
  std::string rubric_path;  // default: DefaultRubricPath()
  std::string out_dir = "results";
  std::string image;        // override of the rubric's image
  std::string engine = "docker";
  std::string cache_dir;    // default: ~/.cache/ipc-grader
  std::string token_env = "IPC_GRADER_TOKEN";
  std::string ssh_key;
  bool require_userns = false;  // refuse an engine whose container root is host root
  std::uint64_t observations_max_bytes = pipeline::ObservationStore::kDefaultMaxBytes;
};

// Adds the options to `cmd`, filling `o` (commands.cc, with every other
// option of the command line).
void AddCommonOptions(CLI::App* cmd, CommonOptions* o);

// Everything a grading run needs, set up once: rubric loaded and validated,
// engine checked, leftovers reaped, image prepared. Throws Fatal / RubricError.
struct Session {
  rubric::Rubric rubric;
  std::unique_ptr<fetch::Fetcher> fetcher;
  std::unique_ptr<container::ContainerRunner> runner;
  pipeline::Environment env;
};
std::unique_ptr<Session> OpenSession(const CommonOptions& o);

// Parallel gradings by default: two per core (much of a grading waits:
// the students' `sleep 1`, signal readiness; on two cores -j 4 beat -j 2).
int DefaultJobs();

// The rubric used without --rubric: a symlink in rubrics/ to the current
// assignment's rubric, looked up in the current folder, then in the source
// tree the grader was built from. Returns the file it links to.
inline constexpr const char* kDefaultRubric = "rubrics/default.yaml";
std::string DefaultRubricPath();
std::string GraderVersion();
rubric::Rubric LoadAndValidateRubric(const std::string& path);

}  // namespace ipc::cli
