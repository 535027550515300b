# The docker CLI runner against the real engine and ipc-grader/python:bookworm
# (built by scripts/setup.sh). Skips without an engine unless CI=true.
ipc_add_gtest(container_e2e_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/container_e2e_test.cc
  LIBS ipc_container
  LABELS e2e)
