# The rubric loader and NodeReader; and the repository's rubrics held to the
# assignment's text (their `quote:`s), read from the source tree.
ipc_add_gtest(rubric_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/rubric_test.cc
          ${CMAKE_CURRENT_LIST_DIR}/rubric_quotes_test.cc
  LIBS ipc_rubric ipc_util
  LABELS unit)
target_compile_definitions(rubric_test PRIVATE IPC_RUBRIC_TEST_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
