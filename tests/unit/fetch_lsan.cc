// Sanitizer settings for fetch_test (only read in IPC_SANITIZE builds).
//
// libgit2 1.5.1 (Debian 12) leaks inside itself: pcre2 match data on every
// regex config search (libgit2 PR #6382, fixed in 1.6), and a few bytes when
// an ssh connection fails during git_remote_connect. Those are suppressed by
// name; full (slow) unwinding is needed because libgit2 is built without
// frame pointers, so the fast unwinder would not see the libgit2 frames the
// patterns match. Our own handles are still checked: their stacks do not
// end in these frames, and the fd checks in fetch_net_test catch a stream
// that is never closed.
extern "C" const char* __asan_default_options() {
  return "fast_unwind_on_malloc=0";
}

extern "C" const char* __lsan_default_suppressions() {
  return "leak:libpcre2-8.so\n"
         "leak:git_remote_connect_ext\n";
}
