# The container adapter without an engine: command-line construction, names,
# messages, derived-image hashing, the fake, and the process wrapper against
# real local processes (sh, cat, sleep, tar).
ipc_add_gtest(container_test
  SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/container_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/container_process_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/container_owner_test.cc
  LIBS ipc_container ipc_util
  LABELS unit)
