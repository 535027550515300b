# The host-side repository checks (gitignore, not_committed, file_contents,
# tags) and the gitignore glob matcher.
ipc_add_gtest(repo_checks_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/repo_checks_test.cc
  LIBS ipc_score ipc_report
  LABELS unit)
