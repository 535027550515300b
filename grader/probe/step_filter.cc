#include "probe/step_filter.h"

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>

#include "probe/fd.h"

// New enough to be missing from some C library headers; the number is the
// same on every architecture (the unified table of Linux 5.6).
#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif

namespace ipc::probe {
namespace {

#if defined(__x86_64__)
constexpr std::uint32_t kAuditArch = AUDIT_ARCH_X86_64;
#elif defined(__aarch64__)
constexpr std::uint32_t kAuditArch = AUDIT_ARCH_AARCH64;
#else
#error "step_filter.cc: the build's AUDIT_ARCH is not known here; add it"
#endif

// In the order of kStepFilterRefused.
constexpr std::array<std::uint32_t, kStepFilterRefused.size()> kRefusedNumbers = {
    SYS_ptrace, SYS_process_vm_readv, SYS_process_vm_writev, SYS_kcmp, SYS_pidfd_getfd};

constexpr std::uint32_t kRefuse = SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA);

constexpr sock_filter Statement(std::uint16_t code, std::uint32_t k) { return {code, 0, 0, k}; }
constexpr sock_filter Jump(std::uint16_t code, std::uint32_t k, std::uint8_t if_true,
                           std::uint8_t if_false) {
  return {code, if_true, if_false, k};
}

// The arch check (load, compare, kill), the load of nr, the x32 check on
// x86-64 (compare, kill), one comparison per refused call, allow, refuse.
constexpr std::size_t kProgramSize =
    3 + 1 + (kAuditArch == AUDIT_ARCH_X86_64 ? 2 : 0) + kRefusedNumbers.size() + 2;
static_assert(kProgramSize <= 255, "a jump offset is 8 bits");

// Classic BPF over struct seccomp_data, run by the kernel on every system
// call of the process:
//   arch != the build's         -> kill the process
//   nr has the x32 bit (x86-64) -> kill the process
//   nr is a refused call        -> EPERM
//   anything else               -> allow (the engine's profile still applies)
constexpr std::array<sock_filter, kProgramSize> BuildProgram() {
  std::array<sock_filter, kProgramSize> p{};
  std::size_t i = 0;
  p[i++] = Statement(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch));
  p[i++] = Jump(BPF_JMP | BPF_JEQ | BPF_K, kAuditArch, 1, 0);
  p[i++] = Statement(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
  p[i++] = Statement(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr));
  if constexpr (kAuditArch == AUDIT_ARCH_X86_64) {
    // x32 shares the arch value with x86-64 and marks its numbers instead.
    p[i++] = Jump(BPF_JMP | BPF_JGE | BPF_K, 0x40000000 /* __X32_SYSCALL_BIT */, 0, 1);
    p[i++] = Statement(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
  }
  for (std::size_t n = 0; n < kRefusedNumbers.size(); ++n) {
    // A match jumps over the remaining comparisons and the allow.
    const auto over = static_cast<std::uint8_t>(kRefusedNumbers.size() - n);
    p[i++] = Jump(BPF_JMP | BPF_JEQ | BPF_K, kRefusedNumbers[n], over, 0);
  }
  p[i++] = Statement(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
  p[i++] = Statement(BPF_RET | BPF_K, kRefuse);
  return p;
}

// In read-only memory: the child between clone and exec writes nothing of
// the probe's, and the kernel copies the program when it installs it.
constexpr std::array<sock_filter, kProgramSize> kProgram = BuildProgram();
static_assert(kProgram.back().k == kRefuse && kProgram[kProgramSize - 2].k == SECCOMP_RET_ALLOW);

}  // namespace

int InstallStepFilter() noexcept {
  // Without CAP_SYS_ADMIN (the container has none) the kernel installs a
  // filter only under no_new_privs. The engine sets it already
  // (--security-opt no-new-privileges), so this changes nothing there.
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return errno;
  sock_fprog program{};
  program.len = static_cast<unsigned short>(kProgram.size());
  // The kernel only reads it.
  program.filter = const_cast<sock_filter*>(kProgram.data());
  // Raw calls: the child of a clone(CLONE_VM) must not go through anything
  // that could take a lock of the parent's.
  if (::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &program) == 0) return 0;
  if (errno != ENOSYS) return errno;
  // Before Linux 3.17 (or a profile without seccomp(2)): the prctl form.
  if (::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program, 0, 0) == 0) return 0;
  return errno;
}

std::string DescribeStepFilterFailure(int err) {
  return "not run: the probe could not install its system call filter (seccomp, refusing "
         "ptrace) in the step's process, and a step never runs without it: " +
         ErrnoText(err);
}

}  // namespace ipc::probe
