# Reuse of observations on the real engine: regrades after rubric edits.
ipc_add_gtest(observations_e2e_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/observations_e2e_test.cc
  LIBS nlohmann_json::nlohmann_json
  LABELS e2e COST 60)
target_compile_definitions(observations_e2e_test PRIVATE
  IPC_DEFAULT_SOURCE_DIR="${PROJECT_SOURCE_DIR}" IPC_DEFAULT_BIN_DIR="${PROJECT_BINARY_DIR}/bin")
add_dependencies(observations_e2e_test grader probe ref-cat ref-listener)
