// How many of a group's steps run at once.
//
// Starting a process is the grader's real cost: on a small machine fork,
// exec and page faults hardly scale past one core, and interpreters started
// together each cost more CPU than the same started in turn (measured: 20
// `python cat.py` in a row cost 40 ms of CPU each, two such loops side by
// side 63 ms each, and finish no sooner). So only `busy` steps run
// together. A step that has run for `stale_after` is no longer counted as
// busy: it is waiting on something
// (a `sleep`, a hung program), not using the CPU, and must not hold up the
// others; at most `max` steps run in all, so a matrix of programs that all
// hang still finishes in a few timeouts, not one timeout per case.
#pragma once

#include <chrono>
#include <cstddef>
#include <condition_variable>
#include <list>
#include <mutex>
#include <optional>

namespace ipc::probe {

using SlotClock = std::chrono::steady_clock;

struct SlotPolicy {
  int busy = 1;
  int max = 8;
  SlotClock::duration stale_after = std::chrono::milliseconds(500);
};

// The decision, pure: may another step start now, given when the running
// ones started? If not, *recheck (when set) is the moment the answer could
// change without a step ending (the oldest busy step turning stale);
// nullopt means only a step ending can change it.
bool MayStart(const std::list<SlotClock::time_point>& running, SlotClock::time_point now,
              const SlotPolicy& policy, std::optional<SlotClock::time_point>* recheck);

// Steps start in plan order (0, 1, 2, ...): a check's quick look right after
// the build (does `listener` exist?) is not queued behind the student's
// programs of the same group, one of which may be a fork bomb.
class StepSlots {
 public:
  explicit StepSlots(SlotPolicy policy) : policy_(policy) {}
  // Blocks until the step with this place in the plan order may start (all
  // before it have started, and MayStart allows it); returns its token.
  std::list<SlotClock::time_point>::iterator Acquire(std::size_t order);
  void Release(std::list<SlotClock::time_point>::iterator token);

 private:
  const SlotPolicy policy_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::list<SlotClock::time_point> running_;  // start times
  std::size_t next_ = 0;                       // the order that starts next
};

}  // namespace ipc::probe
