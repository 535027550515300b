# Course staff's workflow on the real engine (grader/staff/, grader adjust):
# a tiny rubric the test writes and repositories made with plain git.
ipc_add_gtest(staff_e2e_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/staff_e2e_test.cc
  LIBS nlohmann_json::nlohmann_json
  LABELS e2e)
target_compile_definitions(staff_e2e_test PRIVATE
  IPC_DEFAULT_SOURCE_DIR="${PROJECT_SOURCE_DIR}" IPC_DEFAULT_BIN_DIR="${PROJECT_BINARY_DIR}/bin")
add_dependencies(staff_e2e_test grader probe ref-cat ref-listener)
