// gitlab_ci: run the student's GitLab CI job as a runner would, in the
// grading image, at the graded ref or at another one (e.g. tag part1), and
// check that the rubric's test scripts run in it, uncommented.
//   job:     ipc-project         (default: the single job with a script)
//   image:   python:latest       what the assignment asks for (default: the
//                                rubric's image); another image in the
//                                student's file is reported, never run
//   scripts: [test_listener.sh]  test scripts the job must run
//   reruns:  2                   a failed job is rerun up to this many times;
//                                a pass after a rerun is a flaky pass
//   ref: part1, timeout: 30      common keys; timeout is per attempt
// Parsing is in gitlab_ci_parse.h, text scans in gitlab_ci_scan.h.
#pragma once

#include <memory>

#include "checks/check_type.h"

namespace ipc::checks {

std::unique_ptr<CheckType> MakeGitlabCiType();

}  // namespace ipc::checks
