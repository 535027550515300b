# dd_insight: plan, the in-container script (run with bash and stand-ins for
# su and getent: no user is created on the host) and verdicts.
ipc_add_gtest(checks_dd_insight_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/checks_dd_insight_test.cc
  LIBS ipc_score ipc_report ipc_checks
  LABELS unit)
target_compile_definitions(checks_dd_insight_test PRIVATE IPC_DEFAULT_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
