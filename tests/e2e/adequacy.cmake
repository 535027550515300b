# test_adequacy and dd_insight of rubrics/ipc-project.yaml through `grader
# grade` on the real engine.
ipc_add_gtest(adequacy_e2e_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/adequacy_e2e_test.cc
  LIBS nlohmann_json::nlohmann_json yaml-cpp
  LABELS e2e)
target_compile_definitions(adequacy_e2e_test PRIVATE
  IPC_DEFAULT_SOURCE_DIR="${PROJECT_SOURCE_DIR}" IPC_DEFAULT_BIN_DIR="${PROJECT_BINARY_DIR}/bin")
add_dependencies(adequacy_e2e_test grader probe ref-cat ref-listener)
