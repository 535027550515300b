# Reference oracles: ipc_pytext unit tests; the reference programs'
# descriptions (oracle_spec.h: argv round trips, generated stand-ins) and
# their decoding from a rubric (oracle_yaml.h); the differential tests that
# prove ref-cat / ref-listener, configured by each assignment's rubric (the
# project and its two variants), exact against CPython running the text's
# cat.py and a gcc build of the text's listener.c, and against the stand-ins
# the grader generates; the rubrics' mutants; and the model solution's
# repository. Label: reference.
ipc_add_gtest(reference_test
  SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/reference_process.cc
    ${CMAKE_CURRENT_LIST_DIR}/reference_py_text_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/reference_oracle_spec_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/reference_oracle_yaml_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/reference_diff_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/reference_listener_diff_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/reference_solution_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/reference_mutant_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/reference_cases_test.cc
  LIBS ipc_pytext ipc_protocol ipc_oracles
  LABELS reference)
# The differential tests execute the built oracles from IPC_BIN_DIR.
add_dependencies(reference_test ref-cat ref-listener)
# Fallbacks for IPC_SOURCE_DIR / IPC_BIN_DIR when the environment lacks them.
target_compile_definitions(reference_test PRIVATE
  IPC_REFTEST_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
  IPC_REFTEST_BIN_DIR="$<TARGET_FILE_DIR:ref-cat>")
