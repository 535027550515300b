// Test helpers for fetch_test: temp dirs and the real `git` CLI, run
// without a shell (names with newlines and leading '-' pass untouched),
// with a fixed identity, fixed dates and no user/system configuration.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace ipc::fetch::testing {

class TempDir {
 public:
  TempDir() {
    std::string tmpl =
        (std::filesystem::temp_directory_path() / "ipc-fetch-test-XXXXXX")
            .string();
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back('\0');
    if (::mkdtemp(buf.data()) == nullptr) std::abort();
    path_ = buf.data();
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& rel) const {
    return path_ + "/" + rel;
  }

 private:
  std::string path_;
};

struct RunResult {
  int status = -1;
  std::string out;
};

// Runs argv in `cwd`; stdin from `input`; stdout captured, stderr inherited.
inline RunResult Run(const std::string& cwd,
                     const std::vector<std::string>& argv,
                     const std::vector<std::string>& env = {},
                     const std::string& input = "") {
  int in[2], out[2];
  if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0) std::abort();
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(in[0], 0);
    ::dup2(out[1], 1);
    if (::chdir(cwd.c_str()) != 0) ::_exit(126);
    for (const std::string& kv : env) ::putenv(const_cast<char*>(kv.c_str()));
    std::vector<char*> args;
    for (const std::string& a : argv)
      args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
  ::close(in[0]);
  ::close(out[1]);
  // Inputs here are small (a tree or a message): they fit the pipe buffer.
  if (!input.empty() && ::write(in[1], input.data(), input.size()) < 0)
    std::abort();
  ::close(in[1]);
  RunResult r;
  char buf[4096];
  for (ssize_t n; (n = ::read(out[0], buf, sizeof(buf))) > 0;)
    r.out.append(buf, n);
  ::close(out[0]);
  ::waitpid(pid, &r.status, 0);
  return r;
}

// A repository driven through the git CLI. Every commit gets the date set
// with set_date(), so times are known without reading them back.
class GitRepo {
 public:
  explicit GitRepo(std::string dir) : dir_(std::move(dir)) {
    std::filesystem::create_directories(dir_);
    Git({"init", "-q", "-b", "main"});
  }
  const std::string& dir() const { return dir_; }
  void set_date(std::int64_t t) { date_ = t; }
  std::int64_t date() const { return date_; }

  std::string Git(const std::vector<std::string>& args,
                  const std::string& input = "") {
    std::vector<std::string> argv = {"git",
                                     "-c",
                                     "user.name=t",
                                     "-c",
                                     "user.email=t@t",
                                     "-c",
                                     "commit.gpgsign=false",
                                     "-c",
                                     "tag.gpgsign=false"};
    argv.insert(argv.end(), args.begin(), args.end());
    const std::string d = "@" + std::to_string(date_) + " +0000";
    RunResult r = Run(dir_, argv,
                      {"GIT_AUTHOR_DATE=" + d, "GIT_COMMITTER_DATE=" + d,
                       "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null",
                       "HOME=/nonexistent"},
                      input);
    EXPECT_TRUE(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0)
        << "git failed in " << dir_ << ": " << argv[9];
    while (!r.out.empty() && r.out.back() == '\n') r.out.pop_back();
    return r.out;
  }

  void Write(const std::string& rel, const std::string& data,
             bool exec = false) {
    const std::filesystem::path p = std::filesystem::path(dir_) / rel;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << data;
    ::chmod(p.c_str(), exec ? 0755 : 0644);
  }

  void Symlink(const std::string& rel, const std::string& target) {
    const std::filesystem::path p = std::filesystem::path(dir_) / rel;
    std::filesystem::create_directories(p.parent_path());
    std::filesystem::create_symlink(target, p);
  }

  // Adds everything and commits; returns the new commit id.
  std::string Commit(const std::string& msg) {
    Git({"add", "-A"});
    Git({"commit", "-q", "-m", msg});
    return Rev("HEAD");
  }

  std::string Rev(const std::string& what) { return Git({"rev-parse", what}); }

 private:
  std::string dir_;
  std::int64_t date_ = 1700000000;
};

}  // namespace ipc::fetch::testing
