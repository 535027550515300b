// The probe's system call filter (step_filter.h) on the host, with real
// processes: a step started through the probe's spawn path gets EPERM from
// ptrace (PTRACE_TRACEME, PTRACE_ATTACH of a sibling) and from the other
// calls into another process, and is killed for a call of another ABI;
// the whole tree a step starts is covered; a traced step is still traced
// and its processes are filtered too; a program given the tracer's flag is
// not taken for the tracer; and a filter that cannot be installed means
// the step does not run, with the reason.
//
// Each refusal is shown against a control: the same helper, forked and
// exec'd by the test without the probe's spawn path, gets another answer
// (the tests run as root with CAP_SYS_PTRACE), so a test fails if the
// filter is not installed. The controls run after the filtered steps, so
// they also show that the spawning process kept no filter of its own (its
// children are clones on its memory).
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstddef>
#include <iterator>
#include <thread>

#include "probe/spawn.h"
#include "probe/step_filter.h"
#include "probe/tracer.h"
#include "probe_test_support.h"
#include "protocol/trace_log.h"

namespace ipc::probe {
namespace {

using testing::Spec;

// One probe per argument, each printing "NAME: ok" or "NAME: ERRNONAME".
// The arguments are such that, unfiltered and as root, none gives EPERM.
constexpr const char* kCallsHelper = R"(
#define _GNU_SOURCE
#include <errno.h>
#include <linux/kcmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

static void say(const char *what, long rc) {
  if (rc < 0) printf("%s: %s\n", what, strerrorname_np(errno));
  else printf("%s: ok\n", what);
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IONBF, 0);
  char src[8] = "abcdefg", dst[8];
  struct iovec local = {dst, sizeof dst}, remote = {src, sizeof src};
  for (int i = 1; i < argc; ++i) {
    const char *a = argv[i];
    if (!strcmp(a, "traceme")) {
      say("traceme", ptrace(PTRACE_TRACEME, 0, NULL, NULL));
    } else if (!strncmp(a, "attach:", 7)) {
      const pid_t target = (pid_t)atoi(a + 7);
      const long rc = ptrace(PTRACE_ATTACH, target, NULL, NULL);
      const int err = errno;
      if (rc == 0) {
        waitpid(target, NULL, __WALL);
        ptrace(PTRACE_DETACH, target, NULL, NULL);
      }
      errno = err;
      say("attach", rc);
    } else if (!strcmp(a, "attach-nobody")) {
      /* No such pid: ESRCH, unless refused before the kernel looks. */
      say("attach-nobody", ptrace(PTRACE_ATTACH, (pid_t)0x3ffffff0, NULL, NULL));
    } else if (!strcmp(a, "process_vm_readv")) {
      say(a, syscall(SYS_process_vm_readv, getpid(), &local, 1, &remote, 1, 0));
    } else if (!strcmp(a, "process_vm_writev")) {
      say(a, syscall(SYS_process_vm_writev, getpid(), &local, 1, &remote, 1, 0));
    } else if (!strcmp(a, "kcmp")) {
      say(a, syscall(SYS_kcmp, getpid(), getpid(), KCMP_VM, 0, 0));
    } else if (!strcmp(a, "pidfd_getfd")) {
      const long pidfd = syscall(SYS_pidfd_open, getpid(), 0);
      say(a, syscall(438 /* pidfd_getfd */, pidfd, 1, 0));
    } else if (!strcmp(a, "x32")) {
      syscall(0x40000000 | SYS_getpid);
      printf("x32: survived\n");
    } else if (!strcmp(a, "i386")) {
      long rc;
      __asm__ volatile("int $0x80" : "=a"(rc) : "a"(20L /* i386 getpid */) : "memory");
      printf("i386: survived\n");
    }
  }
  return 0;
}
)";

