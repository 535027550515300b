# Part deadlines: the rubric's optional `deadline:` per part (loader,
# file:line:col errors) and the late penalty the scorer computes from them.
ipc_add_gtest(part_deadlines_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/part_deadlines_test.cc
  LIBS ipc_score ipc_rubric ipc_util
  LABELS unit)
