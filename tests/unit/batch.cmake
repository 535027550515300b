# The batch (grader/batch) and the class-wide outputs (grader/report).
ipc_add_gtest(batch_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/batch_scheduler_test.cc
          ${CMAKE_CURRENT_LIST_DIR}/batch_roster_test.cc
          ${CMAKE_CURRENT_LIST_DIR}/batch_progress_test.cc
  LIBS ipc_batch
  LABELS unit)
ipc_add_gtest(report_outputs_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/report_text_test.cc
          ${CMAKE_CURRENT_LIST_DIR}/report_gradescope_test.cc
          ${CMAKE_CURRENT_LIST_DIR}/report_junit_test.cc
          ${CMAKE_CURRENT_LIST_DIR}/report_summary_test.cc
  LIBS ipc_report
  LABELS unit)
