// Is a freshly started program ready for its signal? Two observable facts:
//  - sigcgt: every signal in `signals` has a handler (SigCgt in
//    /proc/PID/status) AND the process is asleep (state S). The sleep
//    requirement closes a race: a program that has just installed its
//    handlers but not yet reached pause() would get the signal early, run
//    the handler, then call pause() and block forever; once it sleeps it is
//    (nearly always) in pause() or another blocking call.
//  - pause: it is blocked in pause() or rt_sigsuspend() (glibc's pause()
//    where there is no pause syscall, e.g. aarch64), from /proc/PID/syscall.
//    Needs ptrace-read access: works for children running as root, not for
//    ones that switched user (those can still be ready by sigcgt).
// Readiness is about the spawned pid: for `bash -c ./prog` bash execs
// the last command in place, so that is the program; for `su - u -c ...`
// it is su, which is never ready this way.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace ipc::probe {

enum class ReadyBy { kNone, kSigCgt, kPause };

// "sigcgt", "pause" or "" (the protocol's spelling).
std::string ReadyByName(ReadyBy r);

// One look at `pid`. kNone when not ready or unreadable (gone).
ReadyBy CheckReady(pid_t pid, const std::vector<int>& signals, bool on_pause);

// Whether `nr` is pause or rt_sigsuspend on this architecture.
bool IsPauseSyscall(long nr);

}  // namespace ipc::probe
