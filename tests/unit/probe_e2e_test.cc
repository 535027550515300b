// The static probe in the real engine (probe_e2e_support.h), in the
// container the grader makes: the assignment's kinds of steps in boxes;
// every writable folder put back between boxes, device nodes and System V
// objects of another user included; where boxes start from; attempts;
// the tracer under the container's restrictions; and student code that
// attacks the probe or the read-only image.
#include <signal.h>
#include <unistd.h>

#include "probe/sha256.h"
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

const std::vector<std::string> kAddGarfield = {"adduser", "garfield", "--disabled-password",
                                               "--gecos", ""};

std::string Submission() {
  tar::Writer w;
  w.AddFile("listener.c", kListener, 0644);
  w.AddFile("cat.py", kCatPy, 0644);
  w.AddFile("secret.txt", "Hey! This is a secret!", 0644);
  w.AddDir("litterbox", 0755);
  w.AddFile("litterbox/treasure.txt", "Treasure found!", 0644);
  return w.Finish();
}

Step& Signal(Step& s, int sig, StdoutMode mode) {
  s.kind = Step::Kind::kSignal;
  s.signal = sig;
  s.ready_signals = {SIGINT, SIGUSR1};
  s.ready_timeout_s = 30;
  s.process.stdout_mode = mode;
  return s;
}

