// The static probe in the real engine (probe_e2e_support.h): a whole plan
// of the assignment's kinds of steps, then sandboxes, overlays, retries,
// fresh users, the workdir swap and sealed tools.
#include <signal.h>
#include <unistd.h>

#include "probe_e2e_support.h"
#include "util/tar.h"

namespace ipc::probe {
namespace {

using protocol::StdoutMode;
using protocol::Step;
using testing::ProbeE2eTest;

constexpr const char* kListener = R"(#include <stdio.h>
#include <signal.h>
#include <unistd.h>
int return_code = 2;
void sigint_handler(int sig) { (void)sig; printf("SIGINT received!\n"); return_code = 1; }
void sigusr1_handler(int sig) { (void)sig; printf("SIGUSR1 received!\n"); return_code = 0; }
int main() {
  printf("Listener PID: %i\n", getpid());
  signal(SIGINT, sigint_handler);
  signal(SIGUSR1, sigusr1_handler);
  pause();
  return return_code;
}
)";

constexpr const char* kCatPy = R"(import sys
filename = sys.stdin.read().strip()
filename_in_litterbox_hopefully = f"./litterbox/{filename}"
try:
    with open(filename_in_litterbox_hopefully) as f:
        print(f.read())
except Exception as e:
    print(f"MEOW {e}")
)";

