# The GitLab CI and Kubernetes examples of docs/BATCH.md (docs/examples/),
# which nothing runs here: read by the grader's own .gitlab-ci.yml parser
# and yaml-cpp, and their `grader` command lines by the grader's own CLI.
ipc_add_gtest(docs_examples_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/docs_examples_test.cc
  LIBS ipc_cli ipc_checks yaml-cpp
  LABELS unit)
target_compile_definitions(docs_examples_test PRIVATE IPC_DOCS_TEST_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
