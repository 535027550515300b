// A stand-in for the docker/podman command line, for DockerCliRunner's
// unit tests: a shell script that records every call (its argv) and
// answers from files the test writes. No engine, real processes: the
// runner spawns it exactly as it spawns the real CLI.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "container/docker_cli_runner.h"
#include "container/engine_cli.h"

namespace ipc::container {

class FakeEngineCli {
 public:
  // `engine`: "docker" or "podman" (podman's calls start with its global
  // flags, which the script skips to find the subcommand).
  explicit FakeEngineCli(std::string engine = "docker") : engine_(std::move(engine)) {
    std::string tmpl = (std::filesystem::temp_directory_path() / "ipc-fake-cli-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir_ = tmpl;
    const std::string script = dir_ + "/" + engine_;
    std::ofstream(script) << kScript;
    std::filesystem::permissions(script, std::filesystem::perms::owner_all);
  }
  ~FakeEngineCli() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  FakeEngineCli(const FakeEngineCli&) = delete;
  FakeEngineCli& operator=(const FakeEngineCli&) = delete;

  // How calls of `key` answer: the subcommand ("info", "ps", "pull",
  // "run", "inspect", "rmi"...) or "image-<sub>" ("image-ls",
  // "image-inspect"). `nth` > 0: only the nth such call (1-based); the
  // others get the nth-less answer, or exit 0 with no output.
  void Answer(const std::string& key, const std::string& out, const std::string& err = "",
              int rc = 0, int nth = 0) {
    const std::string base = dir_ + "/" + key + (nth > 0 ? "." + std::to_string(nth) : "");
    std::ofstream(base + ".out") << out;
    std::ofstream(base + ".err") << err;
    std::ofstream(base + ".rc") << rc;
  }
  // Calls of `key` wait (bounded) until `count` of them have started: a
  // caller that makes them one after another fails (exit 99).
  void Meet(const std::string& key, int count) {
    std::ofstream(dir_ + "/" + key + ".meet") << count;
  }

  // Every call so far, as argv after the binary, in the order they began
  // to be recorded (calls made side by side may come in either order).
  std::vector<std::vector<std::string>> Calls() const {
    std::ifstream in(dir_ + "/calls");
    const std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::vector<std::vector<std::string>> calls;
    std::size_t from = 0;
    for (std::size_t end; (end = all.find('\036', from)) != std::string::npos; from = end + 1) {
      std::vector<std::string> argv;
      const std::string rec = all.substr(from, end - from);
      std::size_t a = 0;
      for (std::size_t b; (b = rec.find('\037', a)) != std::string::npos; a = b + 1) {
        argv.push_back(rec.substr(a, b - a));
      }
      calls.push_back(std::move(argv));
    }
    return calls;
  }
  // The calls whose argv (after podman's global flags) starts with `prefix`.
  std::vector<std::vector<std::string>> CallsOf(const std::vector<std::string>& prefix) const {
    std::vector<std::vector<std::string>> out;
    for (auto argv : Calls()) {
      if (argv.size() >= 2 && argv[0] == "--runtime") argv.erase(argv.begin(), argv.begin() + 2);
      if (argv.size() >= prefix.size() && std::equal(prefix.begin(), prefix.end(), argv.begin())) {
        out.push_back(argv);
      }
    }
    return out;
  }

  EngineCli Cli() const { return EngineCli(engine_, dir_ + "/" + engine_, {{"FAKE_DIR", dir_}}); }
  std::unique_ptr<DockerCliRunner> Runner(DerivedImagePolicy policy = {}) const {
    return std::make_unique<DockerCliRunner>(Cli(), "job1", std::move(policy));
  }

 private:
  // Records "arg\037arg\037...\036" with one write (O_APPEND keeps
  // concurrent calls' records whole), numbers the call among those of its
  // key under a lock (calls side by side must neither share a number nor
  // read a count half written), then answers from $FAKE_DIR/<key>.*.
  static constexpr const char* kScript = R"SH(#!/bin/sh
d="$FAKE_DIR"
us=$(printf '\037')
rec=""
for a in "$@"; do rec="$rec$a$us"; done
printf '%s\036' "$rec" >> "$d/calls"
if [ "$1" = "--runtime" ]; then shift 2; fi
key="$1"
case "$1" in image|container) key="$1-$2" ;; esac
exec 9>>"$d/$key.lock"
flock 9
n=$(( $(cat "$d/$key.count" 2>/dev/null || echo 0) + 1 ))
echo "$n" > "$d/$key.count"
exec 9>&-
p="$d/$key"
[ -e "$d/$key.$n.rc" ] && p="$d/$key.$n"
if [ -e "$d/$key.meet" ]; then
  : > "$d/$key.arrived.$$"
  want=$(cat "$d/$key.meet")
  i=0
  while [ "$(ls "$d" | grep -c "^$key\.arrived\.")" -lt "$want" ]; do
    i=$((i + 1))
    if [ "$i" -gt 400 ]; then echo "fake: the $want '$key' calls never overlapped" >&2; exit 99; fi
    sleep 0.05
  done
fi
cat > /dev/null
[ -e "$p.out" ] && cat "$p.out"
[ -e "$p.err" ] && cat "$p.err" >&2
exit "$(cat "$p.rc" 2>/dev/null || echo 0)"
)SH";

  std::string engine_;
  std::string dir_;
};

}  // namespace ipc::container
