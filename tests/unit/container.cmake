# The container adapter without an engine: command-line construction, names,
# messages, derived-image hashing, the fake, the process wrapper against
# real local processes (sh, cat, sleep, tar), and DockerCliRunner against a
# fake CLI script (fake_engine_cli.h).
ipc_add_gtest(container_test
  SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/container_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/container_cli_runner_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/container_process_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/container_owner_test.cc
  LIBS ipc_container ipc_util
  LABELS unit)
