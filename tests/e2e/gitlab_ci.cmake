# The gitlab_ci check on the real engine: `grader grade` on the model
# solution (built by reference/make-solution-repo.sh) and broken copies of it.
ipc_add_gtest(gitlab_ci_e2e_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/gitlab_ci_e2e_test.cc
  LIBS nlohmann_json::nlohmann_json yaml-cpp
  LABELS e2e)
target_compile_definitions(gitlab_ci_e2e_test PRIVATE
  IPC_DEFAULT_SOURCE_DIR="${PROJECT_SOURCE_DIR}" IPC_DEFAULT_BIN_DIR="${PROJECT_BINARY_DIR}/bin")
add_dependencies(gitlab_ci_e2e_test grader probe ref-cat ref-listener)
