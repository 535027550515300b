ipc_add_gtest(checks_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/checks_test.cc
  LIBS ipc_score ipc_report
  LABELS unit)
