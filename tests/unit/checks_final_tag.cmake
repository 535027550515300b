# The final submission's tag end to end: the project rubric's ref rule
# resolved by the real fetcher in git repositories made with the git CLI,
# then judged by its `tags` check.
ipc_add_gtest(checks_final_tag_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/checks_final_tag_test.cc
  LIBS ipc_score ipc_report ipc_fetch
  LABELS unit)
target_compile_definitions(checks_final_tag_test PRIVATE IPC_DEFAULT_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
