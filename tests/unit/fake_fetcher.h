// A Fetcher for unit tests: snapshots by source, or a scripted error.
#pragma once

#include <map>
#include <mutex>
#include <string>

#include "fetch/fetcher.h"

namespace ipc::fetch {

class FakeFetcher : public Fetcher {
 public:
  void Add(const std::string& source, Snapshot snap) {
    std::lock_guard lock(mu_);
    snapshots_[source] = std::move(snap);
  }
  void AddRef(const std::string& source, const std::string& ref, Snapshot snap) {
    std::lock_guard lock(mu_);
    refs_[source + "#" + ref] = std::move(snap);
  }
  void Fail(const std::string& source, FetchErrorKind kind, std::string message) {
    std::lock_guard lock(mu_);
    errors_[source] = {kind, std::move(message)};
  }
  bool Fetch(const FetchRequest& req, Snapshot* out, FetchError* err) override {
    std::lock_guard lock(mu_);
    ++fetches_;
    if (auto it = errors_.find(req.source); it != errors_.end()) {
      *err = it->second;
      return false;
    }
    auto it = snapshots_.find(req.source);
    if (it == snapshots_.end()) {
      *err = {FetchErrorKind::kNotARepository, req.source + " is not a repository"};
      return false;
    }
    *out = it->second;
    return true;
  }
  bool Resolve(const FetchRequest& req, const std::string& ref, Snapshot* out,
               FetchError* err) override {
    std::lock_guard lock(mu_);
    auto it = refs_.find(req.source + "#" + ref);
    if (it == refs_.end()) {
      *err = {FetchErrorKind::kRefMissing, "ref '" + ref + "' not found"};
      return false;
    }
    *out = it->second;
    return true;
  }
  int fetches() const { return fetches_; }

 private:
  std::mutex mu_;
  std::map<std::string, Snapshot> snapshots_;
  std::map<std::string, Snapshot> refs_;
  std::map<std::string, FetchError> errors_;
  int fetches_ = 0;
};

}  // namespace ipc::fetch
