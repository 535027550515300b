# The options grade and batch share, and the rubric check a run starts with
# (the repository's rubrics, read from the source tree).
ipc_add_gtest(cli_options_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/cli_options_test.cc
  LIBS ipc_cli
  LABELS unit)
target_compile_definitions(cli_options_test PRIVATE IPC_CLI_TEST_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
