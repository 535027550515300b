// dd_insight: the assignment's DD test (test_full_dd.sh) expects MEOW when
// garfield asks for ../secret.txt through `su - garfield`. It passes for the
// wrong reason: `su -` moves the working directory to garfield's home, where
// ./litterbox/../secret.txt does not exist (ENOENT). This check reproduces
// the set-up on the submission's tree and runs the REFERENCE cat (the insight
// is about the design, not the student's cat) as the user, the assignment's
// way and from the repository folder, and reports whether the protection is
// real (EACCES) or accidental (ENOENT), and whether legitimate reads work.
//   user:      garfield             (default)
//   reference: [ref-cat]            (default)
//   secret:    ../secret.txt        name given on stdin (default)
//   legit:     treasure.txt         a name that should be readable (default)
//   folder:    litterbox            the cat's folder (default)
//   refusal:   MEOW                 (default)
//   setup:     bash, as root        (default: test_full_dd.sh's four lines,
//                                    adduser as the useradd that does the same)
// Points: usually 0 (an insight: always passes once it could be observed).
// With points, it passes only when the protection is real.
#include "checks/dd_insight.h"

#include <fmt/format.h>

#include <cctype>
#include <cerrno>

#include "checks/dd_insight_script.h"
#include "checks/test_adequacy.h"

namespace ipc::checks {
namespace {

constexpr double kDefaultTimeout = 60;
constexpr std::size_t kOutputCap = 64 * 1024;  // ten small outputs, raw

struct Params {
  DdScriptParams script;
  std::string refusal = "MEOW";
};

Params Parse(const rubric::Check& check) {
  auto r = ParamsReader(check);
  Params p;
  p.script.user = r.OptString("user").value_or("garfield");
  // adduser's default NAME_REGEX; also keeps the name safe in messages.
  bool ok_user =
      !p.script.user.empty() && p.script.user.size() <= 32 &&
      (std::islower(static_cast<unsigned char>(p.script.user[0])) || p.script.user[0] == '_');
  for (unsigned char ch : p.script.user)
    ok_user &= std::islower(ch) || std::isdigit(ch) || ch == '_' || ch == '-';
  if (!ok_user) r.FailValue("user", "'user' must be a lower-case user name such as garfield");
  p.script.reference = PlanBuilder::ResolveTools(
      r.OptStringList("reference").value_or(std::vector<std::string>{"ref-cat"}));
  if (p.script.reference.empty()) r.FailValue("reference", "'reference' must not be empty");
  p.script.secret = r.OptString("secret").value_or("../secret.txt");
  p.script.legit = r.OptString("legit").value_or("treasure.txt");
  p.script.folder = r.OptString("folder").value_or("litterbox");
  for (const char* key : {"secret", "legit", "folder"}) {
    const std::string& v = key == std::string("secret")  ? p.script.secret
                           : key == std::string("legit") ? p.script.legit
                                                         : p.script.folder;
    if (v.empty() || v.find('\n') != std::string::npos || v.find('\0') != std::string::npos) {
      r.FailValue(key, std::string("'") + key + "' must be a non-empty name on one line");
    }
  }
  if (p.script.folder[0] == '/')
    r.FailValue("folder", "'folder' must be relative to the repository");
  p.refusal = r.OptString("refusal").value_or("MEOW");
  p.script.setup = r.OptString("setup").value_or(DefaultDdSetup(p.script.user, p.script.folder));
  r.RejectUnknown();
  return p;
}

enum class Access { kRead, kNotFound, kDenied, kOtherRefusal };

struct CatRun {
  Access access = Access::kOtherRefusal;
  std::string text;  // what it printed, trimmed
};

std::string Trim(const std::string& s) {
  const char* ws = " \t\r\n";
  const auto b = s.find_first_not_of(ws);
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(ws) - b + 1);
}

// The errno of a refusal, from Python's "[Errno N] ..." in the MEOW line.
std::optional<int> ErrnoIn(const std::string& text) {
  const auto at = text.find("[Errno ");
  if (at == std::string::npos) return std::nullopt;
  int n = 0;
  std::size_t i = at + 7;
  if (i >= text.size() || !std::isdigit(static_cast<unsigned char>(text[i]))) return std::nullopt;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])) && n < 10000) {
    n = n * 10 + (text[i++] - '0');
  }
  return n;
}

CatRun Classify(const DdObservation& o, const std::string& refusal) {
  CatRun run;
  run.text = Trim(o.out);
  if (run.text.rfind(refusal, 0) != 0) {
    run.access = Access::kRead;
    return run;
  }
  const auto e = ErrnoIn(run.text);
  run.access = e == ENOENT   ? Access::kNotFound
               : e == EACCES ? Access::kDenied
                             : Access::kOtherRefusal;
  return run;
}

