ipc_add_gtest(cli_options_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/cli_options_test.cc
  LIBS ipc_cli
  LABELS unit)