TEST_F(ProbeE2eTest, RunsTheAssignmentsStepsBoxByBoxAndReportsOnce) {
  // The grader's own boxes first: its reference, then the users the
  // assignment's tests expect, kept for later boxes.
  AddBox("reference");
  Signal(Add("reference/listener",
             {std::string(testing::kToolsDir) + "/ref-listener", "--start=Listener PID: {pid}",
              "--handle=10:0:SIGUSR1 received!"},
             /*student=*/false),
         SIGUSR1, StdoutMode::kPty)
      .ready_signals = {SIGUSR1};
  AddBox("users").save = true;
  Add("adduser", kAddGarfield, false);

  AddBox("main", protocol::FromBox("users"));
  const std::string binary("\x00\xff\xfe line\n", 9);
  Add("py", {"python", "-c",
             "import sys; d = sys.stdin.buffer.read(); sys.stdout.buffer.write(d[::-1]); "
             "print('to stderr', file=sys.stderr)"})
      .process.stdin_data = binary;
  Add("build", {"gcc", "-o", "listener", "listener.c"});
  Signal(Add("listener-pty", {"./listener"}), SIGUSR1, StdoutMode::kPty);
  Signal(Add("listener-file", {"./listener"}), SIGINT, StdoutMode::kFile);
  // No handler for SIGUSR1 (python only installs SIGINT's): ready by being
  // blocked in pause(), read from /proc/PID/syscall without CAP_SYS_PTRACE.
  Step& pauser = Add("pauser", {"python", "-c", "import signal; signal.pause()"});
  Signal(pauser, SIGUSR1, StdoutMode::kPipe).ready_signals = {SIGUSR1};
  Step& dd = Add("dd", {"python", "/root/cat.py"});
  dd.process.user = "garfield";
  dd.process.login_shell = true;
  dd.process.stdin_data = "../secret.txt\n";
  Add("as-user", {"id", "-un"}).process.user = "garfield";
  Add("timeout", {"sh", "-c", "sleep 1000"}).process.timeout_s = 0.5;
  Sh("daemon", testing::StartDaemon("1000", ">/dev/null 2>&1")).process.cwd = "/tmp";

  // A box of its own: only the probe and ps itself are left.
  AddBox("ps");
  Add("ps", {"ps", "-e", "-o", "pid=,comm="});
  AddBox("after");
  Sh("after", "ls; id garfield >/dev/null 2>&1 || echo no garfield");

  const protocol::Report r = RunProbe(Submission());
  ASSERT_EQ(r.steps.size(), 13u);
  EXPECT_EQ(r.probe_error, "");

  const auto& ref = Get(r, "reference/listener");
  EXPECT_EQ(ref.process.stdout_data,
            "Listener PID: " + std::to_string(ref.process.pid) + "\nSIGUSR1 received!\n")
      << ref.process.error << ref.process.stderr_data;
  EXPECT_EQ(ref.process.exit_code, 0);
  EXPECT_EQ(Get(r, "adduser").process.exit_code, 0) << Out(r, "adduser");

  const auto& py = Get(r, "py").process;
  EXPECT_EQ(py.stdout_data, std::string(binary.rbegin(), binary.rend()));
  EXPECT_EQ(py.stderr_data, "to stderr\n");
  EXPECT_EQ(Get(r, "build").process.exit_code, 0) << Out(r, "build");

  const auto& pty = Get(r, "listener-pty");
  ASSERT_TRUE(pty.signal);
  EXPECT_TRUE(pty.signal->ready);
  EXPECT_EQ(pty.signal->ready_by, "sigcgt");
  EXPECT_EQ(pty.signal->state, "S");
  EXPECT_EQ(pty.signal->caught, (std::vector<int>{SIGINT, SIGUSR1}));
  EXPECT_TRUE(pty.signal->signal_sent);
  EXPECT_EQ(pty.signal->pid_line, "Listener PID: " + std::to_string(pty.process.pid));
  EXPECT_EQ(pty.process.exit_code, 0);
  EXPECT_EQ(pty.process.stdout_data,
            "Listener PID: " + std::to_string(pty.process.pid) + "\nSIGUSR1 received!\n");
  const auto& file = Get(r, "listener-file");
  EXPECT_EQ(file.process.exit_code, 1);
  EXPECT_EQ(file.process.stdout_data,
            "Listener PID: " + std::to_string(file.process.pid) + "\nSIGINT received!\n");
  ASSERT_TRUE(file.signal);
  EXPECT_EQ(file.signal->pid_line, "");

  const auto& pauser_r = Get(r, "pauser");
  ASSERT_TRUE(pauser_r.signal);
  EXPECT_EQ(pauser_r.signal->ready_by, "pause");
  EXPECT_EQ(pauser_r.process.term_signal, SIGUSR1);

  // su - moves to garfield's home (made by the saved "users" box), so the
  // traversal finds nothing there.
  EXPECT_EQ(Out(r, "dd"),
            "MEOW [Errno 2] No such file or directory: './litterbox/../secret.txt'\n");
  EXPECT_EQ(Out(r, "as-user"), "garfield\n");
  EXPECT_TRUE(Get(r, "timeout").process.timed_out);
  EXPECT_EQ(Get(r, "timeout").process.term_signal, SIGKILL);
  EXPECT_EQ(Get(r, "daemon").process.exit_code, 0);

  // The daemon, the timed-out sleep and su's children are gone.
  const auto& ps = Get(r, "ps").process;
  EXPECT_EQ(ps.stdout_data, "      1 probe\n" +
                                std::string(7 - std::to_string(ps.pid).size(), ' ') +
                                std::to_string(ps.pid) + " ps\n");
  // A pristine box: neither the built listener nor the user is there.
  EXPECT_EQ(Out(r, "after"), "cat.py\nlistener.c\nlitterbox\nsecret.txt\nno garfield\n");
}