std::string Describe(const CatRun& run) {
  switch (run.access) {
    case Access::kRead:
      return "is read: '" + Abbrev(run.text, 60) + "'";
    case Access::kNotFound:
      return "is not found (ENOENT: '" + Abbrev(run.text, 90) + "')";
    case Access::kDenied:
      return "is refused by permissions (EACCES: '" + Abbrev(run.text, 90) + "')";
    case Access::kOtherRefusal:
      return "is refused: '" + Abbrev(run.text, 90) + "'";
  }
  return "?";
}

std::string Short(const CatRun& run) {
  switch (run.access) {
    case Access::kRead:
      return "read";
    case Access::kNotFound:
      return "ENOENT";
    case Access::kDenied:
      return "EACCES";
    case Access::kOtherRefusal:
      return "refused";
  }
  return "?";
}

bool FolderInTree(const fetch::Snapshot& snapshot, const std::string& folder) {
  for (const auto& e : snapshot.entries) {
    if (e.path == folder || e.path.rfind(folder + "/", 0) == 0) return true;
  }
  return false;
}

class DdInsight : public CheckType {
 public:
  std::string Name() const override { return "dd_insight"; }
  void Validate(const rubric::Check& c, const rubric::Rubric&) const override { Parse(c); }

  void Plan(const rubric::Check& c, const rubric::Rubric&, PlanBuilder& plan) const override {
    const Params p = Parse(c);
    protocol::Step s;
    s.group = kAfterCasesGroup;
    s.sandbox = c.id;
    s.sandbox_from = "";   // the tree as CI has it when test_full_dd.sh runs
    s.at_workdir = true;   // paths as in the assignment (/root)
    s.fresh_users = true;  // the set-up creates the user
    s.process.argv = {"bash", "-c", DdScript(p.script)};
    s.process.timeout_s = c.timeout_s.value_or(kDefaultTimeout);
    s.process.output_cap = kOutputCap;
    plan.Add(c, "run", std::move(s));
  }

