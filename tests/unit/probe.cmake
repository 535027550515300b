# The probe's core on the host with real processes: spawn, readiness,
# reaper and sweep, the boxes of a plan (box_runner), the writable state
# kept and put back (state), System V cleanup, the tracer (the built probe
# run with --trace; the tests run as root), the system call filter every
# step runs under (step_filter), its SHA-256, the file-system pieces, OOM
# attribution, and the static binary's error paths.
ipc_add_gtest(probe_test
  SOURCES
    ${PROJECT_SOURCE_DIR}/tests/unit/probe_spawn_test.cc
    ${PROJECT_SOURCE_DIR}/tests/unit/probe_readiness_test.cc
    ${PROJECT_SOURCE_DIR}/tests/unit/probe_reaper_test.cc
    ${PROJECT_SOURCE_DIR}/tests/unit/probe_pieces_test.cc
    ${PROJECT_SOURCE_DIR}/tests/unit/probe_box_runner_test.cc
    ${PROJECT_SOURCE_DIR}/tests/unit/probe_state_test.cc
    ${PROJECT_SOURCE_DIR}/tests/unit/probe_sysv_test.cc
    ${PROJECT_SOURCE_DIR}/tests/unit/probe_tracer_test.cc
    ${PROJECT_SOURCE_DIR}/tests/unit/probe_step_filter_test.cc
    ${PROJECT_SOURCE_DIR}/tests/unit/probe_sha256_test.cc
    ${PROJECT_SOURCE_DIR}/tests/unit/probe_fs_ops_test.cc
    ${PROJECT_SOURCE_DIR}/tests/unit/probe_main_test.cc
    ${PROJECT_SOURCE_DIR}/tests/unit/probe_oom_test.cc
  LIBS ipc_probe_core ipc_util
  LABELS unit)
# The tracer and main tests run the built binary.
add_dependencies(probe_test probe)
target_compile_definitions(probe_test PRIVATE IPC_PROBE_PATH="$<TARGET_FILE:probe>")

# The static probe in the real engine, in the container layout the grader
# uses (needs Docker and the grading image, IPC_TEST_IMAGE).
ipc_add_gtest(probe_e2e_test
  SOURCES ${PROJECT_SOURCE_DIR}/tests/unit/probe_e2e_test.cc
  LIBS ipc_probe_core ipc_container
  LABELS e2e)
# ref-cat and ref-listener go next to the probe inside the container.
add_dependencies(probe_e2e_test probe ref-cat ref-listener)
target_compile_definitions(probe_e2e_test PRIVATE IPC_PROBE_PATH="$<TARGET_FILE:probe>")

# The kernel's OOM killer under a small container memory limit, seen by the
# static probe and put in words by the checks (needs Docker and the image).
ipc_add_gtest(probe_oom_e2e_test
  SOURCES ${PROJECT_SOURCE_DIR}/tests/unit/probe_oom_e2e_test.cc
  LIBS ipc_probe_core ipc_container ipc_checks
  LABELS e2e)
add_dependencies(probe_oom_e2e_test probe)
target_compile_definitions(probe_oom_e2e_test PRIVATE IPC_PROBE_PATH="$<TARGET_FILE:probe>")
