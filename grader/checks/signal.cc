// signal: start a program, wait until it is ready (its handlers installed,
// or blocked in pause()), send a signal, and compare what it printed and how
// it ended with the reference run under the same conditions.
//   program:   [./prog]
//   reference: prog                a program of the rubric's `programs:`
//   from:      build               the command check whose box it starts
//                                  from (where the program was built);
//                                  default: the tree as committed
//   signal:    SIGHUP
//   ready:     [SIGINT, SIGHUP]    handlers that mean "ready" (default: signal)
//   stdout:    [file, pipe, pty]   stdout may be a file in the assignment's test,
//                                  where stdio is fully buffered (default: all)
//   expect:                        optional, else "as the reference"
//     output:    ["PID: {pid}", "SIGHUP received!"]  in order
//     exit_code: 0                 or  signal: SIGTERM
// Points: the fraction of stdout modes in which the program behaved.
#include <fmt/format.h>

#include <algorithm>

#include "checks/types.h"
#include "util/strings.h"

namespace ipc::checks {
namespace {

constexpr double kDefaultTimeout = 5;

using reference::SignalFromName;
using reference::SignalName;

struct Params {
  std::vector<std::string> program;
  std::vector<std::string> reference;  // argv, tool first
  std::string from;                    // "" = pristine; else a command check
  int signal = 0;
  std::vector<int> ready;
  std::vector<protocol::StdoutMode> modes;
  std::optional<std::vector<std::string>> expect_output;
  std::optional<int> expect_exit;
  std::optional<int> expect_signal;
};

int ParseSignal(rubric::NodeReader& r, const YAML::Node& at, const std::string& name) {
  auto sig = SignalFromName(name);
  if (!sig) r.Fail(at, "unknown signal '" + name + "' (write it as SIGHUP, HUP or 1)");
  return *sig;
}

Params Parse(const rubric::Check& check, const rubric::Rubric& rubric) {
  auto r = ParamsReader(check);
  Params p;
  p.program = r.RequireStringList("program");
  if (YAML::Node ref = r.Child("reference"); ref && ref.IsSequence()) {
    r.FailValue("reference", "'reference' now names a program of the rubric's 'programs' (e.g. "
                             "reference: prog), whose description configures its reference "
                             "tool");
  }
  p.reference = reference::ReferenceArgv(RequireProgram(r, "reference", ProgramsOf(rubric)).spec);
  p.from = RequireEarlierCommand(r, "from", check, rubric);
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
  void Validate(const rubric::Check& c, const rubric::Rubric& rubric) const override {
    Parse(c, rubric);
  }

  void Plan(const rubric::Check& c, const rubric::Rubric& rubric,
            PlanBuilder& plan) const override {
    const Params p = Parse(c, rubric);
    auto step = [&](protocol::StdoutMode mode, bool ref) {
      protocol::Step s;
      s.id = StepName(mode, ref);
      s.kind = protocol::Step::Kind::kSignal;
      s.student = !ref;
      s.signal = p.signal;
      s.ready_signals = p.ready;
      s.ready_on_pause = true;
      s.process.argv = ref ? PlanBuilder::ResolveTools(p.reference) : p.program;
      s.process.stdout_mode = mode;
      s.process.timeout_s = c.timeout_s.value_or(kDefaultTimeout);
      s.ready_timeout_s = c.timeout_s.value_or(kDefaultTimeout);
      return s;
    };
    // The reference's runs share one box of the grader's own, which runs
    // before any student code; each run of the student's program gets a
    // fresh box of its own.
    protocol::Box ref;
    for (auto mode : p.modes) ref.steps.push_back(step(mode, true));
    plan.AddBox(c, "reference", std::move(ref));
    for (auto mode : p.modes) {
      protocol::Box box;
      box.from = p.from.empty() ? protocol::kFromPristine : PlanBuilder::FromCheck(p.from);
      box.steps.push_back(step(mode, false));
      plan.AddBox(c, protocol::StdoutModeName(mode), std::move(box));
    }
  }

  Outcome Score(const rubric::Check& c, const Evidence& ev) const override {
    const Params p = Parse(c, *ev.rubric);
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
      // The reference ending by a signal can be the point (a signal it does
      // not handle); not starting, a timeout or an OOM kill never is.
      if (!rp.started || rp.timed_out || rp.oom_killed) {
        return Outcome::Error(fmt::format("the reference program ({}, {}) {}", Text(p.reference),
                                          where, DescribeExit(rp)));
      }
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
      if (st->signal) student += Waiting(*st->signal, p);
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
    o.student = Join(students, "; ");
    o.reference = Join(references, "; ");
    o.fraction = p.modes.empty() ? 0 : static_cast<double>(passed) / static_cast<double>(p.modes.size());
    // What was seen while it waited, once (the same in every mode as a
    // rule), even when it passed: a program that loops instead of pausing
    // burns a core, and should hear it.
    std::string waiting;
    for (auto mode : p.modes) {
      const auto* st = ev.Step(c, StepName(mode, false));
      if (st != nullptr && st->signal) waiting = Waiting(*st->signal, p);
      if (!waiting.empty()) break;
    }
    const std::string note = waiting.empty() ? "" : "Seen" + waiting.substr(1) + ".";
    if (problems.empty()) {
      o.status = report::CheckStatus::kPass;
      o.message = note;
      return o;
    }
    o.status = report::CheckStatus::kFail;
    std::vector<std::string> sentences;
    for (const auto& [modes, why] : problems) {
      sentences.push_back(fmt::format("With stdout to a {}, after {} your program {}", modes, sig, why));
    }
    o.message = Join(sentences, "; ") + ". " + Hint(p, ev, c) + (note.empty() ? "" : " " + note);
    return o;
  }

 private:
  static std::string StepName(protocol::StdoutMode m, bool ref) {
    return (ref ? "reference-" : "student-") + protocol::StdoutModeName(m);
  }
  static std::string Text(const std::vector<std::string>& argv) {
    std::string s;
    for (const auto& a : argv) s += (s.empty() ? "" : " ") + a;
    return s;
  }
  // What was seen of the program while the signal waited for it: its state
  // and its handlers, as /proc showed them, and its CPU time; only what
  // tells something (a program that slept in pause() says nothing here).
  static std::string Waiting(const protocol::SignalObservation& so, const Params& p) {
    std::string caught, missing;
    for (int s : p.ready) {
      const bool has = std::find(so.caught.begin(), so.caught.end(), s) != so.caught.end();
      (has ? caught : missing) += ((has ? caught : missing).empty() ? "" : ", ") + SignalName(s);
    }
    const bool busy = so.ready_wait_s > 0.05 && so.cpu_while_waiting_s > 0.5 * so.ready_wait_s;
    if (so.ready && !busy) return "";
    std::string seen = fmt::format(
        "; while it waited for {}: {}{}{}, {:.2f} s of CPU in {:.2f} s", SignalName(p.signal),
        so.state.empty() ? "it had already ended" : "state " + so.state +
                                                        (so.state == "R" ? " (running)" : "") +
                                                        (so.state == "S" ? " (asleep)" : ""),
        caught.empty() ? "" : ", handlers for " + caught + " installed",
        missing.empty() ? "" : ", none for " + missing, so.cpu_while_waiting_s, so.ready_wait_s);
    if (busy) seen += " (it loops instead of waiting in pause())";
    if (!so.ready) seen += "; the signal was sent after the wait ran out";
    return seen;
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
