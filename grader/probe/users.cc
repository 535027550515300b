#include "probe/users.h"

#include <algorithm>
#include <cstdlib>

#include "probe/fd.h"

namespace ipc::probe {
namespace {

std::vector<std::string> Split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (;;) {
    const auto at = s.find(sep, start);
    out.push_back(s.substr(start, at == std::string::npos ? std::string::npos : at - start));
    if (at == std::string::npos) return out;
    start = at + 1;
  }
}

std::vector<std::string> Lines(const std::string& text) {
  auto lines = Split(text, '\n');
  if (!lines.empty() && lines.back().empty()) lines.pop_back();
  return lines;
}

bool ParseId(const std::string& s, unsigned long* out) {
  if (s.empty() || s.size() > 10) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  *out = std::strtoul(s.c_str(), nullptr, 10);
  return true;
}

}  // namespace

std::optional<UserInfo> LookupUser(const std::string& name, std::string* err,
                                   const std::string& passwd_path, const std::string& group_path) {
  auto fail = [&](const std::string& why) -> std::optional<UserInfo> {
    if (err) *err = why;
    return std::nullopt;
  };
  if (name.empty() || name.find(':') != std::string::npos) {
    return fail("invalid user name '" + name + "'");
  }
  const auto passwd = ReadSmallFile(passwd_path, 16 << 20);
  if (!passwd) return fail("cannot read " + passwd_path);
  std::optional<UserInfo> user;
  // name:password:uid:gid:gecos:home:shell
  for (const auto& line : Lines(*passwd)) {
    const auto f = Split(line, ':');
    if (f.size() < 7 || f[0] != name) continue;
    unsigned long uid = 0, gid = 0;
    if (!ParseId(f[2], &uid) || !ParseId(f[3], &gid)) {
      return fail(passwd_path + ": malformed entry for '" + name + "'");
    }
    user = UserInfo{name, static_cast<uid_t>(uid), static_cast<gid_t>(gid), f[5], {}};
    break;
  }
  if (!user) return fail("no user '" + name + "' in " + passwd_path);
  user->groups.push_back(user->gid);
  // name:password:gid:member,member. A missing /etc/group only loses the
  // supplementary groups, as initgroups() would.
  if (const auto groups = ReadSmallFile(group_path, 16 << 20)) {
    for (const auto& line : Lines(*groups)) {
      const auto f = Split(line, ':');
      unsigned long gid = 0;
      if (f.size() < 4 || !ParseId(f[2], &gid)) continue;
      const auto members = Split(f[3], ',');
      if (std::find(members.begin(), members.end(), name) == members.end()) continue;
      const auto g = static_cast<gid_t>(gid);
      if (std::find(user->groups.begin(), user->groups.end(), g) == user->groups.end()) {
        user->groups.push_back(g);
      }
    }
  }
  return user;
}

std::string NameOfId(unsigned id, const std::string& db_path) {
  const auto text = ReadSmallFile(db_path);
  if (!text) return "";
  std::size_t start = 0;
  while (start < text->size()) {
    auto eol = text->find('\n', start);
    if (eol == std::string::npos) eol = text->size();
    const std::string line = text->substr(start, eol - start);
    start = eol + 1;
    const auto c1 = line.find(':');
    const auto c2 = c1 == std::string::npos ? c1 : line.find(':', c1 + 1);
    const auto c3 = c2 == std::string::npos ? c2 : line.find(':', c2 + 1);
    if (c3 == std::string::npos) continue;
    if (line.substr(c2 + 1, c3 - c2 - 1) == std::to_string(id)) return line.substr(0, c1);
  }
  return "";
}

}  // namespace ipc::probe