TEST_F(ProbeE2eTest, EveryWritableFolderIsPutBackBeforeTheNextBox) {
  AddBox("users").save = true;
  Add("adduser", kAddGarfield, false);
  // A student step as root, then as garfield, leaving what it can
  // everywhere it may write.
  AddBox("mess", protocol::FromBox("users"));
  Add("mess-as-garfield", {"sh", "-c", "ipcmk -M 4096 >/dev/null && ipcmk -Q >/dev/null && "
                                       "touch /tmp/garfield-was-here && echo done"})
      .process.user = "garfield";
  // Under userns-remap the engine bind-mounts the host's device nodes (no
  // mknod in a user namespace): `rm /dev/null` fails (EBUSY), and there is
  // nothing to put back; elsewhere the probe must make the node again.
  Sh("mess",
     "set -e; echo changed > secret.txt; rm -r litterbox; touch new-in-workdir; "
     "echo 'evil:x:0:0::/root:/bin/sh' >> /etc/passwd; touch /etc/evil; "
     "for d in /home /tmp /run /var/tmp /dev/shm; do touch $d/left-behind; done; "
     "rm -rf /home/garfield; if rm /dev/null 2>/dev/null; then echo regular > /dev/null; fi; "
     "ipcmk -M 4096 >/dev/null; ipcmk -S 1 >/dev/null; ipcmk -Q >/dev/null; echo done");
  AddBox("look", protocol::FromBox("users"));
  Sh("look",
     "cat secret.txt; echo; ls; grep -c evil /etc/passwd; ls /etc/evil 2>&1; "
     "ls -A /home /tmp /run /var/tmp /dev/shm; stat -c %F /dev/null; "
     "cat /proc/sysvipc/shm /proc/sysvipc/sem /proc/sysvipc/msg | grep -vc '^ *key'; true");
  AddBox("read-only");
  Sh("read-only",
     "for f in /usr/bin/python /opt/ipc-grader/probe /usr/local/x; do "
     "touch $f 2>/dev/null && echo wrote $f || echo refused $f; done");

  const protocol::Report r = RunProbe(Submission());
  EXPECT_EQ(r.probe_error, "");
  EXPECT_EQ(Out(r, "mess"), "done\n");
  EXPECT_EQ(Out(r, "mess-as-garfield"), "done\n");
  // No System V object is left (only the listings' header lines).
  EXPECT_EQ(Out(r, "look"),
            "Hey! This is a secret!\ncat.py\nlistener.c\nlitterbox\nsecret.txt\n0\n"
            "ls: cannot access '/etc/evil': No such file or directory\n"
            // As the saved box left them: adduser's lock folder and the
            // probe's own folder in /run.
            "/dev/shm:\n\n/home:\ngarfield\n\n/run:\nadduser\nipc-probe\n\n/tmp:\n\n/var/tmp:\n"
            "character special file\n0\n");
  EXPECT_EQ(Out(r, "read-only"),
            "refused /usr/bin/python\nrefused /opt/ipc-grader/probe\nrefused /usr/local/x\n");
}

TEST_F(ProbeE2eTest, BoxesStartFromTheSubmissionATreeOrASavedBoxWithTheirFiles) {
  plan.extra_trees = {"part1"};
  tar::Writer part1;
  part1.AddFile("version", "part1", 0644);
  tar::Writer main;
  main.AddFile("secret.txt", "Hey! This is a secret!", 0644);
  main.AddSymlink("listener", "/root/secret.txt");  // a file must not be written through it
  const std::string archives = main.Finish() + part1.Finish();

  AddBox("tree", protocol::FromTree("part1"));
  Sh("tree", "ls; cat version");
  protocol::Box& shim = AddBox("shim");
  shim.files = {{"listener", "#!/bin/sh\necho shim\n", 0755, false},
                {"secret.txt", "the grader's", 0644, /*if_missing=*/true},
                {"litterbox/treasure.txt", "Treasure found!", 0644, true}};
  shim.save = true;
  Add("shim", {"./listener"});
  Sh("data", "cat secret.txt; echo; cat litterbox/treasure.txt; echo; echo made > made.txt");
  AddBox("from-shim", protocol::FromBox("shim"));
  Sh("from-shim", "ls; cat made.txt");
  AddBox("pristine");
  Sh("pristine", "ls -l listener | sed 's/.* -> //'; cat /root/secret.txt");

  const protocol::Report r = RunProbe(archives);
  EXPECT_EQ(r.probe_error, "");
  EXPECT_EQ(Out(r, "tree"), "version\npart1");
  EXPECT_EQ(Out(r, "shim"), "shim\n");
  EXPECT_EQ(Out(r, "data"), "Hey! This is a secret!\nTreasure found!\n");
  EXPECT_EQ(Out(r, "from-shim"), "listener\nlitterbox\nmade.txt\nsecret.txt\nmade\n");
  EXPECT_EQ(Out(r, "pristine"), "/root/secret.txt\nHey! This is a secret!");
}

