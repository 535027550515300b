# Reference oracles: ipc_pytext unit tests, the differential tests that prove
# ref-cat / ref-listener exact against CPython and a gcc build of the seed,
# and the model solution's repository. Label: reference.
ipc_add_gtest(reference_test
  SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/reference_process.cc
    ${CMAKE_CURRENT_LIST_DIR}/reference_py_text_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/reference_diff_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/reference_listener_diff_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/reference_solution_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/reference_mutant_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/reference_cases_test.cc
  LIBS ipc_pytext ipc_protocol
  LABELS reference)
# The differential tests execute the built oracles from IPC_BIN_DIR.
add_dependencies(reference_test ref-cat ref-listener)
# Fallbacks for IPC_SOURCE_DIR / IPC_BIN_DIR when the environment lacks them.
target_compile_definitions(reference_test PRIVATE
  IPC_REFTEST_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
  IPC_REFTEST_BIN_DIR="$<TARGET_FILE_DIR:ref-cat>")
