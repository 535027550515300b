// Shared by the end-to-end tests: the real engine or a clear skip (a fail
// on CI, where a skipped end-to-end test would hide a broken set-up), and
// running real commands.
#pragma once

#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <unistd.h>

#include "shell_support.h"
#include "util/strings.h"

namespace ipc::e2e {

// Runs `cmd` through /bin/sh; returns its exit status and stdout+stderr.
inline int Sh(const std::string& cmd, std::string* out = nullptr) {
  std::string full = cmd + " 2>&1";
  FILE* p = popen(full.c_str(), "r");
  if (p == nullptr) return -1;
  std::array<char, 4096> buf{};
  std::string text;
  std::size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) text.append(buf.data(), n);
  int st = pclose(p);
  if (out != nullptr) *out = text;
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

// A file's bytes ("" when it cannot be read), and a file written whole.
inline std::string ReadAll(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
inline void WriteAll(const std::filesystem::path& p, const std::string& text) {
  std::ofstream(p, std::ios::binary | std::ios::trunc) << text;
}

inline bool EngineAnswers() { return Sh("docker info >/dev/null") == 0; }

using test::OnCi;

inline std::string SourceDir() {
  const char* d = std::getenv("IPC_SOURCE_DIR");
  return d ? d : IPC_DEFAULT_SOURCE_DIR;
}
inline std::string BinDir() {
  const char* d = std::getenv("IPC_BIN_DIR");
  return d ? d : IPC_DEFAULT_BIN_DIR;
}

// A shell command: clone `solution` into `dir`, run `edit` (shell, in the
// copy), commit, and move tag `final` onto that commit: a variant of the
// model solution to grade.
inline std::string VariantCmd(const std::string& solution, const std::string& dir,
                              const std::string& edit) {
  const std::string git = "git -c user.name=t -c user.email=t@t";
  return "git clone -q " + solution + " " + dir + " && cd " + dir + " && " + edit + " && " + git +
         " commit -qam variant && " + git + " tag -f -a final -m final >/dev/null";
}

// The job label value of the `grader` processes this test process starts:
// its own (IPC_GRADER_JOB_LABEL, set once and inherited by every child), so
// that suites of other checkouts grading on the same engine at the same time
// are not counted as ours, nor ours as theirs.
inline const std::string& TestJobLabel() {
  static const std::string label = [] {
    std::string v = "e2e-" + std::to_string(::getpid());
    ::setenv("IPC_GRADER_JOB_LABEL", v.c_str(), 1);
    return v;
  }();
  return label;
}
[[maybe_unused]] inline const bool kTestJobLabelSet = !TestJobLabel().empty();

// Containers this test process's `grader` runs labelled, as a
// space-separated list of ids.
inline std::string GraderContainers() {
  std::string out;
  Sh("docker ps -aq --filter label=io.ipc-grader.job=" + TestJobLabel() + " | tr '\\n' ' '",
     &out);
  while (!out.empty() && (out.back() == ' ' || out.back() == '\n')) out.pop_back();
  return out;
}

// The grading image the tests use: IPC_TEST_IMAGE, or the tag
// scripts/setup.sh builds (the rubrics' fallback image).
inline std::string TestImage() {
  const char* named = std::getenv("IPC_TEST_IMAGE");
  return named != nullptr && *named != '\0' ? named : "ipc-grader/python:bookworm";
}

// TestImage() in podman's store as the Docker engine has it: podman keeps
// its own images, so it is loaded with `docker save | podman load` unless
// podman already holds that image id. "" when podman has it, else what
// failed.
inline std::string EnsurePodmanImage() {
  const std::string image = TestImage();
  const auto trimmed = [](const std::string& s) {  // an image id without "sha256:"
    std::string id = Trim(s);
    if (id.rfind("sha256:", 0) == 0) id.erase(0, 7);
    return id;
  };
  std::string docker_id, podman_id, log;
  if (Sh("docker image inspect -f '{{.Id}}' " + image, &docker_id) != 0) {
    return "the Docker engine has no image " + image + ": " + trimmed(docker_id);
  }
  docker_id = trimmed(docker_id);
  const auto podman_has_it = [&] {
    return Sh("podman --runtime runc image inspect -f '{{.Id}}' " + image, &podman_id) == 0 &&
           trimmed(podman_id) == docker_id;
  };
  if (podman_has_it()) return "";
  // Several podman suites start side by side on a fresh machine: one loads,
  // the others wait for it on the lock and then find the image there.
  const std::string load = "podman --runtime runc image inspect -f {{.Id}} " + image +
                           " 2>/dev/null | grep -q " + docker_id + " || docker save " + image +
                           " | podman --runtime runc load -q";
  if (Sh("flock /tmp/ipc-e2e-podman-load.lock bash -o pipefail -c '" + load + "'", &log) != 0) {
    return "docker save " + image + " | podman load failed: " + log;
  }
  if (!podman_has_it()) {
    return "after podman load, podman's " + image + " is '" + trimmed(podman_id) +
           "', not Docker's " + docker_id;
  }
  return "";
}

}  // namespace ipc::e2e

// In a test body: skip on a laptop without an engine, fail on CI.
#define IPC_REQUIRE_ENGINE()                                                        \
  do {                                                                              \
    if (!::ipc::e2e::EngineAnswers()) {                                             \
      if (::ipc::e2e::OnCi()) FAIL() << "no Docker engine answers, and CI=true";    \
      GTEST_SKIP() << "no Docker engine answers (run scripts/setup.sh to start one)"; \
    }                                                                               \
  } while (0)
