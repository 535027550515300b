ipc_add_gtest(rubric_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/rubric_test.cc
  LIBS ipc_rubric ipc_util
  LABELS unit)
