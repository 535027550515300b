# test_adequacy: plan, shims (run for real with sh, bash, python3, make) and
# scoring from hand-made probe observations.
ipc_add_gtest(checks_adequacy_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/checks_adequacy_test.cc
  LIBS ipc_score ipc_report ipc_checks
  LABELS unit)
