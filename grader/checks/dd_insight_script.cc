#include "checks/dd_insight_script.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>

#include "checks/test_adequacy_shim.h"

namespace ipc::checks {
namespace {

constexpr const char* kMarker = "@@ipc-dd ";
constexpr const char* kDataLine = "@@ipc-dd-data";

std::string QuotedCommand(const std::vector<std::string>& argv) {
  std::string cmd;
  for (const auto& a : argv) cmd += (cmd.empty() ? "" : " ") + ShellQuote(a);
  return cmd;
}

// A whole decimal number, or nullopt (stoi/stoull accept "12abc" and " 1").
std::optional<std::uint64_t> ParseCount(const std::string& s) {
  if (s.empty() || s.size() > 18) return std::nullopt;
  std::uint64_t n = 0;
  for (const char ch : s) {
    if (ch < '0' || ch > '9') return std::nullopt;
    n = n * 10 + static_cast<std::uint64_t>(ch - '0');
  }
  return n;
}

std::optional<int> ParseInt(const std::string& s) {
  const bool negative = !s.empty() && s[0] == '-';
  const auto n = ParseCount(negative ? s.substr(1) : s);
  if (!n || *n > 1000000) return std::nullopt;
  return negative ? -static_cast<int>(*n) : static_cast<int>(*n);
}

}  // namespace

// adduser is a Perl script that runs groupadd, useradd, gpasswd and more:
// about 0.2 CPU-s here against 0.04 for one useradd, twice per grading
// (issue 8). In ipc-grader/python:bookworm (adduser 3.134, shadow 4.13)
// `adduser garfield --disabled-password --gecos ""` and this useradd leave
// the same /etc/passwd, group, shadow, gshadow, subuid and subgid lines
// (gecos ",,,", locked password "!", garfield also in `users`, subordinate
// ids) and the same home (/home/garfield, mode 0700, /etc/skel copied).
// useradd's own defaults differ in the shell (/bin/sh, which `su -` would
// start), the home mode (0755) and the extra group, hence the flags.
std::string DefaultDdSetup(const std::string& user, const std::string& folder) {
  return fmt::format(
      "useradd -m -U -G users -s /bin/bash -c ',,,' -K HOME_MODE=0700 {0}\n"
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
  // Observation i is "$tmp/i.out" and "$tmp/i.err" plus a name and a status
  // in the arrays; `obs NAME STATUS` records the files the last command was
  // redirected to ("$tmp/$n.*"). Every command runs with 3>&- so that only
  // flush writes to fd 3.
  std::string s =
      "# ipc-grader dd_insight (see grader/checks/dd_insight_script.h)\n"
      "exec 3>&1 1>&2\n"
      "tmp=$(mktemp -d) || exit 1\n"
      "n=0 names=() codes=() files=()\n"
      "obs() {\n"
      "  names+=(\"$1\") codes+=(\"$2\") files+=(\"$tmp/$n.out\" \"$tmp/$n.err\")\n"
      "  n=$((n + 1))\n"
      "}\n"
      // Runs at every exit, the early one after a failed set-up included.
      // One stat for every size and one cat for every byte, whatever the
      // number of observations. A file stat cannot find gives no line: the
      // last header's size is then empty, and the host rejects the report
      // instead of shifting bytes from one observation to the next.
      "flush() {\n"
      "  local i sizes=()\n"
      "  [ $n -eq 0 ] || mapfile -t sizes < <(stat -c %s -- \"${files[@]}\")\n"
      "  for ((i = 0; i < n; i++)); do\n"
      "    printf '" +
      std::string(kMarker) +
      "%s %s out=%s err=%s\\n' \"${names[i]}\" \"${codes[i]}\" \"${sizes[2 * i]}\" "
      "\"${sizes[2 * i + 1]}\"\n"
      "  done >&3\n"
      "  printf '%s\\n' " +
      ShellQuote(kDataLine) +
      " >&3\n"
      "  [ $n -eq 0 ] || cat -- \"${files[@]}\" >&3\n"
      "  rm -rf \"$tmp\"\n"
      "}\n"
      "trap flush EXIT\n"
      // The set-up runs under `set -e`, as in test_full_dd.sh: the first
      // failing line (chgrp of a missing litterbox) stops it.
      "( set -e\n" +
      p.setup +
      "\n) > \"$tmp/$n.out\" 2> \"$tmp/$n.err\" 3>&-\n"
      "rc=$?\n"
      "obs " +
      kDdSetup +
      " $rc\n"
      "[ $rc -eq 0 ] || exit 0\n"
      "getent passwd " +
      user +
      " 3>&- | cut -d: -f6 > \"$tmp/$n.out\" 2> \"$tmp/$n.err\" 3>&-\n"
      "obs " +
      kDdHome + " $?\n";
  const auto paths = DdModePaths(p);
  for (std::size_t i = 0; i < paths.size(); ++i) {
    // -L: the mode of what open() would reach through a symlink.
    s += "stat -L -c '%A %U %G' -- " + ShellQuote(paths[i]) +
         " > \"$tmp/$n.out\" 2> \"$tmp/$n.err\" 3>&-\n";
    s += "obs " + DdModeName(i) + " $?\n";
  }
  // The names arrive on stdin with a newline, as `echo ../secret.txt |`
  // gives them; the file is opened by root's shell, before su.
  s += "run() {\n"
       "  printf '%s\\n' \"$2\" > \"$tmp/in\"\n"
       "  \"${@:3}\" < \"$tmp/in\" > \"$tmp/$n.out\" 2> \"$tmp/$n.err\" 3>&-\n"
       "  obs \"$1\" $?\n"
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
  struct Header {
    std::string name;
    DdObservation obs;
    std::uint64_t out_size = 0;
    std::uint64_t err_size = 0;
  };
  std::vector<Header> headers;
  std::optional<std::size_t> data_at;  // first byte after the data line
  std::size_t start = 0;
  while (start < stdout_data.size()) {
    std::size_t end = stdout_data.find('\n', start);
    if (end == std::string::npos) end = stdout_data.size();
    const std::string line = stdout_data.substr(start, end - start);
    start = end + 1;
    // Everything after the data line is raw bytes: never scanned for lines.
    if (line == kDataLine) {
      data_at = std::min(start, stdout_data.size());
      break;
    }
    if (line.rfind(kMarker, 0) != 0) continue;
    // <name> <status> out=<count> err=<count>; names have no spaces.
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
      return bad("expected <name> <status> out=<bytes> err=<bytes>");
    }
    Header h;
    h.name = f[0];
    const auto status = ParseInt(f[1]);
    const auto out_size = ParseCount(f[2].substr(4));
    const auto err_size = ParseCount(f[3].substr(4));
    if (!status) return bad("status is not a number");
    if (!out_size || !err_size) return bad("byte count is not a number");
    h.obs.status = *status;
    h.out_size = *out_size;
    h.err_size = *err_size;
    headers.push_back(std::move(h));
  }
  if (!data_at) {
    if (headers.empty()) return std::map<std::string, DdObservation>{};
    *err = "the observations' data line '" + std::string(kDataLine) + "' is missing (" +
           std::to_string(headers.size()) + " header(s) seen)";
    return std::nullopt;
  }
  std::uint64_t announced = 0;
  for (const auto& h : headers) announced += h.out_size + h.err_size;
  const std::uint64_t present = stdout_data.size() - *data_at;
  if (present != announced) {
    *err = "the observations announce " + std::to_string(announced) + " byte(s) of data, but " +
           std::to_string(present) + " follow the data line";
    return std::nullopt;
  }
  std::map<std::string, DdObservation> obs;
  std::size_t at = *data_at;
  for (auto& h : headers) {
    h.obs.out = stdout_data.substr(at, h.out_size);
    at += h.out_size;
    h.obs.err = stdout_data.substr(at, h.err_size);
    at += h.err_size;
    obs[h.name] = std::move(h.obs);
  }
  return obs;
}

}  // namespace ipc::checks
