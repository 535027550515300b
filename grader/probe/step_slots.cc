#include "probe/step_slots.h"

namespace ipc::probe {

bool MayStart(const std::list<SlotClock::time_point>& running, SlotClock::time_point now,
              const SlotPolicy& policy, std::optional<SlotClock::time_point>* recheck) {
  if (recheck != nullptr) recheck->reset();
  if (static_cast<int>(running.size()) >= policy.max) return false;
  int busy = 0;
  std::optional<SlotClock::time_point> first_stale;
  for (const auto& started : running) {
    const auto stale_at = started + policy.stale_after;
    if (stale_at <= now) continue;
    ++busy;
    if (!first_stale || stale_at < *first_stale) first_stale = stale_at;
  }
  if (busy < policy.busy) return true;
  if (recheck != nullptr) *recheck = first_stale;
  return false;
}

std::list<SlotClock::time_point>::iterator StepSlots::Acquire(std::size_t order) {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    std::optional<SlotClock::time_point> recheck;
    const auto now = SlotClock::now();
    if (order != next_) {
      cv_.wait(lock);  // the step before it starting wakes everyone
      continue;
    }
    if (MayStart(running_, now, policy_, &recheck)) {
      running_.push_front(now);
      ++next_;
      cv_.notify_all();
      return running_.begin();
    }
    if (recheck) {
      cv_.wait_until(lock, *recheck);
    } else {
      cv_.wait(lock);
    }
  }
}

void StepSlots::Release(std::list<SlotClock::time_point>::iterator token) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    running_.erase(token);
  }
  cv_.notify_all();
}

}  // namespace ipc::probe