TEST_F(ProbeE2eTest, RunsThePlanInTheGradingImageAndReportsOnce) {
  plan.nonce = "e2e" + std::to_string(::getpid());
  plan.workdir = "/root";
  tar::Writer w;
  w.AddFile("listener.c", kListener, 0644);
  w.AddFile("cat.py", kCatPy, 0644);
  w.AddFile("secret.txt", "Hey! This is a secret!", 0644);
  w.AddDir("litterbox", 0755);
  w.AddFile("litterbox/treasure.txt", "Treasure found!", 0644);
  const std::string archive = w.Finish();

  // Group 0: build, set up, and leave a daemon behind.
  const std::string binary("\x00\xff\xfe line\n", 9);
  Add("py", 0,
      {"python", "-c",
       "import sys; d = sys.stdin.buffer.read(); sys.stdout.buffer.write(d[::-1]); "
       "print('to stderr', file=sys.stderr)"})
      .process.stdin_data = binary;
  Add("build", 0, {"gcc", "-o", "listener", "listener.c"});
  Add("adduser", 0, {"adduser", "garfield", "--disabled-password", "--gecos", ""});
  Add("daemon", 0, {"sh", "-c", testing::StartDaemon("1000", ">/dev/null 2>&1")}).process.cwd =
      "/tmp";
  // Group 1: signals, the DD test's su, a sandbox, a timeout.
  for (auto [id, mode, sig] : {std::tuple{"listener-pty", StdoutMode::kPty, SIGUSR1},
                               std::tuple{"listener-file", StdoutMode::kFile, SIGINT}}) {
    Step& s = Add(id, 1, {"./listener"});
    s.kind = Step::Kind::kSignal;
    s.signal = sig;
    s.ready_signals = {SIGINT, SIGUSR1};
    s.ready_timeout_s = 30;
    s.process.stdout_mode = mode;
  }
  // No handler for SIGUSR1 (python only installs SIGINT's): ready by being
  // blocked in pause(), read from /proc/PID/syscall without CAP_SYS_PTRACE.
  Step& pauser = Add("pauser", 1, {"python", "-c", "import signal; signal.pause()"});
  pauser.kind = Step::Kind::kSignal;
  pauser.signal = SIGUSR1;
  pauser.ready_signals = {SIGUSR1};
  pauser.ready_timeout_s = 30;
  Step& dd = Add("dd", 1, {"python", "/root/cat.py"});
  dd.process.user = "garfield";
  dd.process.login_shell = true;
  dd.process.stdin_data = "../secret.txt\n";
  Add("as-user", 1, {"id", "-un"}).process.user = "garfield";
  Add("sandboxed", 1, {"sh", "-c", "rm secret.txt && pwd"}).sandbox = "box";
  Add("timeout", 1, {"sh", "-c", "sleep 1000"}).process.timeout_s = 0.5;
  // Group 2 (alone, so that ps sees only itself besides the probe).
  Add("ps", 2, {"ps", "-e", "-o", "pid=,comm="});
  // Group 3: student code attacking the probe; group 4: the probe goes on.
  Add("hostile", 3,
      {"sh", "-c",
       "kill -9 -1; kill -9 1; cat /proc/1/environ >/dev/null && echo read-environ; "
       "readlink /proc/1/fd/1 && echo read-link; "
       "echo forged >/proc/1/fd/1 && echo wrote-probe-stdout; echo survived"});
  Add("after", 4, {"echo", "still here"});
  Add("secret", 4, {"cat", "secret.txt"});

  const protocol::Report r = RunProbe(archive);
  ASSERT_EQ(r.steps.size(), plan.steps.size());
  EXPECT_EQ(r.probe_error, "");

  const auto& py = Get(r, "py").process;
  EXPECT_EQ(py.stdout_data, std::string(binary.rbegin(), binary.rend()));
  EXPECT_EQ(py.stderr_data, "to stderr\n");
  EXPECT_EQ(Get(r, "build").process.exit_code, 0) << Get(r, "build").process.stderr_data;
  EXPECT_EQ(Get(r, "adduser").process.exit_code, 0);

  const auto& pty = Get(r, "listener-pty");
  ASSERT_TRUE(pty.signal);
  EXPECT_TRUE(pty.signal->ready);
  EXPECT_EQ(pty.signal->ready_by, "sigcgt");
  EXPECT_TRUE(pty.signal->signal_sent);
  EXPECT_EQ(pty.signal->pid_line, "Listener PID: " + std::to_string(pty.process.pid));
  EXPECT_EQ(pty.process.exit_code, 0);
  EXPECT_EQ(pty.process.stdout_data,
            "Listener PID: " + std::to_string(pty.process.pid) + "\nSIGUSR1 received!\n");
  const auto& file = Get(r, "listener-file");
  EXPECT_EQ(file.process.exit_code, 1);
  EXPECT_EQ(file.process.stdout_data,
            "Listener PID: " + std::to_string(file.process.pid) + "\nSIGINT received!\n");
  EXPECT_EQ(file.signal->pid_line, "");

  const auto& pauser_r = Get(r, "pauser");
  ASSERT_TRUE(pauser_r.signal);
  EXPECT_EQ(pauser_r.signal->ready_by, "pause");
  EXPECT_EQ(pauser_r.process.term_signal, SIGUSR1);

  // su - moves to garfield's home, so the traversal finds nothing there.
  EXPECT_EQ(Get(r, "dd").process.stdout_data,
            "MEOW [Errno 2] No such file or directory: './litterbox/../secret.txt'\n");
  EXPECT_EQ(Get(r, "as-user").process.stdout_data, "garfield\n");
  EXPECT_EQ(Get(r, "sandboxed").process.stdout_data, "/srv/ipc-sandbox/box\n");
  EXPECT_EQ(Get(r, "secret").process.stdout_data, "Hey! This is a secret!");
  EXPECT_TRUE(Get(r, "timeout").process.timed_out);
  EXPECT_EQ(Get(r, "timeout").process.term_signal, SIGKILL);

  // After groups 0 and 1 (the setsid daemon, the timed-out sleep, su's
  // children) only the probe (1) and ps itself remain.
  const auto& ps = Get(r, "ps").process;
  EXPECT_EQ(ps.stdout_data, "      1 probe\n" +
                                std::string(7 - std::to_string(ps.pid).size(), ' ') +
                                std::to_string(ps.pid) + " ps\n");

  // The probe survives kill -9 (PID 1 of the namespace) and, being
  // non-dumpable, its environment and descriptors cannot be opened: no
  // student write can reach the report stream (a forged frame would also
  // have made ExtractReport fail above).
  const auto& hostile = Get(r, "hostile").process;
  EXPECT_EQ(hostile.stdout_data, "survived\n");
  EXPECT_NE(hostile.stderr_data.find("Permission denied"), std::string::npos)
      << hostile.stderr_data;
  EXPECT_EQ(Get(r, "after").process.stdout_data, "still here\n");
}

