# classify.h: the outcome classes of a cat-like program and their words
# (an OOM kill among them), and the stdin matrix's feedback built from them.
ipc_add_gtest(checks_classify_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/checks_classify_test.cc
  LIBS ipc_score ipc_report ipc_checks
  LABELS unit)
# The in-process runner of a stdin_cases check against `python3 SCRIPT`, one
# process per input (real interpreters, on the host).
ipc_add_gtest(checks_py_cases_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/checks_py_cases_test.cc ${CMAKE_CURRENT_LIST_DIR}/reference_process.cc
  LIBS ipc_checks
  LABELS unit)
target_compile_definitions(checks_py_cases_test PRIVATE
  IPC_REFTEST_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
  IPC_REFTEST_BIN_DIR="$<TARGET_FILE_DIR:ref-cat>")
