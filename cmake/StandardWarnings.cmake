# Warnings as an INTERFACE target (after ccache's cmake/StandardWarnings.cmake):
# link ipc_warnings to opt a target in; IPC_WERROR turns them into errors (CI does).
add_library(ipc_warnings INTERFACE)
target_compile_options(ipc_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wcast-align
  -Woverloaded-virtual -Wnull-dereference -Wformat=2 -Wimplicit-fallthrough)
if(IPC_WERROR)
  target_compile_options(ipc_warnings INTERFACE -Werror)
endif()
