#include "cli/options.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <iostream>
#include <thread>

#include "checks/check_type.h"
#include "cli/interrupt.h"
#include "util/error.h"

#ifndef IPC_GRADER_VERSION
#define IPC_GRADER_VERSION "dev"
#endif

namespace ipc::cli {

namespace fs = std::filesystem;

std::string GraderVersion() { return IPC_GRADER_VERSION; }

int DefaultJobs() { return 2 * static_cast<int>(std::max(1u, std::thread::hardware_concurrency())); }

// rubrics/default.yaml is a symlink the course points at its current
// rubric; the path returned is the file it links to, so results name the
// rubric itself.
std::string DefaultRubricPath() {
  const fs::path rel = kDefaultRubric;
  std::error_code ec;
  if (fs::exists(rel, ec)) {
    if (!fs::is_symlink(rel, ec)) return rel.string();
    const fs::path target = fs::read_symlink(rel, ec);
    if (ec) return rel.string();
    return (target.is_absolute() ? target : rel.parent_path() / target).lexically_normal().string();
  }
  // build/bin/grader -> the source tree it was built from.
  const fs::path beside = fs::path(pipeline::DefaultToolsDir()) / ".." / ".." / rel;
  if (fs::exists(beside, ec)) return fs::weakly_canonical(beside).string();
  return rel.string();
}

rubric::Rubric LoadAndValidateRubric(const std::string& path) {
  rubric::Rubric r = rubric::LoadRubric(path);
  checks::ValidateChecks(r);
  return r;
}

std::unique_ptr<Session> OpenSession(const CommonOptions& o) {
  auto s = std::make_unique<Session>();
  s->rubric = LoadAndValidateRubric(o.rubric_path.empty() ? DefaultRubricPath() : o.rubric_path);
  s->runner = container::MakeCliRunner(o.engine);
  container::ContainerRunner* runner = s->runner.get();
  Interrupts::Install([runner] { runner->KillAll(); });
  runner->CheckEngine();
  // Leftovers of a crashed run are reaped while the image is prepared below:
  // both need only a working engine, and a reap never takes this grader's own
  // containers (their owner is alive). Done before any run starts.
  auto reap = std::async(std::launch::async, [runner] { runner->ReapLeftovers(); });
  s->env.engine_userns = runner->UserNamespaces();
  // Said once, first: what stands between a submission's root and the host.
  const std::string& userns = s->env.engine_userns;
  const bool mapped = userns == "userns-remap" || userns == "rootless";
  std::cerr << "grader: engine " << runner->EngineName() << ": "
            << (mapped ? "container root is an unprivileged host user (" + userns + ")"
                       : "container root is host root (user namespaces: " + userns +
                             "); capabilities, seccomp and a read-only image contain it")
            << "\n";
  if (o.require_userns && !mapped) {
    throw Fatal("--require-userns: the engine runs containers without a user namespace (" +
                userns + "). Fix: start dockerd with --userns-remap=default (or "
                "{\"userns-remap\": \"default\"} in /etc/docker/daemon.json), or use rootless "
                "Docker or podman (docs/SECURITY.md)");
  }
  s->fetcher = fetch::MakeGitFetcher();
  std::string cache = o.cache_dir;
  if (cache.empty()) {
    const char* xdg = std::getenv("XDG_CACHE_HOME");
    const char* home = std::getenv("HOME");
    cache = xdg && *xdg ? std::string(xdg) + "/ipc-grader"
                        : std::string(home && *home ? home : "/tmp") + "/.cache/ipc-grader";
  }
  s->env.rubric = &s->rubric;
  s->env.fetcher = s->fetcher.get();
  s->env.runner = runner;
  s->env.cache_dir = cache + "/git";
  s->env.secret = pipeline::LoadSecret(cache);
  s->env.observations_dir = cache + "/observations";
  s->env.observations_max_bytes = o.observations_max_bytes;
  s->env.credentials.token_env = o.token_env;
  s->env.credentials.ssh_key = o.ssh_key;
  s->env.grader_version = GraderVersion();
  pipeline::PrepareImage(o.image, pipeline::DefaultToolsDir(), &s->env);
  reap.get();  // its failure, if any (an exception above waits for it too)
  return s;
}

}  // namespace ipc::cli
