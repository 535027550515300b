// command: run commands of the submission in a fresh box (typically the
// build), and judge what they did.
//   run: [make]                  argv (a string runs through `bash -c`)
//   expect_exit: 0
//   produces: [prog]             files that must exist afterwards (the probe
//                                looks itself: no program of the image is
//                                asked)
//   files:                       written into the box first ({token} in a
//     - {path: prog.c,           content becomes a per-submission secret
//        content: "..."}         string the submission cannot know)
//   then:                        further commands, in the same box, after run
//     - {run: [./prog], expect_stdout: "{token}"}
//   from: pristine | CHECK       where the box starts: the tree as committed
//                                (default), or where another command check's
//                                box ended
// The box is saved: other checks may start `from` it (e.g. a signal check
// runs the program this build made).
// Points: all or nothing.
#include <fmt/format.h>

#include <cstdlib>

#include "checks/types.h"

namespace ipc::checks {
namespace {

constexpr double kDefaultTimeout = 60;
constexpr std::size_t kOutputCap = 16 * 1024;
constexpr const char* kTokenMark = "{token}";

struct Then {
  std::vector<std::string> argv;
  std::string expect_stdout;  // searched in stdout; "" = only exit 0
};

struct Params {
  std::vector<std::string> argv;
  int expect_exit = 0;
  std::vector<std::string> produces;
  std::vector<protocol::FileOverlay> files;
  std::vector<Then> then;
  std::string from;  // "" = pristine; else a check id
};

std::vector<std::string> ReadArgv(rubric::NodeReader& r, const std::string& key) {
  YAML::Node run = r.Child(key);
  if (!run) r.FailKey(key, "missing required key '" + key + "'");
  if (run.IsScalar()) return {"bash", "-c", run.as<std::string>()};
  std::vector<std::string> argv = r.RequireStringList(key);
  if (argv.empty()) r.Fail(run, "'" + key + "' must not be empty");
  return argv;
}

std::string Replace(std::string text, const std::string& token) {
  for (std::size_t at = 0; (at = text.find(kTokenMark, at)) != std::string::npos;
       at += token.size()) {
    text.replace(at, std::string(kTokenMark).size(), token);
  }
  return text;
}

Params Parse(const rubric::Check& check, const rubric::Rubric& rubric) {
  auto r = ParamsReader(check);
  if (r.Has("stage")) {
    r.FailKey("stage", "'stage' is gone: every check now runs in a fresh box of its own; "
                       "say where it starts with 'from' (pristine, or a command check's id)");
  }
  Params p;
  p.argv = ReadArgv(r, "run");
  p.expect_exit = static_cast<int>(r.OptInt("expect_exit").value_or(0));
  p.produces = r.OptStringList("produces").value_or(std::vector<std::string>{});
  if (YAML::Node files = r.Child("files")) {
    if (!files.IsSequence()) r.FailKey("files", "'files' must be a list of {path, content}");
    for (const auto& node : files) {
      rubric::NodeReader fr(node, r.file(), r.what() + " file");
      protocol::FileOverlay f;
      f.path = fr.RequireString("path");
      bool inside = !f.path.empty() && f.path[0] != '/';
      for (std::size_t at = 0; inside && at <= f.path.size();) {
        const std::size_t end = std::min(f.path.find('/', at), f.path.size());
        const std::string part = f.path.substr(at, end - at);
        if (part.empty() || part == "." || part == "..") inside = false;
        at = end + 1;
      }
      if (!inside) fr.FailValue("path", "'path' must be a relative path inside the tree, e.g. src/x.c");
      f.content = fr.RequireString("content");
      // An octal mode, as chmod takes it ("0755" or 755): YAML would read an
      // unquoted 0755 as the decimal 755.
      f.mode = 0644;
      if (auto mode = fr.OptString("mode")) {
        const bool octal = !mode->empty() && mode->size() <= 4 &&
                           mode->find_first_not_of("01234567") == std::string::npos;
        const long value = octal ? std::strtol(mode->c_str(), nullptr, 8) : -1;
        if (value < 0 || value > 0777) {
          fr.FailValue("mode", "'mode' must be an octal file mode from 0 to 0777, e.g. \"0755\"");
        }
        f.mode = static_cast<int>(value);
      }
      fr.RejectUnknown();
      p.files.push_back(std::move(f));
    }
  }
  if (YAML::Node then = r.Child("then")) {
    if (!then.IsSequence()) r.FailKey("then", "'then' must be a list of {run, expect_stdout}");
    for (const auto& node : then) {
      rubric::NodeReader tr(node, r.file(), r.what() + " then");
      Then t;
      t.argv = ReadArgv(tr, "run");
      t.expect_stdout = tr.OptString("expect_stdout").value_or("");
      tr.RejectUnknown();
      p.then.push_back(std::move(t));
    }
  }
  p.from = RequireEarlierCommand(r, "from", check, rubric);
  r.RejectUnknown();
  return p;
}

std::string Text(const std::vector<std::string>& argv) {
  std::string cmd;
  for (const auto& a : argv) cmd += (cmd.empty() ? "" : " ") + a;
  return cmd;
}

std::string Output(const protocol::ProcessResult& pr) {
  std::string out = pr.stdout_data + pr.stderr_data;
  if (pr.stdout_bytes + pr.stderr_bytes > pr.stdout_data.size() + pr.stderr_data.size()) {
    out += "\n[output truncated]";
  }
  return out;
}

bool Exited(const protocol::ProcessResult& pr, int code) {
  return pr.started && !pr.timed_out && !pr.term_signal && pr.exit_code == code;
}

class Command : public CheckType {
 public:
  std::string Name() const override { return "command"; }
  void Validate(const rubric::Check& c, const rubric::Rubric& rubric) const override {
    Parse(c, rubric);
  }

