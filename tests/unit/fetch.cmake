# fetch/ and util/ suites. tar_test compiles the tar sources itself (ipc_tar carries
# no sanitizer flags because the static probe links it).
ipc_add_gtest(tar_test
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/unit/tar_test.cc
          ${PROJECT_SOURCE_DIR}/grader/util/tar.cc
          ${PROJECT_SOURCE_DIR}/grader/util/tar_parse.cc
  LABELS unit)

ipc_add_gtest(util_test
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/unit/util_test.cc
  LIBS ipc_util
  LABELS unit)

# Real repositories through the git CLI; no git server (those come with the
# e2e suites).
ipc_add_gtest(fetch_test
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/unit/fetch_test.cc
          ${CMAKE_CURRENT_SOURCE_DIR}/unit/fetch_tree_test.cc
          ${CMAKE_CURRENT_SOURCE_DIR}/unit/fetch_net_test.cc
          ${CMAKE_CURRENT_SOURCE_DIR}/unit/fetch_source_test.cc
          ${CMAKE_CURRENT_SOURCE_DIR}/unit/fetch_lsan.cc
  LIBS ipc_fetch Threads::Threads
  LABELS unit)
