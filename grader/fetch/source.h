// Parsing the `source` a user gave (URL or path) into what libgit2 needs,
// what messages may show, and the secrets that must never be shown.
// Internal to fetch/.
#pragma once

#include <string>
#include <vector>

namespace ipc::fetch {

enum class Transport { kLocal, kHttp, kGit, kSsh };

struct Source {
  Transport transport = Transport::kLocal;
  // Handed to libgit2: no password ever; http(s)/git without any user
  // either (credentials come through the callback). Local: absolute path.
  std::string url;
  std::string display;     // RedactSource(): safe for messages and results
  std::string local_path;  // kLocal only: absolute, percent-decoded
  std::string user;        // from the URL, if any
  std::string password;    // from the URL, if any: a secret
  std::string student;     // StudentNameFromSource()
  std::string cache_key;   // identity of the mirror: display, or the path
};

// False with *why for an unusable source (empty, unsupported scheme, a
// file:// URL naming another host).
bool ParseSource(const std::string& source, Source* out, std::string* why);

// Removes secrets from text meant for people: every registered secret
// (raw and percent-encoded) becomes "***", and any "scheme://user:pw@" left
// in the text loses its user info.
class Redactor {
 public:
  void AddSecret(const std::string& secret);
  std::string operator()(std::string text) const;

 private:
  std::vector<std::string> secrets_;
};

// [A-Za-z0-9._-] only, at most 40 characters, never empty or dot-leading:
// for a directory name made from a student-controlled string.
std::string SafeFileName(const std::string& s);

}  // namespace ipc::fetch
