# docker-compose.yml against the real engine: builds the grader image from
# this build's binaries and grades the model solution through it.
ipc_add_gtest(compose_e2e_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/compose_e2e_test.cc
  LIBS nlohmann_json::nlohmann_json
  LABELS e2e COST 30)
target_compile_definitions(compose_e2e_test PRIVATE
  IPC_DEFAULT_SOURCE_DIR="${PROJECT_SOURCE_DIR}" IPC_DEFAULT_BIN_DIR="${PROJECT_BINARY_DIR}/bin")
add_dependencies(compose_e2e_test grader probe ref-cat ref-listener)
