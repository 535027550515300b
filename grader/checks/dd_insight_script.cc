#include "checks/dd_insight_script.h"

#include <fmt/format.h>

#include "checks/test_adequacy_shim.h"
#include "protocol/base64.h"

namespace ipc::checks {
namespace {

constexpr const char* kMarker = "@@ipc-dd ";

std::string QuotedCommand(const std::vector<std::string>& argv) {
  std::string cmd;
  for (const auto& a : argv) cmd += (cmd.empty() ? "" : " ") + ShellQuote(a);
  return cmd;
}

}  // namespace

std::string DefaultDdSetup(const std::string& user, const std::string& folder) {
  return fmt::format(
      "adduser {0} --disabled-password --gecos \"\"\n"
      "chgrp users {1}\n"
      "chown {0} {1}\n"
      "chmod g+rwx {1}\n",
      ShellQuote(user), ShellQuote("./" + folder));
}

std::string DdModeName(std::size_t index) { return "mode:" + std::to_string(index); }

std::vector<std::string> DdModePaths(const DdScriptParams& p) {
  return {".", p.folder, p.folder + "/" + p.legit, p.folder + "/" + p.secret};
}

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

std::string DdScript(const DdScriptParams& p) {
  const std::string user = ShellQuote(p.user);
  const std::string cat = ShellQuote(QuotedCommand(p.reference));
  std::string s =
      "# ipc-grader dd_insight (see grader/checks/dd_insight_script.h)\n"
      "exec 3>&1 1>&2\n"
      "tmp=$(mktemp -d) || exit 1\n"
      "trap 'rm -rf \"$tmp\"' EXIT\n"
      "emit() {\n"
      "  printf '" +
      std::string(kMarker) +
      "%s %s out=%s err=%s\\n' \"$1\" \"$2\" "
      "\"$(base64 -w0 < \"$tmp/out\")\" \"$(base64 -w0 < \"$tmp/err\")\" >&3\n"
      "}\n"
      // The set-up runs under `set -e`, as in test_full_dd.sh: the first
      // failing line (chgrp of a missing litterbox) stops it.
      "( set -e\n" +
      p.setup +
      "\n) > \"$tmp/out\" 2> \"$tmp/err\"\n"
      "rc=$?\n"
      "emit " +
      kDdSetup +
      " $rc\n"
      "[ $rc -eq 0 ] || exit 0\n"
      "getent passwd " +
      user +
      " | cut -d: -f6 > \"$tmp/out\" 2> \"$tmp/err\"\n"
      "emit " +
      kDdHome + " $?\n";
  const auto paths = DdModePaths(p);
  for (std::size_t i = 0; i < paths.size(); ++i) {
    // -L: the mode of what open() would reach through a symlink.
    s += "stat -L -c '%A %U %G' -- " + ShellQuote(paths[i]) + " > \"$tmp/out\" 2> \"$tmp/err\"\n";
    s += "emit " + DdModeName(i) + " $?\n";
  }
  // The names arrive on stdin with a newline, as `echo ../secret.txt |`
  // gives them; the file is opened by root's shell, before su.
  s += "run() {\n"
       "  printf '%s\\n' \"$2\" > \"$tmp/in\"\n"
       "  \"${@:3}\" < \"$tmp/in\" > \"$tmp/out\" 2> \"$tmp/err\"\n"
       "  emit \"$1\" $?\n"
       "}\n";
  const std::string secret = ShellQuote(p.secret);
  const std::string legit = ShellQuote(p.legit);
  // `su -` starts a login shell in the user's home; plain `su` keeps the
  // working directory (the repository) and becomes the user all the same.
  s += fmt::format("run {} {} su - {} -c {}\n", kDdSuSecret, secret, user, cat);
  s += fmt::format("run {} {} su - {} -c {}\n", kDdSuLegit, legit, user, cat);
  s += fmt::format("run {} {} su {} -c {}\n", kDdRepoSecret, secret, user, cat);
  s += fmt::format("run {} {} su {} -c {}\n", kDdRepoLegit, legit, user, cat);
  return s;
}

std::optional<std::map<std::string, DdObservation>> ParseDdObservations(
    const std::string& stdout_data, std::string* err) {
  std::map<std::string, DdObservation> obs;
  std::size_t start = 0;
  while (start < stdout_data.size()) {
    std::size_t end = stdout_data.find('\n', start);
    if (end == std::string::npos) end = stdout_data.size();
    const std::string line = stdout_data.substr(start, end - start);
    start = end + 1;
    if (line.rfind(kMarker, 0) != 0) continue;
    // <name> <status> out=<b64> err=<b64>; names have no spaces.
    std::vector<std::string> f;
    std::size_t at = std::string(kMarker).size();
    while (at <= line.size()) {
      const std::size_t sp = std::min(line.find(' ', at), line.size());
      f.push_back(line.substr(at, sp - at));
      at = sp + 1;
    }
    auto bad = [&](const std::string& why) {
      *err = "malformed observation line '" + line.substr(0, 80) + "': " + why;
      return std::nullopt;
    };
    if (f.size() != 4 || f[2].rfind("out=", 0) != 0 || f[3].rfind("err=", 0) != 0) {
      return bad("expected <name> <status> out=... err=...");
    }
    DdObservation o;
    try {
      std::size_t used = 0;
      o.status = std::stoi(f[1], &used);
      if (used != f[1].size()) return bad("status is not a number");
    } catch (const std::exception&) {
      return bad("status is not a number");
    }
    auto out = protocol::Base64Decode(f[2].substr(4));
    auto errs = protocol::Base64Decode(f[3].substr(4));
    if (!out || !errs) return bad("bad base64");
    o.out = std::move(*out);
    o.err = std::move(*errs);
    obs[f[0]] = std::move(o);
  }
  return obs;
}

}  // namespace ipc::checks
