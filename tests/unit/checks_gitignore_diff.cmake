# checks/glob.h (the gitignore and not_committed checks' matcher) against
# `git check-ignore --no-index` on generated and hand-picked .gitignore files.
ipc_add_gtest(checks_gitignore_diff_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/checks_gitignore_diff_test.cc
  LIBS ipc_checks
  LABELS unit)
