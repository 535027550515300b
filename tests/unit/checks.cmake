# files_present, command, signal and the scorer: the boxes they plan (and the
# whole plan of each project rubric) and their verdicts on hand-made
# observations.
ipc_add_gtest(checks_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/checks_test.cc
  LIBS ipc_score ipc_report
  LABELS unit)
target_compile_definitions(checks_test PRIVATE IPC_DEFAULT_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
