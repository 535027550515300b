// ContainerRunner over the docker (or podman) command line. Split over
// docker_cli_runner.cc (runs, cleanup) and image_cache.cc (images).
#pragma once

#include <atomic>
#include <condition_variable>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "container/container_runner.h"
#include "container/engine_cli.h"
#include "container/image_cache.h"

namespace ipc::container {

// What a runner does about the derived images (kDerivedRepo) of other
// grader builds, which would otherwise pile up: one per build.
struct DerivedImagePolicy {
  // Once DeriveImage has this runner's own, remove every other derived
  // tag that no container uses, in the background. MakeCliRunner turns it
  // off when IPC_GRADER_KEEP_IMAGES=1 (an engine several grader builds use
  // at once: each would keep deleting the others', which then rebuild).
  bool prune = true;
  // Only tags that start with this are removed: "" for all. Tests on a
  // shared engine give one of their own, so they touch only what they made.
  std::string tag_prefix;
};

class DockerCliRunner final : public ContainerRunner {
 public:
  DockerCliRunner(EngineCli cli, std::string job_label_value, DerivedImagePolicy policy = {});
  ~DockerCliRunner() override;

  void CheckEngine() override;
  std::string EnsureImage(const std::string& image) override;
  std::string DeriveImage(const std::string& base,
                          std::map<std::string, std::string> files_by_path) override;
  RunResult Run(const RunSpec& spec) override;
  int ReapLeftovers() override;
  void KillAll() override;
  std::string EngineName() const override { return cli_.engine(); }
  std::string UserNamespaces() override;

  // Waits for the work started in the background: the image listing of
  // CheckEngine, the pruning of DeriveImage. The destructor calls it;
  // tests call it to see the pruning's effect.
  void FinishBackgroundWork();

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
  // Fills `result` from `inspect`; true when the container had the limits
  // that were `asked` (the engine applies them: see limits_verified_).
  bool Collect(const std::string& name, const std::string& cli_error, const Limits& asked,
               RunResult& result);
  // One run; the container is removed before it returns. Run adds the
  // retry after a vanished derived image.
  RunResult RunOnce(const RunSpec& spec);

  // Images (image_cache.cc). The start-up listing: `image ls` beside the
  // engine check, so that resolving the grading image and the derived
  // image asks the engine nothing more in the usual case.
  void StartListing();
  // The parsed listing, waiting for it; nullptr without one. Caller holds
  // images_mu_.
  const std::vector<ListedImage>* ListingLocked();
  // Id of `reference` if resolved before or listed (docker), else "".
  std::string KnownId(const std::string& reference);
  void Remember(const std::string& reference, const std::string& id);
  // create, cp, commit: `tag` = `base_id` + the files. Throws Fatal.
  void BuildDerived(const std::string& tag, const std::string& base, const std::string& base_id,
                    const std::map<std::string, std::string>& files_by_path);
  // Builds a derived image of this runner's again after it vanished (a
  // concurrent grader of another build pruned it). False when `image` is
  // not one DeriveImage made or the build failed.
  bool Rederive(const std::string& image);
  // Starts Prune in a thread, once. Caller holds derive_mu_.
  void StartPrune();
  void Prune();

  const EngineCli cli_;
  // A container of this runner was inspected and had the limits asked for;
  // until then every run is inspected, also one that exited 0.
  std::atomic<bool> limits_verified_{false};
  const std::string job_label_value_;

  std::mutex live_mu_;  // guards live_, shutting_down_ and every Watch
  std::condition_variable live_cv_;
  std::set<std::string> live_;
  bool shutting_down_ = false;

  std::mutex derive_mu_;  // one DeriveImage at a time; guards the two below
  bool prune_started_ = false;
  std::thread prune_;

  const DerivedImagePolicy policy_;
  struct Recipe {
    std::string base;  // as DeriveImage was given it, for messages
    std::string base_id;
    std::map<std::string, std::string> files;
  };
  std::mutex images_mu_;  // guards everything below
  bool listing_started_ = false;
  std::future<ProcessResult> listing_call_;  // until ListingLocked takes it
  std::optional<std::vector<ListedImage>> listing_;
  std::map<std::string, std::string> resolved_;  // reference -> image id
  std::map<std::string, Recipe> derived_;        // tag -> how it was made
  std::optional<UsernsMode> userns_;             // from CheckEngine's `info`
};

}  // namespace ipc::container
