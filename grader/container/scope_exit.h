// Runs a callable when the scope ends, on every path out (return, throw):
// used to remove containers whatever happens in between.
#pragma once

#include <utility>

namespace ipc::container {

template <typename F>
class ScopeExit {
 public:
  explicit ScopeExit(F f) : f_(std::move(f)) {}
  ScopeExit(const ScopeExit&) = delete;
  ScopeExit& operator=(const ScopeExit&) = delete;
  ~ScopeExit() { f_(); }

 private:
  F f_;
};

}  // namespace ipc::container
