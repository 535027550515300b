// gitlab_ci: run the student's GitLab CI job as a runner would, in the
// grading image, at the graded ref or at another one (e.g. tag milestone1),
// under the probe's tracer, and check from what the tracer saw that the job
// passed and really ran each of the rubric's test scripts to exit 0
// (ci_runs.h says what counts as a run).
//   job:     test                (default: the single job with a script)
//   image:   debian:stable       what the assignment asks for (default: the
//                                rubric's image); another image in the
//                                student's file is reported, never run
//   scripts: [test_prog.sh]      test scripts the job must run
//   reruns:  2                   a failed job is rerun up to this many times;
//                                a pass after a rerun is a flaky pass
//   ref: milestone1, timeout: 30 common keys; timeout is per attempt
// Parsing is in gitlab_ci_parse.h, text scans in gitlab_ci_scan.h.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "checks/check_type.h"

namespace ipc::checks {

std::unique_ptr<CheckType> MakeGitlabCiType();

// The variables a runner gives every job (CI, GITLAB_CI, CI_PROJECT_DIR...),
// for a job named `job` whose checkout is `workdir`. Test scripts run by
// other checks (test_adequacy) get the same, so they cannot tell the two
// apart.
std::map<std::string, std::string> JobEnvironment(const std::string& job,
                                                  const std::string& workdir);

}  // namespace ipc::checks
