# Real git servers on loopback (git daemon, lighttpd + git-http-backend,
# sshd), started and stopped by the tests themselves.
#  - git_server_fetch_test: the fetcher against them; no container engine.
#  - git_server_grade_test: `grader grade` over HTTP with a token, on the
#    real engine, against the same repository from file://.
ipc_add_gtest(git_server_fetch_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/git_server_fetch_test.cc
          ${CMAKE_CURRENT_LIST_DIR}/git_server.cc
          ${PROJECT_SOURCE_DIR}/tests/unit/fetch_lsan.cc
  LIBS ipc_fetch Threads::Threads
  LABELS e2e)
target_compile_definitions(git_server_fetch_test PRIVATE
  IPC_DEFAULT_SOURCE_DIR="${PROJECT_SOURCE_DIR}" IPC_DEFAULT_BIN_DIR="${PROJECT_BINARY_DIR}/bin")

ipc_add_gtest(git_server_grade_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/git_server_grade_test.cc
          ${CMAKE_CURRENT_LIST_DIR}/git_server.cc
  LIBS nlohmann_json::nlohmann_json yaml-cpp
  LABELS e2e)
target_compile_definitions(git_server_grade_test PRIVATE
  IPC_DEFAULT_SOURCE_DIR="${PROJECT_SOURCE_DIR}" IPC_DEFAULT_BIN_DIR="${PROJECT_BINARY_DIR}/bin")
add_dependencies(git_server_grade_test grader probe ref-cat ref-listener)
