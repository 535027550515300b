# The fixture class (fixtures/class, fixtures/variants) built by
# fixtures/make-class.sh and held to the fixtures' hand-written expected.yaml
# by `grader rubric test` on the real engine. Slow (a whole class): label e2e.
ipc_add_gtest(fixture_class_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/fixture_class_test.cc
  LIBS nlohmann_json::nlohmann_json
  LABELS e2e COST 240)
target_compile_definitions(fixture_class_test PRIVATE
  IPC_DEFAULT_SOURCE_DIR="${PROJECT_SOURCE_DIR}" IPC_DEFAULT_BIN_DIR="${PROJECT_BINARY_DIR}/bin")
add_dependencies(fixture_class_test grader probe ref-cat ref-listener)
