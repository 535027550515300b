# The probe's core on the host with real processes (spawn, readiness,
# reaper, sweep, plan runner), and the static binary's error paths.
ipc_add_gtest(probe_test
  SOURCES
    ${PROJECT_SOURCE_DIR}/tests/unit/probe_spawn_test.cc
    ${PROJECT_SOURCE_DIR}/tests/unit/probe_readiness_test.cc
    ${PROJECT_SOURCE_DIR}/tests/unit/probe_reaper_test.cc
    ${PROJECT_SOURCE_DIR}/tests/unit/probe_plan_test.cc
    ${PROJECT_SOURCE_DIR}/tests/unit/probe_pieces_test.cc
    ${PROJECT_SOURCE_DIR}/tests/unit/probe_copy_test.cc
    ${PROJECT_SOURCE_DIR}/tests/unit/probe_main_test.cc
    ${PROJECT_SOURCE_DIR}/tests/unit/probe_features_test.cc
    ${PROJECT_SOURCE_DIR}/tests/unit/probe_integrity_test.cc
    ${PROJECT_SOURCE_DIR}/tests/unit/probe_slots_test.cc
    ${PROJECT_SOURCE_DIR}/tests/unit/probe_oom_test.cc
  LIBS ipc_probe_core
  LABELS unit)
# probe_main_test runs the built binary.
add_dependencies(probe_test probe)
target_compile_definitions(probe_test PRIVATE IPC_PROBE_PATH="$<TARGET_FILE:probe>")

# The static probe in the real engine (needs Docker and the grading image).
ipc_add_gtest(probe_e2e_test
  SOURCES ${PROJECT_SOURCE_DIR}/tests/unit/probe_e2e_test.cc
  LIBS ipc_probe_core
  LABELS e2e)
# The integrity test copies ref-cat next to the probe inside the container.
add_dependencies(probe_e2e_test probe ref-cat)
target_compile_definitions(probe_e2e_test PRIVATE IPC_PROBE_PATH="$<TARGET_FILE:probe>")

# The kernel's OOM killer under a small container memory limit, seen by the
# static probe and put in words by the checks (needs Docker and the image).
ipc_add_gtest(probe_oom_e2e_test
  SOURCES ${PROJECT_SOURCE_DIR}/tests/unit/probe_oom_e2e_test.cc
  LIBS ipc_probe_core ipc_checks
  LABELS e2e)
add_dependencies(probe_oom_e2e_test probe)
target_compile_definitions(probe_oom_e2e_test PRIVATE IPC_PROBE_PATH="$<TARGET_FILE:probe>")
