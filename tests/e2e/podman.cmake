# podman as a second engine: four fixtures graded with --engine podman and
# held to their hand-written statuses (the ones Docker meets in FixtureClass).
ipc_add_gtest(podman_e2e_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/podman_e2e_test.cc
  LIBS nlohmann_json::nlohmann_json
  LABELS e2e COST 60)
target_compile_definitions(podman_e2e_test PRIVATE
  IPC_DEFAULT_SOURCE_DIR="${PROJECT_SOURCE_DIR}" IPC_DEFAULT_BIN_DIR="${PROJECT_BINARY_DIR}/bin")
add_dependencies(podman_e2e_test grader probe ref-cat ref-listener)
