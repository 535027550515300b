# Course staff's files (grader/staff/): adjustments.yaml, extensions.csv,
# their bad rows, and how they change a scored result and the class outputs.
ipc_add_gtest(staff_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/staff_test.cc
  LIBS ipc_staff ipc_batch ipc_report
  LABELS unit)
