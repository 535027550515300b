# Faults of the grader's own world on the real engine: the engine failing
# mid-batch (a docker wrapper first on PATH), the output folder full (a
# small tmpfs; needs root), kill -9 of the grader and the next run's reaping.
ipc_add_gtest(faults_e2e_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/faults_e2e_test.cc
  LIBS nlohmann_json::nlohmann_json yaml-cpp
  LABELS e2e)
target_compile_definitions(faults_e2e_test PRIVATE
  IPC_DEFAULT_SOURCE_DIR="${PROJECT_SOURCE_DIR}" IPC_DEFAULT_BIN_DIR="${PROJECT_BINARY_DIR}/bin")
add_dependencies(faults_e2e_test grader probe ref-cat ref-listener)
