// dd_insight: a distrustful-decomposition set-up that runs a cat as an
// unprivileged user `su -` (as the assignment's DD test does) may refuse a
// secret for the wrong reason: `su -` moves the working directory to the
// user's home, where ./FOLDER/../secret does not exist (ENOENT). This check
// does the set-up on the submission's tree and runs the REFERENCE cat (the
// insight is about the design, not the student's cat) as the user, the
// set-up's way and from the repository folder, and reports whether the
// protection is real (EACCES) or accidental (ENOENT), and whether
// legitimate reads work.
//   reference: cat                 a path_cat program of the rubric's
//                                  `programs:` (its folder and refusal word)
//   user:      alice               the unprivileged user the set-up creates
//   setup:     "useradd ...; chgrp ..."   bash, as root
//   secret:    ../private.txt      name given on stdin that must be refused
//   legit:     notes.txt           a name that should be readable
//   data_files: true               the rubric's data files where missing
// All of it runs in one box of the grader's own, before any student code.
// Points: usually 0 (an insight: always passes once it could be observed).
// With points, it passes only when the protection is real.
#include "checks/dd_insight.h"

#include <fmt/format.h>

#include <cctype>
#include <cerrno>

#include "util/strings.h"

namespace ipc::checks {
namespace {

constexpr double kDefaultTimeout = 30;
constexpr std::size_t kOutputCap = 16 * 1024;

struct Params {
  std::string user;
  std::vector<std::string> reference;  // argv, tool first
  std::string source;                  // the program's file in the submission
  std::string secret;
  std::string legit;
  std::string folder;
  std::string refusal;
  std::string setup;
  bool data_files = true;
};

std::string DisplayPath(const std::string& path);

Params Parse(const rubric::Check& check, const rubric::Rubric& rubric) {
  auto r = ParamsReader(check);
  Params p;
  p.user = r.RequireString("user");
  // adduser's default NAME_REGEX; also keeps the name safe in messages.
  bool ok_user = !p.user.empty() && p.user.size() <= 32 &&
                 (std::islower(static_cast<unsigned char>(p.user[0])) || p.user[0] == '_');
  for (unsigned char ch : p.user) ok_user &= std::islower(ch) || std::isdigit(ch) || ch == '_' || ch == '-';
  if (!ok_user) r.FailValue("user", "'user' must be a lower-case user name");
  if (YAML::Node ref = r.Child("reference"); ref && ref.IsSequence()) {
    r.FailValue("reference", "'reference' now names a program of the rubric's 'programs'");
  }
  const auto& program = RequireProgram(r, "reference", ProgramsOf(rubric));
  const auto* cat = std::get_if<reference::CatSpec>(&program.spec);
  if (cat == nullptr) r.FailValue("reference", "dd_insight's reference must be a path_cat program");
  p.reference = reference::ReferenceArgv(program.spec);
  p.source = program.source;
  p.folder = cat->folder;
  p.refusal = cat->refusal;
  p.secret = r.RequireString("secret");
  p.legit = r.RequireString("legit");
  for (const char* key : {"secret", "legit"}) {
    const std::string& v = key == std::string("secret") ? p.secret : p.legit;
    if (v.empty() || v.find('\n') != std::string::npos || v.find('\0') != std::string::npos) {
      r.FailValue(key, std::string("'") + key + "' must be a non-empty name on one line");
    }
    // The path the cat opens, folder/NAME, must stay in the repository:
    // the check looks at its mode there.
    const std::string opened = DisplayPath(p.folder + "/" + v);
    if (v[0] == '/' || opened == ".." || opened.rfind("../", 0) == 0) {
      r.FailValue(key, std::string("'") + key + "' must name a file inside the repository as " +
                           "the program opens it (" + p.folder + "/" + v + " is " + opened + ")");
    }
  }
  p.setup = r.RequireString("setup");
  p.data_files = r.OptBool("data_files").value_or(true);
  r.RejectUnknown();
  return p;
}

// "data/../private.txt" -> "private.txt", lexically.
std::string DisplayPath(const std::string& path) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (start <= path.size()) {
    const std::size_t end = std::min(path.find('/', start), path.size());
    const std::string part = path.substr(start, end - start);
    if (part == "..") {
      if (!parts.empty() && parts.back() != "..") {
        parts.pop_back();
      } else {
        parts.push_back(part);
      }
    } else if (!part.empty() && part != ".") {
      parts.push_back(part);
    }
    start = end + 1;
  }
  std::string out;
  for (const auto& part : parts) out += (out.empty() ? "" : "/") + part;
  return out.empty() ? "." : out;
}

// The paths whose modes the message shows: the repository folder, the
// cat's folder, and the two files as the cat would open them.
std::vector<std::string> ModePaths(const Params& p) {
  return {".", p.folder, DisplayPath(p.folder + "/" + p.legit),
          DisplayPath(p.folder + "/" + p.secret)};
}

// "-rw-r--r-- root root", as `ls -l` shows it.
std::string LsMode(const protocol::PathStat& st) {
  if (!st.exists) return "missing";
  std::string m = st.type == "dir" ? "d" : st.type == "symlink" ? "l" : "-";
  const char* rwx = "rwxrwxrwx";
  for (int i = 0; i < 9; ++i) m += (st.mode & (0400 >> i)) ? rwx[i] : '-';
  return m + " " + (st.user.empty() ? std::to_string(st.uid) : st.user) + " " +
         (st.group.empty() ? std::to_string(st.gid) : st.group);
}

enum class Access { kRead, kNotFound, kDenied, kOtherRefusal };

struct CatRun {
  Access access = Access::kOtherRefusal;
  std::string text;  // what it printed, trimmed
};

// The errno of a refusal, from Python's "[Errno N] ..." in the refusal line.
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

CatRun Classify(const protocol::ProcessResult& o, const std::string& refusal) {
  CatRun run;
  run.text = Trim(o.stdout_data);
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
  void Validate(const rubric::Check& c, const rubric::Rubric& rubric) const override {
    Parse(c, rubric);
  }

  void Plan(const rubric::Check& c, const rubric::Rubric& rubric,
            PlanBuilder& plan) const override {
    const Params p = Parse(c, rubric);
    const double timeout = c.timeout_s.value_or(kDefaultTimeout);
    protocol::Box box;
    if (p.data_files) box.files = plan.DataFiles();
    auto exec = [&](const std::string& id, std::vector<std::string> argv) {
      protocol::Step s;
      s.id = id;
      s.student = false;
      s.process.argv = std::move(argv);
      s.process.timeout_s = timeout;
      s.process.output_cap = kOutputCap;
      return s;
    };
    box.steps.push_back(exec("setup", {"bash", "-c", p.setup}));
    box.steps.push_back(exec("home", {"getent", "passwd", p.user}));
    protocol::Step modes;
    modes.id = "modes";
    modes.kind = protocol::Step::Kind::kStat;
    modes.student = false;
    modes.paths = ModePaths(p);
    box.steps.push_back(std::move(modes));
    for (const auto& [id, name, login] :
         std::vector<std::tuple<std::string, std::string, bool>>{{"su-secret", p.secret, true},
                                                                 {"su-legit", p.legit, true},
                                                                 {"repo-secret", p.secret, false},
                                                                 {"repo-legit", p.legit, false}}) {
      protocol::Step s = exec(id, PlanBuilder::ResolveTools(p.reference));
      s.process.user = p.user;
      s.process.login_shell = login;
      s.process.stdin_data = name;
      box.steps.push_back(std::move(s));
    }
    plan.AddBox(c, "insight", std::move(box));
  }

  Outcome Score(const rubric::Check& c, const Evidence& ev) const override {
    const Params p = Parse(c, *ev.rubric);
    const auto* setup = ev.Step(c, "setup");
    if (auto missing = MissingStep(ev, setup)) return *missing;
    if (auto failed = GraderStepFailed("the DD set-up", setup->process)) return *failed;
    if (setup->process.exit_code != 0) {
      Outcome o = Outcome::Fail("");
      const std::string why = Abbrev(Trim(setup->process.stderr_data), 200);
      if (ev.snapshot != nullptr && !FolderInTree(*ev.snapshot, p.folder)) {
        o.message = fmt::format(
            "The DD set-up cannot run: there is no {0}/ folder in the repository, so there is "
            "nothing for {1} to be confined to ({2}).",
            p.folder, p.user, why);
      } else {
        o.message = fmt::format("The DD set-up failed (exit {}): {}",
                                setup->process.exit_code.value_or(-1), why);
      }
      o.expected = "the DD set-up runs on the submission";
      o.student = "set-up failed: " + why;
      o.output = setup->process.stdout_data + setup->process.stderr_data;
      return o;
    }
    CatRun runs[4];
    const char* names[4] = {"su-secret", "su-legit", "repo-secret", "repo-legit"};
    for (int i = 0; i < 4; ++i) {
      const auto* run = ev.Step(c, names[i]);
      if (auto missing = MissingStep(ev, run)) return *missing;
      // The reference cat exits 0 on every input; anything else is su or
      // the image failing, not the submission.
      if (auto failed = GraderStepFailed(fmt::format("running the reference cat as {} ({})",
                                                     p.user, names[i]),
                                         run->process)) {
        return *failed;
      }
      if (run->process.exit_code != 0) {
        return Outcome::Error(fmt::format("running the reference cat as {} ({}) failed with exit "
                                          "{}: {}",
                                          p.user, names[i], run->process.exit_code.value_or(-1),
                                          Abbrev(Trim(run->process.stderr_data), 200)));
      }
      runs[i] = Classify(run->process, p.refusal);
    }
    std::string home;
    if (const auto* h = ev.Step(c, "home")) {
      // name:x:uid:gid:gecos:home:shell
      const std::string line = Trim(h->process.stdout_data);
      std::size_t at = 0;
      for (int field = 0; field < 5 && at != std::string::npos; ++field) {
        at = line.find(':', at);
        if (at != std::string::npos) ++at;
      }
      if (at != std::string::npos) home = line.substr(at, line.find(':', at) - at);
    }
    if (home.empty()) home = p.user + "'s home";
    const std::string secret_file = DisplayPath(p.folder + "/" + p.secret);
    const std::string workdir = ev.rubric ? ev.rubric->workdir : "the repository";
    std::string modes;
    std::string secret_mode;
    if (const auto* look = ev.Step(c, "modes")) {
      for (std::size_t i = 0; i < look->stats.size(); ++i) {
        std::string mode = LsMode(look->stats[i]);
        const std::string shown = i == 0 ? "the repository folder" : look->stats[i].path;
        modes += fmt::format("{}{} {}", modes.empty() ? "" : "; ", shown, mode);
        // "-rw-r--r--": the 8th character is the read bit for others.
        if (mode.size() >= 10 && mode[7] == 'r') mode += " (readable by everyone)";
        if (i + 1 == look->stats.size()) secret_mode = mode;
      }
    }
    struct Sp {
      const std::string& user;
      const std::string& folder;
      const std::string& secret;
      const std::string& legit;
    } sp{p.user, p.folder, p.secret, p.legit};
    const CatRun& su_secret = runs[0];
    const CatRun& su_legit = runs[1];
    const CatRun& repo_secret = runs[2];
    const CatRun& repo_legit = runs[3];

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
    o.reference = fmt::format(
        "the reference cat was run in both places (the insight is about the set-up, "
        "not your {})",
        p.source);
    const bool scored = c.points > 0;
    o.status = !scored || real ? report::CheckStatus::kPass : report::CheckStatus::kFail;
    o.fraction = !scored || real ? 1 : 0;
    return o;
  }
};

}  // namespace

std::unique_ptr<CheckType> MakeDdInsightType() { return std::make_unique<DdInsight>(); }

}  // namespace ipc::checks
