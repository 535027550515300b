#include "fetch/source.h"

#include <filesystem>
#include <system_error>

#include "fetch/fetcher.h"

namespace ipc::fetch {
namespace {

struct UrlParts {
  enum class Form { kLocal, kUrl, kScp } form = Form::kLocal;
  std::string scheme;    // lowercase, kUrl only
  std::string userinfo;  // "user" or "user:password", may be empty
  std::string host;      // host[:port]
  std::string path;      // kUrl: starts with '/' (or empty); kScp: as given
};

std::string Lower(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

// Git's rule (url_is_local_not_ssh): "host:path" is ssh when the first ':'
// comes before any '/'; "./a:b" and "/x:y" are paths.
bool IsScpLike(const std::string& s) {
  const std::size_t colon = s.find(':');
  const std::size_t slash = s.find('/');
  return colon != std::string::npos && colon > 0 &&
         (slash == std::string::npos || colon < slash);
}

UrlParts Split(const std::string& s) {
  UrlParts u;
  const std::size_t sep = s.find("://");
  if (sep != std::string::npos) {
    u.form = UrlParts::Form::kUrl;
    u.scheme = Lower(s.substr(0, sep));
    const std::string rest = s.substr(sep + 3);
    const std::size_t auth_end = rest.find('/');
    const std::string authority = rest.substr(0, auth_end);
    u.path = auth_end == std::string::npos ? "" : rest.substr(auth_end);
    // The last '@': people paste passwords with a raw '@' in them.
    const std::size_t at = authority.rfind('@');
    u.userinfo = at == std::string::npos ? "" : authority.substr(0, at);
    u.host = at == std::string::npos ? authority : authority.substr(at + 1);
  } else if (IsScpLike(s)) {
    u.form = UrlParts::Form::kScp;
    const std::size_t colon = s.find(':');
    const std::string left = s.substr(0, colon);
    u.path = s.substr(colon + 1);
    const std::size_t at = left.rfind('@');
    u.userinfo = at == std::string::npos ? "" : left.substr(0, at);
    u.host = at == std::string::npos ? left : left.substr(at + 1);
  } else {
    u.path = s;
  }
  return u;
}

bool IsSshScheme(const std::string& scheme) {
  return scheme == "ssh" || scheme == "git+ssh" || scheme == "ssh+git";
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string PercentDecode(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && HexValue(s[i + 1]) >= 0 &&
        HexValue(s[i + 2]) >= 0) {
      out += static_cast<char>(HexValue(s[i + 1]) * 16 + HexValue(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::string PercentEncode(const std::string& s) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    const bool plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                       (c >= '0' && c <= '9') || c == '-' || c == '.' ||
                       c == '_' || c == '~';
    if (plain) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string UserOf(const std::string& userinfo) {
  return userinfo.substr(0, userinfo.find(':'));
}

void ReplaceAll(std::string* text, const std::string& from,
                const std::string& to) {
  if (from.empty()) return;
  for (std::size_t p = text->find(from); p != std::string::npos;
       p = text->find(from, p + to.size())) {
    text->replace(p, from.size(), to);
  }
}

}  // namespace

std::string RedactSource(const std::string& source) {
  UrlParts u = Split(source);
  switch (u.form) {
    case UrlParts::Form::kLocal:
      return source;
    case UrlParts::Form::kScp: {
      // scp-like is ssh: the user name is no secret and ssh needs it.
      const std::string user = UserOf(u.userinfo);
      return (user.empty() ? "" : user + "@") + u.host + ":" + u.path;
    }
    case UrlParts::Form::kUrl:
      if (u.scheme == "file") return source;
      // Over http(s) even a lone "user@" may be a token (GitHub accepts a
      // token as the user name), so all user info goes; ssh keeps the user.
      if (IsSshScheme(u.scheme) && !u.userinfo.empty()) {
        return u.scheme + "://" + UserOf(u.userinfo) + "@" + u.host + u.path;
      }
      return u.scheme + "://" + u.host + u.path;
  }
  return source;
}

std::string StudentNameFromSource(const std::string& source) {
  UrlParts u = Split(source);
  bool network = u.form != UrlParts::Form::kLocal;
  std::string path = u.path;
  if (u.form == UrlParts::Form::kUrl && u.scheme == "file") {
    network = false;
    path = PercentDecode(u.path);
  }
  std::vector<std::string> comps;
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t slash = path.find('/', start);
    if (slash == std::string::npos) slash = path.size();
    std::string c = path.substr(start, slash - start);
    if (!c.empty() && c != ".") comps.push_back(c);
    start = slash + 1;
  }
  if (!comps.empty() && comps.back() == ".git") comps.pop_back();
  if (comps.empty()) return "";
  // Hosted (GitLab-like): <group>/.../<student>/<project>: the owner is the
  // student. Local: the directory per student is the repository itself.
  if (network && comps.size() >= 2) return comps[comps.size() - 2];
  std::string last = comps.back();
  if (last.size() > 4 && last.compare(last.size() - 4, 4, ".git") == 0) {
    last.resize(last.size() - 4);
  }
  return last;
}

bool ParseSource(const std::string& source, Source* out, std::string* why) {
  if (source.empty()) {
    *why = "empty source";
    return false;
  }
  const UrlParts u = Split(source);
  Source s;
  s.display = RedactSource(source);
  s.student = StudentNameFromSource(source);
  s.user = PercentDecode(UserOf(u.userinfo));
  if (u.userinfo.find(':') != std::string::npos) {
    s.password = PercentDecode(u.userinfo.substr(u.userinfo.find(':') + 1));
  }
  std::string local;
  if (u.form == UrlParts::Form::kUrl && u.scheme == "file") {
    if (!u.host.empty() && Lower(u.host) != "localhost") {
      *why = "file:// URL names host '" + u.host +
             "'; only local paths (file:///path) are supported";
      return false;
    }
    local = PercentDecode(u.path);
  } else if (u.form == UrlParts::Form::kUrl) {
    if (u.scheme == "http" || u.scheme == "https") {
      s.transport = Transport::kHttp;
    } else if (u.scheme == "git") {
      s.transport = Transport::kGit;
    } else if (IsSshScheme(u.scheme)) {
      s.transport = Transport::kSsh;
    } else {
      *why = "unsupported URL scheme '" + u.scheme +
             "' (use https://, ssh://, git://, file:// or a path)";
      return false;
    }
    if (u.host.empty()) {
      *why = "no host in URL " + s.display;
      return false;
    }
    const bool keep_user = s.transport == Transport::kSsh && !s.user.empty();
    s.url = u.scheme + "://" + (keep_user ? UserOf(u.userinfo) + "@" : "") +
            u.host + u.path;
    s.cache_key = s.display;
  } else if (u.form == UrlParts::Form::kScp) {
    s.transport = Transport::kSsh;
    s.url = (s.user.empty() ? "" : UserOf(u.userinfo) + "@") + u.host + ":" +
            u.path;
    s.cache_key = s.display;
  } else {
    local = source;
  }
  if (s.transport == Transport::kLocal) {
    std::error_code ec;
    std::filesystem::path p = std::filesystem::absolute(local, ec);
    if (ec) {
      *why = "cannot make '" + local + "' absolute: " + ec.message();
      return false;
    }
    std::string abs = p.string();
    while (abs.size() > 1 && abs.back() == '/') abs.pop_back();
    s.local_path = abs;
    s.url = abs;
    s.cache_key = abs;
  }
  *out = std::move(s);
  return true;
}

void Redactor::AddSecret(const std::string& secret) {
  if (secret.empty()) return;
  secrets_.push_back(secret);
  const std::string encoded = PercentEncode(secret);
  if (encoded != secret) secrets_.push_back(encoded);
}

std::string Redactor::operator()(std::string text) const {
  for (const std::string& s : secrets_) ReplaceAll(&text, s, "***");
  // Any URL with user info that slipped into a message (a redirect target,
  // a config value) loses it.
  for (std::size_t p = text.find("://"); p != std::string::npos;
       p = text.find("://", p + 3)) {
    const std::size_t start = p + 3;
    const std::size_t end = text.find_first_of("/ \t\n'\"", start);
    const std::size_t at =
        text.rfind('@', end == std::string::npos ? std::string::npos : end - 1);
    if (at != std::string::npos && at >= start &&
        (end == std::string::npos || at < end)) {
      text.erase(start, at + 1 - start);
    }
  }
  return text;
}

std::string SafeFileName(const std::string& s) {
  std::string out;
  for (char c : s) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    out += ok ? c : '_';
    if (out.size() == 40) break;
  }
  if (out.empty() || out[0] == '.') out = "x" + out;
  return out;
}

}  // namespace ipc::fetch
