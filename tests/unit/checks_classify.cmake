# classify.h: the outcome classes of a cat-like program and their words
# (an OOM kill among them), and the stdin matrix's feedback built from them.
ipc_add_gtest(checks_classify_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/checks_classify_test.cc
  LIBS ipc_score ipc_report ipc_checks
  LABELS unit)
# stdin_cases: its boxes (the reference's cases in one grader step, each
# student case in a fresh box) and its verdicts from hand-made observations.
ipc_add_gtest(checks_stdin_cases_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/checks_stdin_cases_test.cc
  LIBS ipc_score ipc_report ipc_checks
  LABELS unit)
