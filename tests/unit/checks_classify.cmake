# classify.h: the outcome classes of a cat-like program and their words
# (an OOM kill among them), and the stdin matrix's feedback built from them.
ipc_add_gtest(checks_classify_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/checks_classify_test.cc
  LIBS ipc_score ipc_report ipc_checks
  LABELS unit)
