// signal: start a program, wait until it is ready (its handlers installed,
// or blocked in pause()), send a signal, and compare what it printed and how
// it ended with the reference run under the same conditions.
//   program:   [./listener]
//   reference: [ref-listener]
//   signal:    SIGUSR1
//   ready:     [SIGINT, SIGUSR1]   handlers that mean "ready" (default: signal)
//   stdout:    [file, pipe, pty]   stdout is a file in the assignment's test,
//                                  where stdio is fully buffered (default: all)
//   expect:                        optional, else "as the reference"
//     output:    ["Listener PID: {pid}", "SIGUSR1 received!"]  in order
//     exit_code: 0                 or  signal: SIGTERM
// Points: the fraction of stdout modes in which the program behaved.
#include <fmt/format.h>

#include <algorithm>

#include "checks/signal_names.h"
#include "checks/types.h"

namespace ipc::checks {
namespace {

constexpr double kDefaultTimeout = 5;

struct Params {
  std::vector<std::string> program;
  std::vector<std::string> reference;
  int signal = 0;
  std::vector<int> ready;
  std::vector<protocol::StdoutMode> modes;
  std::optional<std::vector<std::string>> expect_output;
  std::optional<int> expect_exit;
  std::optional<int> expect_signal;
};

int ParseSignal(rubric::NodeReader& r, const YAML::Node& at, const std::string& name) {
  auto sig = SignalFromName(name);
  if (!sig) r.Fail(at, "unknown signal '" + name + "' (write it as SIGUSR1, USR1 or 10)");
  return *sig;
}

Params Parse(const rubric::Check& check) {
  auto r = ParamsReader(check);
  Params p;
  p.program = r.RequireStringList("program");
  p.reference = r.RequireStringList("reference");
  p.signal = ParseSignal(r, r.node()["signal"], r.RequireString("signal"));
  for (const auto& s : r.OptStringList("ready").value_or(std::vector<std::string>{})) {
    p.ready.push_back(ParseSignal(r, r.node()["ready"], s));
  }
  if (p.ready.empty()) p.ready = {p.signal};
  for (const auto& m : r.OptStringList("stdout").value_or(
           std::vector<std::string>{"file", "pipe", "pty"})) {
    try {
      p.modes.push_back(protocol::StdoutModeFromName(m));
    } catch (const std::exception&) {
      r.Fail(r.node()["stdout"], "'stdout' modes are file, pipe and pty, got '" + m + "'");
    }
  }
  if (YAML::Node e = r.Child("expect")) {
    rubric::NodeReader er(e, r.file(), r.what() + " expect");
    p.expect_output = er.OptStringList("output");
    if (auto code = er.OptInt("exit_code")) p.expect_exit = static_cast<int>(*code);
    if (auto s = er.OptString("signal")) p.expect_signal = ParseSignal(er, e["signal"], *s);
    if (p.expect_exit && p.expect_signal) {
      er.Fail(e, "'expect' can name an exit_code or a signal, not both");
    }
    er.RejectUnknown();
  }
  r.RejectUnknown();
  return p;
}

// Output lines as compared: CR and trailing blanks dropped, empty lines
// dropped, and the process's own pid written as {pid}.
std::vector<std::string> Lines(const std::string& out, int pid) {
  std::vector<std::string> lines;
  std::string line;
  const std::string pid_text = std::to_string(pid);
  // The pid as a whole number becomes {pid}. Not std::regex: it recurses
  // per character and a student's long line would overflow the stack.
  auto mask_pid = [&](const std::string& l) {
    std::string masked;
    const auto digit = [](char ch) { return ch >= '0' && ch <= '9'; };
    for (std::size_t i = 0; i < l.size();) {
      if (l.compare(i, pid_text.size(), pid_text) == 0 && (i == 0 || !digit(l[i - 1])) &&
          (i + pid_text.size() == l.size() || !digit(l[i + pid_text.size()]))) {
        masked += "{pid}";
        i += pid_text.size();
      } else {
        masked += l[i++];
      }
    }
    return masked;
  };
  auto flush = [&] {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) {
      line.pop_back();
    }
    if (!line.empty()) lines.push_back(pid > 0 ? mask_pid(line) : line);
    line.clear();
  };
  for (char c : out) {
    if (c == '\n') {
      flush();
    } else {
      line += c;
    }
  }
  flush();
  return lines;
}

// True when `want` appears in `got` in order (other lines may come between).
bool InOrder(const std::vector<std::string>& want, const std::vector<std::string>& got) {
  auto it = got.begin();
  for (const auto& w : want) {
    it = std::find(it, got.end(), w);
    if (it == got.end()) return false;
    ++it;
  }
  return true;
}

std::string JoinLines(const std::vector<std::string>& lines) {
  if (lines.empty()) return "nothing";
  std::string s;
  for (const auto& l : lines) s += (s.empty() ? "'" : ", '") + l + "'";
  return s;
}

std::string HowEnded(const protocol::ProcessResult& p) { return DescribeExit(p); }

class Signal : public CheckType {
 public:
  std::string Name() const override { return "signal"; }
  void Validate(const rubric::Check& c, const rubric::Rubric&) const override { Parse(c); }

