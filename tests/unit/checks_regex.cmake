# checks/rubric_regex.h (file_contents `matches` with RE2): pathological
# patterns and inputs, and agreement with std::regex on the shared syntax.
ipc_add_gtest(checks_regex_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/checks_regex_test.cc
  LIBS ipc_score ipc_report
  LABELS unit)