  Outcome Score(const rubric::Check& c, const Evidence& ev) const override {
    const Params p = Parse(c);
    const DdScriptParams& sp = p.script;
    const auto* step = ev.Step(c, "run");
    if (auto missing = MissingStep(ev, step)) return *missing;
    const auto& pr = step->process;
    if (!pr.started || pr.timed_out) {
      return Outcome::Error("the grader's DD experiment " + DescribeExit(pr) + ": " +
                            Abbrev(pr.stderr_data, 300));
    }
    std::string err;
    const auto obs = ParseDdObservations(pr.stdout_data, &err);
    if (!obs) {
      if (pr.stdout_bytes > pr.stdout_data.size()) {
        err += fmt::format(" (its output was cut at {} of {} bytes)", pr.stdout_data.size(),
                           pr.stdout_bytes);
      }
      return Outcome::Error("the grader's DD experiment: " + err);
    }
    auto find = [&](const std::string& name) -> const DdObservation* {
      auto it = obs->find(name);
      return it == obs->end() ? nullptr : &it->second;
    };
    const DdObservation* setup = find(kDdSetup);
    if (setup == nullptr) {
      return Outcome::Error("the grader's DD experiment reported nothing (" + DescribeExit(pr) +
                            "): " + Abbrev(pr.stderr_data, 300));
    }
    if (setup->status != 0) {
      Outcome o = Outcome::Fail("");
      const std::string why = Abbrev(Trim(setup->err), 200);
      if (ev.snapshot != nullptr && !FolderInTree(*ev.snapshot, sp.folder)) {
        o.message = fmt::format(
            "The assignment's DD set-up (chgrp ./{0}) cannot run: there is no {0}/ folder in "
            "the repository, so there is nothing for {1} to be confined to ({2}).",
            sp.folder, sp.user, why);
      } else {
        o.message =
            fmt::format("The assignment's DD set-up failed (exit {}): {}", setup->status, why);
      }
      o.expected = "the assignment's DD set-up runs on the submission";
      o.student = "set-up failed: " + why;
      o.output = setup->out + setup->err;
      return o;
    }
    CatRun runs[4];
    const char* names[4] = {kDdSuSecret, kDdSuLegit, kDdRepoSecret, kDdRepoLegit};
    for (int i = 0; i < 4; ++i) {
      const DdObservation* o = find(names[i]);
      if (o == nullptr) {
        return Outcome::Error(fmt::format("the grader's DD experiment did not report '{}': {}",
                                          names[i], Abbrev(pr.stderr_data, 300)));
      }
      // The reference cat exits 0 on every input; anything else is su or
      // the image failing, not the submission.
      if (o->status != 0) {
        return Outcome::Error(
            fmt::format("running the reference cat as {} ({}) failed with exit {}: {}", sp.user,
                        names[i], o->status, Abbrev(Trim(o->err), 200)));
      }
      runs[i] = Classify(*o, p.refusal);
    }
    const CatRun& su_secret = runs[0];
    const CatRun& su_legit = runs[1];
    const CatRun& repo_secret = runs[2];
    const CatRun& repo_legit = runs[3];
    const DdObservation* home_obs = find(kDdHome);
    std::string home = home_obs ? Trim(home_obs->out) : "";
    if (home.empty()) home = sp.user + "'s home";
    const std::string secret_file = DisplayPath(sp.folder + "/" + sp.secret);
    const std::string workdir = ev.rubric ? ev.rubric->workdir : "the repository";

    // Modes after the set-up, "secret.txt -rw-r--r-- root root".
    std::string modes;
    std::string secret_mode;
    const auto paths = DdModePaths(sp);
    for (std::size_t i = 0; i < paths.size(); ++i) {
      const DdObservation* m = find(DdModeName(i));
      std::string mode = m && m->status == 0 ? Trim(m->out) : "missing";
      const std::string shown = i == 0 ? "the repository folder" : DisplayPath(paths[i]);
      modes += fmt::format("{}{} {}", modes.empty() ? "" : "; ", shown, mode);
      // "-rw-r--r--": the 8th character is the read bit for others.
      if (mode.size() >= 10 && mode[7] == 'r') mode += " (readable by everyone)";
      if (i + 1 == paths.size()) secret_mode = mode;
    }

    const bool real = repo_secret.access == Access::kDenied;
    std::string verdict;
    switch (repo_secret.access) {
      case Access::kDenied:
        verdict = fmt::format(
            "The protection is real: the kernel refuses {} the secret (EACCES) even from the "
            "repository folder.",
            sp.user);
        break;
      case Access::kRead:
        if (su_secret.access == Access::kNotFound) {
          verdict = fmt::format(
              "The protection is an accident of the working directory: the assignment's DD test "
              "passes because `su -` moves {0} to {1}, where ./{2}/{3} does not exist (ENOENT), "
              "not because {0} may not read it. From the repository folder ({4}), {0} reads the "
              "secret: {5} is {6}.",
              sp.user, home, sp.folder, sp.secret, workdir, secret_file, secret_mode);
        } else if (su_secret.access == Access::kRead) {
          verdict = fmt::format("There is no protection: {} reads the secret both ways ({} is {}).",
                                sp.user, secret_file, secret_mode);
        } else {
          verdict = fmt::format("From the repository folder ({}), {} reads the secret ({} is {}).",
                                workdir, sp.user, secret_file, secret_mode);
        }
        break;
      case Access::kNotFound:
        verdict = fmt::format(
            "Nothing to protect: {} does not exist in the repository (ENOENT from the repository "
            "folder too), so whether {} could read it cannot be seen.",
            secret_file, sp.user);
        break;
      case Access::kOtherRefusal:
        verdict = fmt::format(
            "From the repository folder, the secret is refused, but not by "
            "permissions: '{}'.",
            Abbrev(repo_secret.text, 90));
        break;
    }
    std::string legit = fmt::format(
        "Legitimate reads: {} {} from the repository folder", sp.legit,
        repo_legit.access == Access::kRead ? "works" : "fails (" + Short(repo_legit) + ")");
    if (su_legit.access == Access::kRead) {
      legit += " and under `su -`.";
    } else {
      legit +=
          fmt::format("; under `su -` it {}, so the assignment's way cannot read the {} at all.",
                      su_legit.access == Access::kNotFound ? "is not found either (ENOENT)"
                                                           : "fails (" + Short(su_legit) + ")",
                      sp.folder);
    }
    std::string advice;
    if (!real && repo_secret.access == Access::kRead) {
      advice = fmt::format(
          " Real protection comes from permissions: for example `chmod o-r {0}` (or `chmod 600 "
          "{0}`) in the set-up makes {1}'s read fail with EACCES from any folder, while {2}/{3} "
          "stays readable.",
          secret_file, sp.user, sp.folder, sp.legit);
    }
    Outcome o;
    o.message = fmt::format(
        "{} {}{}\nAs {}, the assignment's way (`su - {}`, working directory {}): {} {}, {} {}. "
        "From the repository folder ({}): {} {}, {} {}.\nModes after the set-up: {}.{}",
        verdict, legit, advice, sp.user, sp.user, home, sp.secret, Describe(su_secret), sp.legit,
        Describe(su_legit), workdir, sp.secret, Describe(repo_secret), sp.legit,
        Describe(repo_legit), modes,
        c.points == 0 ? "\n(An insight for you and your instructor: not scored.)" : "");
    o.expected =
        fmt::format("{} is refused {} by permissions (EACCES) from any folder, and still reads {}",
                    sp.user, sp.secret, sp.legit);
    o.student = fmt::format("su -: {} {}, {} {}; repository folder: {} {}, {} {}", sp.secret,
                            Short(su_secret), sp.legit, Short(su_legit), sp.secret,
                            Short(repo_secret), sp.legit, Short(repo_legit));
    o.reference =
        "the reference cat was run in both places (the insight is about the set-up, "
        "not your cat.py)";
    const bool scored = c.points > 0;
    o.status = !scored || real ? report::CheckStatus::kPass : report::CheckStatus::kFail;
    o.fraction = !scored || real ? 1 : 0;
    return o;
  }
};

}  // namespace

std::unique_ptr<CheckType> MakeDdInsightType() { return std::make_unique<DdInsight>(); }

}  // namespace ipc::checks