TEST_F(ProbeE2eTest, SandboxSourcesOverlaysRetriesUsersWorkdirAndSealedTools) {
  plan.nonce = "e2e" + std::to_string(::getpid()) + "x";
  plan.workdir = "/root";
  plan.extra_trees = {"part1"};
  tar::Writer w;
  w.AddFile("secret.txt", "Hey! This is a secret!", 0644);
  w.AddDir("litterbox", 0755);
  w.AddFile("litterbox/treasure.txt", "Treasure found!", 0644);
  w.AddSymlink("listener", "/root/secret.txt");  // an overlay must not write through it
  tar::Writer part1;
  part1.AddFile("version", "part1", 0644);
  const std::string archives = w.Finish() + part1.Finish();

  // Group 0: a student step mutates the workdir and overwrites a tool.
  Add("mutate", 0,
      {"sh", "-c",
       "echo mutated > secret.txt; touch group0-mark; "
       "printf '#!/bin/sh\\necho pwned\\n' > /opt/ipc-grader/ref-cat"});
  // Two adduser runs, both from a fresh user database.
  for (const char* id : {"adduser-1", "adduser-2"}) {
    Add(id, 0, {"adduser", "garfield", "--disabled-password", "--gecos", ""}).fresh_users = true;
  }
  // Group 1.
  Step& pristine = Add("pristine", 1, {"sh", "-c", "cat secret.txt; ls"});
  pristine.sandbox = "pristine";
  pristine.sandbox_from = "pristine";
  Step& tree = Add("tree", 1, {"cat", "version"});
  tree.sandbox = "part1";
  tree.sandbox_from = "tree:part1";
  Step& shim = Add("overlay", 1, {"./listener"});
  shim.sandbox = "shim";
  shim.sandbox_from = "pristine";
  shim.overlay = {{"listener", "#!/bin/sh\necho shim\n", 0755}};
  Step& flaky = Add("flaky", 1,
                    {"sh", "-c",
                     "n=$(cat /tmp/counter 2>/dev/null || echo 0); n=$((n+1)); "
                     "echo $n > /tmp/counter; touch leftover-$n; ls leftover-*; [ $n -ge 2 ]"});
  flaky.sandbox = "flaky";
  flaky.attempts = 3;
  Step& at = Add("at-workdir", 1, {"sh", "-c", "pwd; ls /root"});
  at.sandbox = "at";
  at.sandbox_from = "pristine";
  at.at_workdir = true;
  Step& ref = Add("ref-cat", 1, {"/opt/ipc-grader/ref-cat"});
  ref.process.stdin_data = "treasure.txt\n";
  Step& ref_by_path = Add("ref-cat-by-path", 1, {"sh", "-c", "/opt/ipc-grader/ref-cat"});
  ref_by_path.process.stdin_data = "treasure.txt\n";
  // Group 2: the workdir is back, and the overlay's symlink target intact.
  Add("workdir-after", 2, {"sh", "-c", "pwd; ls; cat /root/secret.txt"});

  const protocol::Report r = RunProbe(archives, /*writable_tools=*/true);
  ASSERT_EQ(r.steps.size(), plan.steps.size());
  EXPECT_EQ(r.probe_error, "");
  EXPECT_EQ(Get(r, "mutate").process.exit_code, 0);
  EXPECT_EQ(Get(r, "adduser-1").process.exit_code, 0) << Get(r, "adduser-1").process.stderr_data;
  EXPECT_EQ(Get(r, "adduser-2").process.exit_code, 0) << Get(r, "adduser-2").process.stderr_data;

  EXPECT_EQ(Get(r, "pristine").process.stdout_data,
            "Hey! This is a secret!listener\nlitterbox\nsecret.txt\n");
  EXPECT_EQ(Get(r, "tree").process.stdout_data, "part1");
  EXPECT_EQ(Get(r, "overlay").process.stdout_data, "shim\n") << Get(r, "overlay").process.error;

  const auto& f = Get(r, "flaky");
  ASSERT_EQ(f.failed_attempts.size(), 1u);
  EXPECT_EQ(f.failed_attempts[0].exit_code, 1);
  EXPECT_EQ(f.failed_attempts[0].stdout_data, "leftover-1\n");
  EXPECT_EQ(f.process.exit_code, 0);
  EXPECT_EQ(f.process.stdout_data, "leftover-2\n");  // the retry's sandbox is fresh

  EXPECT_EQ(Get(r, "at-workdir").process.stdout_data,
            "/root\nlistener\nlitterbox\nsecret.txt\n")
      << Get(r, "at-workdir").process.error << Get(r, "at-workdir").process.stderr_data;
  EXPECT_EQ(Get(r, "ref-cat").process.stdout_data, "Treasure found!\n")
      << Get(r, "ref-cat").process.error;
  EXPECT_EQ(Get(r, "ref-cat-by-path").process.stdout_data, "Treasure found!\n");
  EXPECT_EQ(Get(r, "workdir-after").process.stdout_data,
            "/root\ngroup0-mark\nlistener\nlitterbox\nsecret.txt\nmutated\n");
}

}  // namespace
}  // namespace ipc::probe
