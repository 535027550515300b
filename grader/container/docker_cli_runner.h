// ContainerRunner over the docker (or podman) command line. Split over
// docker_cli_runner.cc (runs, cleanup) and image_cache.cc (images).
#pragma once

#include <condition_variable>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "container/container_runner.h"
#include "container/engine_cli.h"

namespace ipc::container {

class DockerCliRunner final : public ContainerRunner {
 public:
  DockerCliRunner(EngineCli cli, std::string job_label_value);
  ~DockerCliRunner() override;

  void CheckEngine() override;
  std::string EnsureImage(const std::string& image) override;
  std::string DeriveImage(const std::string& base,
                          const std::map<std::string, std::string>& files_by_path) override;
  RunResult Run(const RunSpec& spec) override;
  int ReapLeftovers() override;
  void KillAll() override;
  void ShareNetworkNamespaces(bool on) override;
  std::string EngineName() const override { return cli_.engine(); }
  std::string UserNamespaces() override;

 private:
  struct Watch;
  // Registers a container name before it exists, so that KillAll covers
  // the window in which the engine is still creating it. False once
  // KillAll has run: no new containers after that.
  bool Track(const std::string& name);
  // docker rm -f; forgets the name once the engine confirms it is gone
  // (and returns true).
  bool Remove(const std::string& name);
  // Waits for the run to end; at the wall limit (or on KillAll) removes
  // the container, which is what ends the attached `docker run`.
  void Watchdog(Watch& watch, const std::string& name, double wall_s);
  void Collect(const std::string& name, const std::string& cli_error, RunResult& result);
  // One run in `network` (see BuildRunArgs); the container is removed
  // before it returns.
  RunResult RunIn(const RunSpec& spec, const std::string& network);
  // A network-namespace holder from the pool, started from `image` when
  // none is idle; "" when sharing is off or no holder can be had (the run
  // then gets --network none of its own).
  std::string TakeHolder(const std::string& image);
  // Back to the pool, or removed when `reusable` is false (its run failed
  // in the engine, or its container could not be removed).
  void ReturnHolder(const std::string& holder, bool reusable);
  bool IsLive(const std::string& name);

  const EngineCli cli_;
  const std::string job_label_value_;

  std::mutex live_mu_;  // guards live_, shutting_down_ and every Watch
  std::condition_variable live_cv_;
  std::set<std::string> live_;
  bool shutting_down_ = false;

  std::mutex derive_mu_;  // one DeriveImage at a time

  std::mutex pool_mu_;  // guards the three below
  bool share_netns_ = false;
  bool holder_failed_ = false;  // a holder would not start: stop trying
  std::vector<std::string> idle_holders_;
};

}  // namespace ipc::container