  void Plan(const rubric::Check& c, const rubric::Rubric&, PlanBuilder& plan) const override {
    const Params p = Parse(c);
    for (auto mode : p.modes) {
      for (bool ref : {false, true}) {
        protocol::Step s;
        s.kind = protocol::Step::Kind::kSignal;
        s.group = 1;
        s.signal = p.signal;
        s.ready_signals = p.ready;
        s.ready_on_pause = true;
        s.process.argv = ref ? PlanBuilder::ResolveTools(p.reference) : p.program;
        s.process.stdout_mode = mode;
        s.process.timeout_s = c.timeout_s.value_or(kDefaultTimeout);
        s.ready_timeout_s = c.timeout_s.value_or(kDefaultTimeout);
        plan.Add(c, StepName(mode, ref), s);
      }
    }
  }

  Outcome Score(const rubric::Check& c, const Evidence& ev) const override {
    const Params p = Parse(c);
    const std::string sig = SignalName(p.signal);
    int passed = 0;
    std::vector<std::pair<std::string, std::string>> problems;  // modes, what went wrong
    std::vector<std::string> students, references;
    std::string expected_text;
    for (auto mode : p.modes) {
      const auto* st = ev.Step(c, StepName(mode, false));
      const auto* rf = ev.Step(c, StepName(mode, true));
      if (auto missing = MissingStep(ev, st)) return *missing;
      if (auto missing = MissingStep(ev, rf)) return *missing;
      const std::string where = "stdout to a " + protocol::StdoutModeName(mode);
      const auto& sp = st->process;
      const auto& rp = rf->process;
      const auto s_lines = Lines(sp.stdout_data, sp.pid);
      const auto r_lines = Lines(rp.stdout_data, rp.pid);
      const auto want_lines = p.expect_output.value_or(r_lines);

      // How it should end: the rubric's word, else the reference's.
      std::string want_end;
      bool end_ok;
      if (p.expect_exit) {
        want_end = fmt::format("exit {}", *p.expect_exit);
        end_ok = !sp.timed_out && sp.exit_code == p.expect_exit;
      } else if (p.expect_signal) {
        want_end = "killed by " + SignalName(*p.expect_signal);
        end_ok = !sp.timed_out && sp.term_signal == p.expect_signal;
      } else {
        want_end = HowEnded(rp);
        end_ok = !sp.timed_out && !rp.timed_out && sp.exit_code == rp.exit_code &&
                 sp.term_signal == rp.term_signal;
      }
      const bool out_ok = InOrder(want_lines, s_lines);
      if (expected_text.empty()) {
        expected_text = fmt::format("after {}: prints {} and ends with {}", sig,
                                    JoinLines(want_lines), want_end);
      }
      std::string student = fmt::format("{}: printed {}, {}", where, JoinLines(s_lines),
                                        HowEnded(sp));
      if (st->signal) {
        const auto& so = *st->signal;
        if (!so.ready) {
          student += fmt::format("; never ready within the wait (no handler for {} seen, "
                                 "not blocked in pause())", sig);
        }
        // A program that spins instead of pause()-ing burns a whole core.
        if (so.ready && so.ready_wait_s > 0.05 && so.cpu_while_waiting_s > 0.5 * so.ready_wait_s) {
          student += fmt::format("; busy-waited ({:.2f} s CPU while waiting)", so.cpu_while_waiting_s);
        }
      }
      students.push_back(student);
      references.push_back(fmt::format("{}: printed {}, {}", where, JoinLines(r_lines),
                                       HowEnded(rp)));
      if (end_ok && out_ok) {
        ++passed;
        continue;
      }
      std::string why;
      if (!out_ok) why = fmt::format("printed {} instead of {}", JoinLines(s_lines), JoinLines(want_lines));
      if (!end_ok) {
        why += (why.empty() ? "" : ", and ") + fmt::format("{} instead of {}", HowEnded(sp), want_end);
      }
      // Modes that failed the same way are named together, once.
      auto same = std::find_if(problems.begin(), problems.end(),
                               [&](const auto& pr) { return pr.second == why; });
      if (same == problems.end()) {
        problems.push_back({protocol::StdoutModeName(mode), why});
      } else {
        same->first += " or a " + protocol::StdoutModeName(mode);
      }
    }
    Outcome o;
    o.expected = expected_text;
    o.student = Join(students);
    o.reference = Join(references);
    o.fraction = p.modes.empty() ? 0 : static_cast<double>(passed) / static_cast<double>(p.modes.size());
    if (problems.empty()) {
      o.status = report::CheckStatus::kPass;
      return o;
    }
    o.status = report::CheckStatus::kFail;
    std::vector<std::string> sentences;
    for (const auto& [modes, why] : problems) {
      sentences.push_back(fmt::format("With stdout to a {}, after {} your program {}", modes, sig, why));
    }
    o.message = Join(sentences) + ". " + Hint(p, ev, c);
    return o;
  }

 private:
  static std::string StepName(protocol::StdoutMode m, bool ref) {
    return (ref ? "reference-" : "student-") + protocol::StdoutModeName(m);
  }
  static std::string Join(const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : "; ") + x;
    return s;
  }
  // One sentence of advice for the most common causes.
  static std::string Hint(const Params& p, const Evidence& ev, const rubric::Check& c) {
    for (auto mode : p.modes) {
      const auto* st = ev.Step(c, StepName(mode, false));
      if (st && st->process.term_signal == p.signal) {
        return fmt::format("The program was killed by {} itself: install a handler for it "
                           "(signal({}, handler) or sigaction) before pause().",
                           SignalName(p.signal), SignalName(p.signal));
      }
      if (st && !st->process.started) {
        return "The program did not start: is it built by the Makefile at this path?";
      }
    }
    return "Compare your output and exit code with the reference above.";
  }
};

}  // namespace

std::unique_ptr<CheckType> MakeSignalType() { return std::make_unique<Signal>(); }

}  // namespace ipc::checks
