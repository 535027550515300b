# The gitlab_ci check type: parsing and text scans, then planning (its bash
# driver run on the host) and scoring from hand-built reports and traces.
ipc_add_gtest(checks_gitlab_ci_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/checks_gitlab_ci_parse_test.cc
          ${CMAKE_CURRENT_LIST_DIR}/checks_gitlab_ci_test.cc
  LIBS ipc_score ipc_report ipc_checks
  LABELS unit)
# ci_runs.h: which test scripts a traced job ran and which runs count, from
# hand-built tracer events.
ipc_add_gtest(checks_ci_runs_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/checks_ci_runs_test.cc
  LIBS ipc_checks
  LABELS unit)
