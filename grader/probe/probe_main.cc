// The probe: the grading container's main process (PID 1). It reads the
// whole of stdin first (line 1: the Plan as JSON; then the submission as a
// tar; then one tar per Plan::extra_trees name), runs the plan's boxes
// (box_runner.h), and writes one framed Report to stdout as the very last
// thing. It exits 0 whenever it could report (failures of its own go into
// probe_error) and 2 only when it cannot even read the plan, since without
// the nonce nothing it wrote would be accepted.
//
// Started by itself as `probe --trace ...`, it is the tracer of a traced
// step instead (tracer.h).
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <string>

#include "probe/archives.h"
#include "probe/box_runner.h"
#include "probe/fd.h"
#include "probe/tracer.h"
#include "protocol/probe_protocol.h"

namespace {

using ipc::probe::ErrnoText;

// Submission (limited by the tar reader) plus the plan, with room to spare.
constexpr std::size_t kMaxInput = 1ull << 30;

int Die(const std::string& why) {
  std::fprintf(stderr, "ipc-grader probe: %s\n", why.c_str());
  return 2;
}

bool ReadAllStdin(std::string* out, std::string* err) {
  char buf[1 << 16];
  for (;;) {
    const ssize_t n = ::read(0, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      *err = "reading stdin: " + ErrnoText(errno);
      return false;
    }
    if (n == 0) return true;
    out->append(buf, static_cast<std::size_t>(n));
    if (out->size() > kMaxInput) {
      *err = "stdin is larger than " + std::to_string(kMaxInput) + " bytes";
      return false;
    }
  }
}

void HardenSelf() {
  // Student processes run as root in the container but without
  // CAP_SYS_PTRACE: a non-dumpable probe cannot be ptraced, and its
  // /proc/1/{mem,fd,environ} cannot be opened, so the nonce stays secret.
  ::prctl(PR_SET_DUMPABLE, 0);
  // Writing to a child's stdin after it exited must be an EPIPE error, not
  // our death. (Children get SIGPIPE back to default in Spawn.)
  ::signal(SIGPIPE, SIG_IGN);
  // Outside a container (by hand, in tests) orphans should still come to
  // us so the sweep finds them. As PID 1 they do anyway.
  if (::getpid() != 1) ::prctl(PR_SET_CHILD_SUBREAPER, 1);
  // The container's stdout/stderr are ours alone: a student process that
  // inherited them could write a report frame of its own.
  for (int fd = 0; fd <= 2; ++fd) ::fcntl(fd, F_SETFD, FD_CLOEXEC);
}

int Emit(const ipc::protocol::Report& report) {
  const std::string framed = ipc::protocol::FrameReport(report);
  if (!ipc::probe::WriteAll(1, framed.data(), framed.size())) {
    return Die("writing the report to stdout: " + ErrnoText(errno));
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 2 && std::string(argv[1]) == ipc::probe::kTraceFlag) {
    return ipc::probe::TracerMain(std::vector<std::string>(argv + 1, argv + argc));
  }
  HardenSelf();
  std::string input, err;
  if (!ReadAllStdin(&input, &err)) return Die(err);
  const auto eol = input.find('\n');
  if (eol == std::string::npos)
    return Die("stdin has no plan line (expected JSON, a newline, then a tar)");

  nlohmann::json j;
  try {
    j = nlohmann::json::parse(input.begin(), input.begin() + static_cast<std::ptrdiff_t>(eol));
  } catch (const nlohmann::json::exception& e) {
    return Die(std::string("the plan on stdin line 1 is not JSON: ") + e.what());
  }
  ipc::protocol::Plan plan;
  try {
    plan = ipc::protocol::PlanFromJson(j);
  } catch (const ipc::protocol::ProtocolError& e) {
    // Report the rejection if the nonce at least is usable.
    ipc::protocol::Report report;
    if (j.is_object() && j.contains("nonce") && j["nonce"].is_string()) {
      report.nonce = j["nonce"].get<std::string>();
    }
    ipc::protocol::Plan probe_nonce;  // a valid plan but for the nonce
    probe_nonce.workdir = "/work";
    try {
      probe_nonce.nonce = report.nonce;
      ipc::protocol::PlanFromJson(ipc::protocol::ToJson(probe_nonce));
    } catch (const ipc::protocol::ProtocolError&) {
      return Die(std::string("invalid plan: ") + e.what());
    }
    report.probe_error = std::string("invalid plan: ") + e.what();
    return Emit(report);
  }
  input.erase(0, eol + 1);  // the archives
  std::vector<std::string> archives;
  if (!ipc::probe::SplitArchives(input, plan.extra_trees.size(), &archives, &err)) {
    ipc::protocol::Report report;
    report.nonce = plan.nonce;
    report.probe_error = err;
    return Emit(report);
  }
  input.clear();
  input.shrink_to_fit();
  // Each tree stays in the probe's memory for the whole run (every box is
  // made from here, out of students' reach).
  ipc::probe::Trees trees;
  trees.main = std::move(archives[0]);
  for (std::size_t i = 0; i < plan.extra_trees.size(); ++i) {
    trees.extra[plan.extra_trees[i]] = std::move(archives[i + 1]);
  }

  ipc::protocol::Report report;
  try {
    report = ipc::probe::RunPlan(plan, trees, ipc::probe::ProbeOptions{});
  } catch (const std::exception& e) {
    report = ipc::protocol::Report{};
    report.nonce = plan.nonce;
    report.probe_error = std::string("probe failure: ") + e.what();
  }
  return Emit(report);
}
