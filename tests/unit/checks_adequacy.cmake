# test_adequacy: plan, the stand-ins it ships (run for real with python3, gcc
# and make) and scoring from hand-made probe observations.
ipc_add_gtest(checks_adequacy_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/checks_adequacy_test.cc
  LIBS ipc_score ipc_report ipc_checks
  LABELS unit)
