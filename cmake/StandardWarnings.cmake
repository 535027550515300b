# Warnings as an INTERFACE target (after ccache's cmake/StandardWarnings.cmake):
# link ipc_warnings to opt a target in; IPC_WERROR turns them into errors (CI does).
add_library(ipc_warnings INTERFACE)
target_compile_options(ipc_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wcast-align
  -Woverloaded-virtual -Wformat=2 -Wimplicit-fallthrough)
# Not -Wnull-dereference: GCC 12 at -O2 reports false positives inside
# libstdc++'s inlined string code (seen through CLI11's headers).
if(IPC_WERROR)
  # GCC 12's optimiser-driven diagnostics misfire inside libstdc++ at -O2
  # (vectors of strings, <regex>); they stay visible as warnings.
  target_compile_options(ipc_warnings INTERFACE -Werror
    -Wno-error=maybe-uninitialized -Wno-error=array-bounds
    -Wno-error=stringop-overflow -Wno-error=restrict)
endif()