// A classic BPF program for the test's own thread: seccomp(2) gives EACCES,
// everything else is allowed. Installed on one thread (no TSYNC): the
// processes that thread clones inherit it, the test's other threads do not.
void RefuseSeccompOnThisThread() {
  static const sock_filter kRefuseSeccomp[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_seccomp, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EACCES),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  sock_fprog program{};
  program.len = static_cast<unsigned short>(std::size(kRefuseSeccomp));
  program.filter = const_cast<sock_filter*>(kRefuseSeccomp);
  ASSERT_EQ(::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), 0);
  ASSERT_EQ(::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &program), 0) << errno;
}

struct StepFilterTest : ::testing::Test {
  void SetUp() override {
    testing::BecomeSubreaper();
    helper = testing::CompileC(dir, "calls", kCallsHelper);
  }

  protocol::StepResult Run(const std::vector<std::string>& argv) {
    return testing::Run(Spec(argv), dir.path(), dir.path());
  }

  // The control: `argv` forked and exec'd by the test itself, as the
  // probe would run it without the filter. Its stdout until EOF (its exit
  // status goes to the probe's reaper, which waits for every child).
  static std::string RunUnfiltered(const std::vector<std::string>& argv) {
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return "pipe failed";
    const pid_t pid = ::fork();
    if (pid == 0) {
      ::dup2(fds[1], 1);
      ::execv(args[0], args.data());
      ::_exit(127);
    }
    ::close(fds[1]);
    std::string out;
    char buf[4096];
    ssize_t n;
    while ((n = ::read(fds[0], buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR)) {
      if (n > 0) out.append(buf, static_cast<std::size_t>(n));
    }
    ::close(fds[0]);
    return out;
  }

  // A sibling to attach to: `sleep`, started through the probe's spawn
  // path like any step (its own filter does not stop others attaching).
  void StartSibling(Spawned* sibling) {
    std::string err;
    ASSERT_TRUE(Spawn(Spec({"sleep", "600"}), SpawnContext{dir.path(), dir.path()}, sibling, &err))
        << err;
  }
  static void EndSibling(Spawned& sibling) {
    KillTree(sibling.pid);
    pollfd p{sibling.exit_event.get(), POLLIN, 0};
    EXPECT_EQ(::poll(&p, 1, 30000), 1) << "the sibling did not end after SIGKILL";
  }

  testing::TempDir dir;
  std::string helper;
};

TEST_F(StepFilterTest, PtraceTracemeIsRefusedWithEpermToAStepAndAllowedWithoutTheFilter) {
  const auto r = Run({helper, "traceme"});
  ASSERT_TRUE(r.process.started) << r.process.error;
  EXPECT_EQ(r.process.stdout_data, "traceme: EPERM\n");
  EXPECT_EQ(r.process.exit_code, 0);
  EXPECT_EQ(RunUnfiltered({helper, "traceme"}), "traceme: ok\n");
}

TEST_F(StepFilterTest, AStepCannotAttachToASiblingThatAnUnfilteredProcessCanAttachTo) {
  Spawned sibling;
  StartSibling(&sibling);
  if (HasFatalFailure()) return;
  const std::string attach = "attach:" + std::to_string(sibling.pid);
  const auto r = Run({helper, attach, "attach-nobody"});
  ASSERT_TRUE(r.process.started) << r.process.error;
  // EPERM even for a pid that does not exist: refused before the kernel
  // looks at the target, so no permission check explains it.
  EXPECT_EQ(r.process.stdout_data, "attach: EPERM\nattach-nobody: EPERM\n");
  EXPECT_EQ(RunUnfiltered({helper, attach, "attach-nobody"}), "attach: ok\nattach-nobody: ESRCH\n");
  EXPECT_TRUE(testing::Alive(sibling.pid));  // the control detached again
  EndSibling(sibling);
}

TEST_F(StepFilterTest, EveryOtherCallIntoAnotherProcessIsRefusedWithEperm) {
  const std::vector<std::string> calls = {"process_vm_readv", "process_vm_writev", "kcmp",
                                          "pidfd_getfd"};
  ASSERT_EQ(calls.size() + 1, kStepFilterRefused.size());  // ptrace has its own tests
  std::vector<std::string> argv = {helper};
  argv.insert(argv.end(), calls.begin(), calls.end());
  const auto r = Run(argv);
  ASSERT_TRUE(r.process.started) << r.process.error;
  const std::string unfiltered = RunUnfiltered(argv);
  for (const auto& call : calls) {
    EXPECT_NE(r.process.stdout_data.find(call + ": EPERM\n"), std::string::npos)
        << r.process.stdout_data;
    EXPECT_NE(unfiltered.find(call + ": ok\n"), std::string::npos) << unfiltered;
  }
}

TEST_F(StepFilterTest, EveryProcessTheStepStartsInheritsTheFilterAcrossForkAndExec) {
  const auto r =
      Run({"sh", "-c", helper + " attach-nobody; sh -c '" + helper + " attach-nobody' & wait"});
  ASSERT_TRUE(r.process.started) << r.process.error;
  EXPECT_EQ(r.process.stdout_data, "attach-nobody: EPERM\nattach-nobody: EPERM\n");
  EXPECT_EQ(RunUnfiltered({"/bin/sh", "-c", helper + " attach-nobody"}), "attach-nobody: ESRCH\n");
}

TEST_F(StepFilterTest, AnX32CallKillsTheProcessWithSigsys) {
  const auto r = Run({helper, "x32"});
  ASSERT_TRUE(r.process.started) << r.process.error;
  EXPECT_EQ(r.process.term_signal, SIGSYS);
  EXPECT_EQ(r.process.stdout_data, "");
  // Unfiltered, the kernel answers (ENOSYS where x32 is not built in).
  EXPECT_EQ(RunUnfiltered({helper, "x32"}), "x32: survived\n");
}

// Where the kernel has the 32-bit entry, the filter kills the caller
// (SIGSYS); where it has none (this VM's kernel), int 0x80 faults with or
// without the filter. Either way the call never runs and the step goes on
// no further.
TEST_F(StepFilterTest, AnI386CallNeverRunsUnderTheFilter) {
  const bool kernel_has_i386 = RunUnfiltered({helper, "i386"}) == "i386: survived\n";
  const auto r = Run({helper, "i386"});
  ASSERT_TRUE(r.process.started) << r.process.error;
  EXPECT_EQ(r.process.stdout_data, "");
  if (kernel_has_i386) {
    EXPECT_EQ(r.process.term_signal, SIGSYS);
  } else {
    EXPECT_NE(r.process.term_signal, 0) << "int 0x80 faults on a kernel without the entry";
  }
}

TEST_F(StepFilterTest, ATracedStepIsStillTracedAndItsProcessesAreFiltered) {
  Spawned sibling;
  StartSibling(&sibling);
  if (HasFatalFailure()) return;
  ::mkdir((dir / "tests").c_str(), 0755);
  const std::string attach = "attach:" + std::to_string(sibling.pid);
  testing::WriteFile(dir / "tests/run.sh",
                     "#!/bin/sh\nexec " + helper + " " + attach + " attach-nobody\n");
  ::chmod((dir / "tests/run.sh").c_str(), 0755);
  protocol::Step step;
  step.id = "ci/job";
  step.process = Spec({"sh", "-c", "./tests/run.sh"});
  step.watch = {"tests/run.sh"};
  const auto r = RunStep(step, testing::Env(dir.path(), dir.path()));
  ASSERT_TRUE(r.process.started) << r.process.error;
  EXPECT_FALSE(r.trace_truncated) << r.process.stdout_data;
  EXPECT_EQ(r.process.stdout_data, "attach: EPERM\nattach-nobody: EPERM\n");
  EXPECT_EQ(r.process.exit_code, 0);
  // The tracer saw the watched script run, and the helper it exec'd.
  bool hit = false, helper_exec = false;
  for (const auto& e : r.trace) {
    if (e.kind != protocol::TraceEvent::Kind::kExec) continue;
    hit = hit || !e.hits.empty();
    helper_exec = helper_exec || e.exe == helper;
  }
  EXPECT_TRUE(hit);
  EXPECT_TRUE(helper_exec);
  EXPECT_EQ(RunUnfiltered({helper, attach, "attach-nobody"}), "attach: ok\nattach-nobody: ESRCH\n");
  EndSibling(sibling);
}

TEST_F(StepFilterTest, AProgramGivenTheTracersFlagIsNotTakenForTheTracer) {
  auto r = Run({helper, kTraceFlag, "--", "attach-nobody"});
  ASSERT_TRUE(r.process.started) << r.process.error;
  EXPECT_EQ(r.process.stdout_data, "attach-nobody: EPERM\n");
  // GNU make has a --trace option: a rubric may well run `make --trace`.
  testing::WriteFile(dir / "Makefile", "all:\n\t@" + helper + " attach-nobody\n");
  r = Run({"make", "--trace", "-s"});
  ASSERT_TRUE(r.process.started) << r.process.error;
  EXPECT_NE(r.process.stdout_data.find("attach-nobody: EPERM\n"), std::string::npos)
      << r.process.stdout_data;
}

// The probe's failure path, with a real refusal from the kernel: the test
// thread that starts the step refuses seccomp(2) to what it clones.
TEST_F(StepFilterTest, AStepWhoseFilterCannotBeInstalledDoesNotRunAndSaysWhy) {
  Reaper::Get();  // its thread started here, unfiltered
  protocol::StepResult r;
  std::thread starter([&] {
    RefuseSeccompOnThisThread();
    if (HasFatalFailure()) return;
    r = Run({"sh", "-c", "touch ran"});
  });
  starter.join();
  ASSERT_FALSE(HasFatalFailure());
  EXPECT_FALSE(r.process.started);
  // "not run: " makes it the grader's error (checks::MissingStep), not the
  // submission's failure.
  EXPECT_EQ(r.process.error, DescribeStepFilterFailure(EACCES));
  EXPECT_EQ(r.process.error.rfind("not run: ", 0), 0u);
  EXPECT_NE(r.process.error.find(ErrnoText(EACCES)), std::string::npos);
  struct stat st {};
  EXPECT_NE(::stat((dir / "ran").c_str(), &st), 0) << "the command ran unfiltered";
  // The same step from an unfiltered thread runs.
  EXPECT_EQ(Run({"sh", "-c", "touch ran"}).process.exit_code, 0);
  EXPECT_EQ(::stat((dir / "ran").c_str(), &st), 0);
}

TEST_F(StepFilterTest, ATracedCommandWhoseFilterCannotBeInstalledDoesNotRunAndSaysWhy) {
  Reaper::Get();
  protocol::StepResult r;
  std::thread starter([&] {
    RefuseSeccompOnThisThread();
    if (HasFatalFailure()) return;
    protocol::Step step;
    step.id = "ci/job";
    step.process = Spec({"sh", "-c", "touch ran"});
    step.watch = {"ran"};
    r = RunStep(step, testing::Env(dir.path(), dir.path()));
  });
  starter.join();
  ASSERT_FALSE(HasFatalFailure());
  // The tracer started (it runs without the step filter) and attached; the
  // command did not run, and the step says so as a step that did not run
  // (the grader's error), not as the command's exit 127.
  EXPECT_FALSE(r.process.started);
  EXPECT_EQ(r.process.error, DescribeStepFilterFailure(EACCES));
  EXPECT_EQ(r.process.exit_code, 127);
  EXPECT_EQ(r.process.stdout_data,
            "ipc-grader tracer: " + DescribeStepFilterFailure(EACCES) + "\n");
  EXPECT_TRUE(r.trace_truncated);
  for (const auto& e : r.trace) EXPECT_NE(e.kind, protocol::TraceEvent::Kind::kExec);
  struct stat st {};
  EXPECT_NE(::stat((dir / "ran").c_str(), &st), 0) << "the command ran unfiltered";
}

}  // namespace
}  // namespace ipc::probe
