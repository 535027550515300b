// A ContainerRunner for unit tests: no engine, scripted results, and a
// record of every request, so pipeline and batch logic are tested without
// Docker (after ninja's FakeCommandRunner). Thread-safe: batch code may
// call Run from several workers.
//
//   ipc::container::FakeContainerRunner fake;
//   fake.QueueResult(ipc::container::FakeContainerRunner::Exited(0, "{...}"));
//   fake.SetHandler([](const RunSpec& spec) { ... return result; });  // or this
//   ... code under test calls fake.Run(spec) ...
//   EXPECT_EQ(fake.Runs().at(0).limits.pids, 256);
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "container/container_runner.h"
#include "util/error.h"

namespace ipc::container {

class FakeContainerRunner : public ContainerRunner {
 public:
  struct Derivation {
    std::string base;
    std::map<std::string, std::string> files_by_path;
  };

  // A container that ran and exited with `code`.
  static RunResult Exited(int code, std::string stdout_data = {}, std::string stderr_data = {}) {
    RunResult r;
    r.started = true;
    r.exit_code = code;
    r.stdout_bytes = stdout_data.size();
    r.stderr_bytes = stderr_data.size();
    r.stdout_data = std::move(stdout_data);
    r.stderr_data = std::move(stderr_data);
    return r;
  }
  static RunResult TimedOut() {
    RunResult r;
    r.started = true;
    r.timed_out = true;
    return r;
  }
  static RunResult OomKilled() {
    RunResult r = Exited(137);
    r.oom_killed = true;
    return r;
  }
  static RunResult EngineFailure(std::string error) {
    RunResult r;
    r.engine_failure = true;
    r.engine_error = std::move(error);
    return r;
  }

  // --- scripting -----------------------------------------------------------
  // Results returned by Run in order; when none is queued, the handler
  // answers, and without a handler Run returns Exited(0).
  void QueueResult(RunResult r) {
    std::lock_guard lock(mu_);
    queued_.push_back(std::move(r));
  }
  void SetHandler(std::function<RunResult(const RunSpec&)> handler) {
    std::lock_guard lock(mu_);
    handler_ = std::move(handler);
  }
  // CheckEngine / EnsureImage / DeriveImage throw ipc::Fatal(message).
  void FailEngine(std::string message) {
    std::lock_guard lock(mu_);
    engine_error_ = std::move(message);
  }
  // Number ReapLeftovers reports.
  void SetLeftovers(int n) {
    std::lock_guard lock(mu_);
    leftovers_ = n;
  }

  // --- what the code under test asked for ------------------------------------
  std::vector<RunSpec> Runs() const {
    std::lock_guard lock(mu_);
    return runs_;
  }
  std::size_t RunCount() const {
    std::lock_guard lock(mu_);
    return runs_.size();
  }
  std::vector<Derivation> Derivations() const {
    std::lock_guard lock(mu_);
    return derivations_;
  }
  std::vector<std::string> EnsuredImages() const {
    std::lock_guard lock(mu_);
    return ensured_;
  }
  int KillAllCalls() const {
    std::lock_guard lock(mu_);
    return kill_all_calls_;
  }
  int ReapCalls() const {
    std::lock_guard lock(mu_);
    return reap_calls_;
  }

  // --- ContainerRunner -----------------------------------------------------
  void CheckEngine() override {
    std::lock_guard lock(mu_);
    ThrowIfFailing();
  }
  std::string EnsureImage(const std::string& image) override {
    std::lock_guard lock(mu_);
    ThrowIfFailing();
    ensured_.push_back(image);
    return "sha256:fake-" + image;
  }
  std::string DeriveImage(const std::string& base,
                          std::map<std::string, std::string> files_by_path) override {
    std::lock_guard lock(mu_);
    ThrowIfFailing();
    derivations_.push_back({base, files_by_path});
    // Same content, same tag, as the real runner promises.
    std::size_t h = std::hash<std::string>{}(base);
    for (const auto& [path, data] : files_by_path) {
      h = h * 31 + std::hash<std::string>{}(path) * 7 + std::hash<std::string>{}(data);
    }
    return "ipc-grader/run:fake" + std::to_string(h);
  }
  RunResult Run(const RunSpec& spec) override {
    std::function<RunResult(const RunSpec&)> handler;
    RunResult result = Exited(0);
    {
      std::lock_guard lock(mu_);
      runs_.push_back(spec);
      if (!queued_.empty()) {
        result = std::move(queued_.front());
        queued_.pop_front();
        return result;
      }
      handler = handler_;
    }
    // Outside the lock: a handler may block or call back into the fake.
    return handler ? handler(spec) : result;
  }
  int ReapLeftovers() override {
    std::lock_guard lock(mu_);
    ++reap_calls_;
    return std::exchange(leftovers_, 0);
  }
  void KillAll() override {
    std::lock_guard lock(mu_);
    ++kill_all_calls_;
  }
  std::string EngineName() const override { return "fake"; }

 private:
  void ThrowIfFailing() const {
    if (!engine_error_.empty()) throw Fatal(engine_error_);
  }

  mutable std::mutex mu_;
  std::deque<RunResult> queued_;
  std::function<RunResult(const RunSpec&)> handler_;
  std::string engine_error_;
  int leftovers_ = 0;
  std::vector<RunSpec> runs_;
  std::vector<Derivation> derivations_;
  std::vector<std::string> ensured_;
  int kill_all_calls_ = 0;
  int reap_calls_ = 0;
};

}  // namespace ipc::container
