// The one probe step of dd_insight: a bash script, run as root in a copy of
// the submission at the workdir's path, that does the assignment's DD set-up
// and then runs the reference cat as the unprivileged user, the assignment's
// way (`su -`, working directory = the user's home) and from the repository
// folder (`su` without `-` keeps the working directory).
//
// Why one step and not one per run: the runs need the user the set-up
// created, and the probe resets the user database before any fresh_users
// step (other checks' included) that might run in between. One step keeps
// set-up and runs together.
//
// Every observation is written on the step's stdout (fd 3 inside the script;
// everything else goes to stderr) as one line
//   @@ipc-dd <name> <exit status> out=<base64> err=<base64>
// so nothing the submission controls (file contents printed by cat) can
// forge or split a line. Judging happens on the host (dd_insight.cc).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace ipc::checks {

struct DdScriptParams {
  std::string user = "garfield";
  std::string setup;                     // bash, run under `set -e`
  std::vector<std::string> reference;    // argv of the cat, tools resolved
  std::string secret = "../secret.txt";  // names given on stdin
  std::string legit = "treasure.txt";
  std::string folder = "litterbox";  // the cat's folder (for the modes)
};

// The assignment's set-up lines from test_full_dd.sh, for `user` and the
// cat's folder (litterbox).
std::string DefaultDdSetup(const std::string& user, const std::string& folder);

// Names of the observations.
inline constexpr const char* kDdSetup = "setup";
inline constexpr const char* kDdHome = "home";           // the user's home folder
inline constexpr const char* kDdSuSecret = "su-secret";  // `su -` + secret
inline constexpr const char* kDdSuLegit = "su-legit";
inline constexpr const char* kDdRepoSecret = "repo-secret";  // from the repository
inline constexpr const char* kDdRepoLegit = "repo-legit";
// DdModeName(i): `stat -L -c '%A %U %G'` of DdModePaths(p)[i]: the workdir
// ("."), the folder, and the two files as the cat would open them.
std::string DdModeName(std::size_t index);

std::string DdScript(const DdScriptParams& p);

struct DdObservation {
  int status = 0;
  std::string out;
  std::string err;
};

// Parses the step's stdout; lines not starting with the marker are ignored
// (there are none unless something inside wrote to fd 3). Returns nullopt
// and sets *err on a malformed marker line.
std::optional<std::map<std::string, DdObservation>> ParseDdObservations(
    const std::string& stdout_data, std::string* err);

// The paths whose modes the script reports, in order, relative to the
// repository: ".", folder, folder/legit, folder/secret (lexically
// normalised for display by DisplayPath).
std::vector<std::string> DdModePaths(const DdScriptParams& p);
std::string DisplayPath(const std::string& path);  // "litterbox/../secret.txt" -> "secret.txt"

}  // namespace ipc::checks
