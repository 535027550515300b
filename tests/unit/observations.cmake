# Reuse of observations: keys, the store, what runs again (no engine).
ipc_add_gtest(observations_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/observations_test.cc
  LIBS ipc_pipeline
  LABELS unit)
