# The hostile corpus (fixtures/hostile, built by fixtures/make-hostile.sh)
# graded in one `grader batch` beside the model solution on the real engine,
# with the checks of rubrics/hostile-limits.yaml that the cases' expected.yaml
# name: Engine/HostileCorpus.*/docker and .../podman, two ctest tests that
# run side by side, and Engine/HostileLeftovers.*/ENGINE, the leftover
# check's self-test (seconds). Three to four minutes each on 2 loaded cores.
ipc_add_gtest(hostile_e2e_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/hostile_e2e_test.cc
  LIBS nlohmann_json::nlohmann_json yaml-cpp
  LABELS e2e COST 150)
target_compile_definitions(hostile_e2e_test PRIVATE
  IPC_DEFAULT_SOURCE_DIR="${PROJECT_SOURCE_DIR}" IPC_DEFAULT_BIN_DIR="${PROJECT_BINARY_DIR}/bin")
add_dependencies(hostile_e2e_test grader probe ref-cat ref-listener)

# The run flags and the user-namespace detection (engine_cli.h); one test
# asks the real engine, so the suite is labelled e2e.
ipc_add_gtest(hostile_engine_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/hostile_engine_test.cc
  LIBS ipc_container nlohmann_json::nlohmann_json
  LABELS e2e)
target_compile_definitions(hostile_engine_test PRIVATE
  IPC_DEFAULT_SOURCE_DIR="${PROJECT_SOURCE_DIR}" IPC_DEFAULT_BIN_DIR="${PROJECT_BINARY_DIR}/bin")
