# grader batch / merge on the real engine: kill -9 and resume, shards, --only.
ipc_add_gtest(batch_e2e_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/batch_e2e_test.cc
  LIBS nlohmann_json::nlohmann_json yaml-cpp
  LABELS e2e)
target_compile_definitions(batch_e2e_test PRIVATE
  IPC_DEFAULT_SOURCE_DIR="${PROJECT_SOURCE_DIR}" IPC_DEFAULT_BIN_DIR="${PROJECT_BINARY_DIR}/bin")
add_dependencies(batch_e2e_test grader probe ref-cat ref-listener)
