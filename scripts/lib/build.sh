# shellcheck shell=bash disable=SC2034  # STEP_NOTE/STEP_ERROR are read by ipc_step (common.sh)
# Steps "configure" and "build": CMake + Ninja into $IPC_BUILD_DIR (default build/).

ipc_step_configure() {
  local -a args=(-S "$IPC_ROOT" -B "$IPC_BUILD_DIR")
  # Generator and build type only on the first configure: later runs keep what
  # the developer chose (a different generator would be an error).
  if [[ ! -f "$IPC_BUILD_DIR/CMakeCache.txt" ]]; then
    if command -v ninja >/dev/null; then args+=(-G Ninja); fi
    if [[ "${CI:-}" == true ]]; then
      # CI: RelWithDebInfo's code (-O2) without its debug info, which
      # nothing on CI reads and which is about 30% of the compile time of
      # the grader's libraries and most of the link time (a clean build
      # is the largest part of .ci/run's 20 minutes on 2 cores).
      args+=(-DCMAKE_BUILD_TYPE=Release "-DCMAKE_C_FLAGS_RELEASE=-O2 -DNDEBUG"
        "-DCMAKE_CXX_FLAGS_RELEASE=-O2 -DNDEBUG")
    else
      args+=(-DCMAKE_BUILD_TYPE=RelWithDebInfo)
    fi
  fi
  if [[ "${CI:-}" == true ]]; then args+=(-DIPC_WERROR=ON); fi
  # Configured on every run: tests/CMakeLists.txt globs tests/*/*.cmake, and a
  # glob is only re-read at configure time.
  if ! cmake "${args[@]}"; then
    STEP_ERROR="cmake could not configure $IPC_BUILD_DIR. Fix: see the CMake error below; a missing library belongs in scripts/packages.txt"
    return 1
  fi
}

ipc_step_build() {
  if ! cmake --build "$IPC_BUILD_DIR" -j"$(nproc)"; then
    # Show only ninja's failed edges: the log's tail would mix in warnings from
    # the other parallel jobs and can push the error out of view.
    STEP_DETAIL="$(awk '/^FAILED: /{p=1} /^\[[0-9]+\/[0-9]+\] /{p=0} p' "$STEP_LOG")"
    STEP_ERROR="the build failed. Fix: see the errors below (full log: $STEP_LOG)"
    return 1
  fi
}
