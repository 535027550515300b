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
// Every observation (a command's exit status, stdout and stderr) is kept in
// files of the script's temporary folder and written on the step's stdout
// once, at exit (fd 3 inside the script; everything else goes to stderr):
// first one header line per observation, in the order they were made,
//   @@ipc-dd <name> <exit status> out=<byte count> err=<byte count>
// then the line "@@ipc-dd-data", then the raw bytes of every observation's
// stdout and stderr, in header order. One `stat` counts all the sizes and
// one `cat` writes all the bytes: a `base64` per stream cost 20 process
// starts per grading (issue 8). The probe carries stdout bytes as they are
// (base64 in its own report), so raw bytes need no encoding here. Nothing
// the submission controls (file contents printed by cat) can forge or split
// an observation: its bytes only come after the data line and are cut by the
// announced sizes, and no command the script runs inherits fd 3. Judging
// happens on the host (dd_insight.cc).
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

// The set-up of test_full_dd.sh, for `user` and the cat's folder
// (litterbox): its chgrp/chown/chmod lines as they are, and its
// `adduser USER --disabled-password --gecos ""` as the one `useradd` that
// leaves the same user database and home (see the .cc).
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

// Parses the step's stdout. Lines before the data line that do not start
// with the marker are ignored (there are none unless something inside wrote
// to fd 3). No marker at all gives an empty map (the script reported
// nothing). Returns nullopt and sets *err on a malformed header, a missing
// data line, or data shorter or longer than the headers announce (e.g. the
// step's output cap cut it).
std::optional<std::map<std::string, DdObservation>> ParseDdObservations(
    const std::string& stdout_data, std::string* err);

// The paths whose modes the script reports, in order, relative to the
// repository: ".", folder, folder/legit, folder/secret (lexically
// normalised for display by DisplayPath).
std::vector<std::string> DdModePaths(const DdScriptParams& p);
std::string DisplayPath(const std::string& path);  // "litterbox/../secret.txt" -> "secret.txt"

}  // namespace ipc::checks
