# dd_insight: its one grader box (set-up, then the reference cat as the user
# both ways) and its verdicts from hand-made observations.
ipc_add_gtest(checks_dd_insight_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/checks_dd_insight_test.cc
  LIBS ipc_score ipc_report ipc_checks
  LABELS unit)
