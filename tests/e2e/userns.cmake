# --require-userns and the engine's protection line, on the real engine.
ipc_add_gtest(userns_e2e_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/userns_e2e_test.cc
  LIBS nlohmann_json::nlohmann_json
  LABELS e2e)
target_compile_definitions(userns_e2e_test PRIVATE
  IPC_DEFAULT_SOURCE_DIR="${PROJECT_SOURCE_DIR}" IPC_DEFAULT_BIN_DIR="${PROJECT_BINARY_DIR}/bin")
add_dependencies(userns_e2e_test grader)
