# The gitlab_ci check type: parsing and text scans, then planning (its bash
# driver run on the host) and scoring from hand-built reports.
ipc_add_gtest(checks_gitlab_ci_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/checks_gitlab_ci_parse_test.cc
          ${CMAKE_CURRENT_LIST_DIR}/checks_gitlab_ci_test.cc
  LIBS ipc_checks
  LABELS unit)