TEST_F(ProbeE2eTest, EachAttemptStartsFromAFreshBox) {
  // Nothing a box writes survives into its next attempt, so a job that
  // always fails shows the same start every time.
  protocol::Box& box = AddBox("flaky");
  box.attempts = 3;
  Sh("job", "ls -A /tmp; ls; touch /tmp/mark mark; exit 1");
  const protocol::Report r = RunProbe(Submission());
  const auto& job = Get(r, "job");
  ASSERT_EQ(job.earlier_attempts.size(), 2u);
  const std::string fresh = "cat.py\nlistener.c\nlitterbox\nsecret.txt\n";
  for (const auto& a : job.earlier_attempts) {
    EXPECT_EQ(a.exit_code, 1);
    EXPECT_EQ(a.stdout_data, fresh);
  }
  EXPECT_EQ(job.process.stdout_data, fresh);
  EXPECT_EQ(job.process.exit_code, 1);
}

TEST_F(ProbeE2eTest, TheTracerRecordsAJobsScriptsInTheContainer) {
  // ptrace of its own child, without CAP_SYS_PTRACE, under the engine's
  // seccomp profile and no-new-privileges.
  tar::Writer w;
  const std::string run_sh = "#!/bin/sh\n[ \"$1\" = fail ] && exit 4\necho passed\n";
  w.AddDir("tests", 0755);
  w.AddFile("tests/run.sh", run_sh, 0755);
  AddBox("ci");
  Step& job = Sh("job", "tests/run.sh && (tests/run.sh fail; true) && python -c 'print(1)'");
  job.watch = {"tests/run.sh"};
  const protocol::Report r = RunProbe(w.Finish());
  EXPECT_EQ(r.probe_error, "");
  const auto& s = Get(r, "job");
  EXPECT_EQ(s.process.exit_code, 0) << Out(r, "job");
  EXPECT_EQ(s.process.stdout_data, "passed\n1\n");
  EXPECT_FALSE(s.trace_truncated);
  std::vector<std::pair<int, std::string>> runs;  // pid, sha256
  for (const auto& e : s.trace) {
    if (e.kind == protocol::TraceEvent::Kind::kExec && !e.hits.empty()) {
      runs.emplace_back(e.pid, e.hits[0].sha256);
    }
  }
  ASSERT_EQ(runs.size(), 2u);
  std::vector<std::optional<int>> codes;
  for (const auto& [pid, sha] : runs) {
    EXPECT_EQ(sha, Sha256Hex(run_sh));
    for (const auto& e : s.trace) {
      if (e.kind == protocol::TraceEvent::Kind::kExit && e.pid == pid) codes.push_back(e.exit_code);
    }
  }
  EXPECT_EQ(codes, (std::vector<std::optional<int>>{0, 4}));
  ASSERT_FALSE(s.trace.empty());
  EXPECT_EQ(s.trace.back().kind, protocol::TraceEvent::Kind::kEnd);
  EXPECT_EQ(s.trace.back().sha256_at_exit, (std::vector<std::string>{Sha256Hex(run_sh)}));
}

TEST_F(ProbeE2eTest, StudentCodeCannotReachTheProbe) {
  AddBox("hostile");
  Sh("hostile",
     "kill -9 -1; kill -9 1; cat /proc/1/environ >/dev/null && echo read-environ; "
     "readlink /proc/1/fd/1 && echo read-link; "
     "echo forged >/proc/1/fd/1 && echo wrote-probe-stdout; echo survived");
  AddBox("after");
  Add("after", {"echo", "still here"});
  const protocol::Report r = RunProbe(Submission());
  ASSERT_EQ(r.steps.size(), 2u);
  // The probe survives kill -9 (PID 1 of the namespace) and, being
  // non-dumpable, its environment and descriptors cannot be opened: no
  // student write can reach the report stream (a forged frame would also
  // have made ExtractReport fail).
  const auto& hostile = Get(r, "hostile").process;
  EXPECT_EQ(hostile.stdout_data, "survived\n");
  EXPECT_NE(hostile.stderr_data.find("Permission denied"), std::string::npos)
      << hostile.stderr_data;
  EXPECT_EQ(Out(r, "after"), "still here\n");
}

}  // namespace
}  // namespace ipc::probe
