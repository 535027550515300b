# The Slurm example of docs/BATCH.md (docs/examples/slurm/) on a real
# one-node Slurm cluster (munged, slurmctld, slurmd on loopback) that the
# test starts and stops, with a git server for the one student behind a
# token; the real engine grades. Runs as root (slurmd).
ipc_add_gtest(slurm_e2e_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/slurm_e2e_test.cc
          ${CMAKE_CURRENT_LIST_DIR}/git_server.cc
  LIBS nlohmann_json::nlohmann_json yaml-cpp
  LABELS e2e COST 110)
target_compile_definitions(slurm_e2e_test PRIVATE
  IPC_DEFAULT_SOURCE_DIR="${PROJECT_SOURCE_DIR}" IPC_DEFAULT_BIN_DIR="${PROJECT_BINARY_DIR}/bin")
add_dependencies(slurm_e2e_test grader probe ref-cat ref-listener)
