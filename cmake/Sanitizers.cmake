# ASan + UBSan as an INTERFACE target. Static executables (the probe and the
# reference programs that run inside the grading image) cannot use them.
add_library(ipc_sanitizers INTERFACE)
if(IPC_SANITIZE)
  target_compile_options(ipc_sanitizers INTERFACE
    -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  target_link_options(ipc_sanitizers INTERFACE -fsanitize=address,undefined)
endif()