  void Plan(const rubric::Check& c, const rubric::Rubric& rubric,
            PlanBuilder& plan) const override {
    const Params p = Parse(c, rubric);
    const std::string token = plan.Token(c, "token");
    protocol::Box box;
    box.from = p.from.empty() ? protocol::kFromPristine : PlanBuilder::FromCheck(p.from);
    box.save = true;
    for (auto f : p.files) {
      f.content = Replace(f.content, token);
      box.files.push_back(std::move(f));
    }
    auto exec = [&](const std::string& id, const std::vector<std::string>& argv) {
      protocol::Step s;
      s.id = id;
      s.process.argv = argv;
      for (auto& a : s.process.argv) a = Replace(a, token);
      s.process.timeout_s = c.timeout_s.value_or(kDefaultTimeout);
      s.process.output_cap = kOutputCap;
      return s;
    };
    box.steps.push_back(exec("run", p.argv));
    for (std::size_t i = 0; i < p.then.size(); ++i) {
      box.steps.push_back(exec("then." + std::to_string(i + 1), p.then[i].argv));
    }
    if (!p.produces.empty()) {
      protocol::Step look;
      look.id = "produces";
      look.kind = protocol::Step::Kind::kStat;
      look.paths = p.produces;
      box.steps.push_back(std::move(look));
    }
    plan.AddBox(c, "run", std::move(box));
  }

  Outcome Score(const rubric::Check& c, const Evidence& ev) const override {
    const Params p = Parse(c, *ev.rubric);
    const std::string token = ev.Token(c, "token");
    const auto* run = ev.Step(c, "run");
    if (auto missing = MissingStep(ev, run)) return *missing;
    const auto& pr = run->process;
    const std::string cmd = Text(p.argv);
    Outcome o;
    o.expected = fmt::format("`{}` exits {}", cmd, p.expect_exit);
    o.student = DescribeExit(pr);
    o.output = Output(pr);
    o.status = report::CheckStatus::kFail;
    if (!Exited(pr, p.expect_exit)) {
      o.message = fmt::format("`{}` {} (expected exit {}). The command's output is below.",
                              cmd, DescribeExit(pr), p.expect_exit);
      return o;
    }
    for (std::size_t i = 0; i < p.then.size(); ++i) {
      const auto* then = ev.Step(c, "then." + std::to_string(i + 1));
      if (auto missing = MissingStep(ev, then)) return *missing;
      const std::string next = Replace(Text(p.then[i].argv), token);
      const std::string want = Replace(p.then[i].expect_stdout, token);
      const auto& tp = then->process;
      const bool printed = want.empty() || tp.stdout_data.find(want) != std::string::npos;
      if (Exited(tp, 0) && printed) continue;
      o.student += fmt::format("; then `{}` {}", next, DescribeExit(tp));
      o.output += "\n$ " + next + "\n" + Output(tp);
      if (!p.files.empty()) {
        std::string replaced;
        for (const auto& f : p.files) replaced += (replaced.empty() ? "" : ", ") + f.path;
        o.message = fmt::format(
            "`{}` did not build from the files it should use: with {} replaced by a small "
            "program that prints a token, `{}` {} and printed '{}' instead of the token.",
            cmd, replaced, next, DescribeExit(tp), Abbrev(tp.stdout_data, 80));
      } else {
        o.message = fmt::format("after `{}`, `{}` {}{}.", cmd, next, DescribeExit(tp),
                                printed ? "" : " without printing what it should");
      }
      return o;
    }
    if (!p.produces.empty()) {
      const auto* look = ev.Step(c, "produces");
      if (auto missing = MissingStep(ev, look)) return *missing;
      std::vector<std::string> absent;
      for (const auto& st : look->stats) {
        if (!st.exists) {
          absent.push_back(st.path);
        } else if (st.type != "file") {
          absent.push_back(st.path + " (a " + st.type + ", not a file)");
        }
      }
      if (!absent.empty()) {
        std::string list;
        for (const auto& a : absent) list += (list.empty() ? "" : ", ") + a;
        o.message = fmt::format("`{}` succeeded but did not produce {}.", cmd, list);
        o.student += "; missing: " + list;
        return o;
      }
    }
    Outcome pass = Outcome::Pass();
    pass.expected = o.expected;
    pass.student = o.student;
    pass.output = o.output;
    return pass;
  }
};

}  // namespace

std::unique_ptr<CheckType> MakeCommandType() { return std::make_unique<Command>(); }

}  // namespace ipc::checks
