ipc_add_gtest(pipeline_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/pipeline_test.cc
  LIBS ipc_pipeline
  LABELS unit)
