// The probe's step scheduler: how many steps of a group run at once.
#include <gtest/gtest.h>

#include <thread>

#include "probe/step_slots.h"

namespace ipc::probe {
namespace {

using std::chrono::milliseconds;
const SlotClock::time_point t0{};  // a fixed origin: the decision is pure

SlotPolicy Policy() { return SlotPolicy{2, 4, milliseconds(500)}; }

TEST(StepSlots, StartsUpToTheBusyLimit) {
  std::list<SlotClock::time_point> running;
  EXPECT_TRUE(MayStart(running, t0, Policy(), nullptr));
  running = {t0};
  EXPECT_TRUE(MayStart(running, t0 + milliseconds(1), Policy(), nullptr));
  running = {t0, t0 + milliseconds(1)};
  std::optional<SlotClock::time_point> recheck;
  EXPECT_FALSE(MayStart(running, t0 + milliseconds(2), Policy(), &recheck));
  // The answer changes when the older step turns stale, not before.
  ASSERT_TRUE(recheck.has_value());
  EXPECT_EQ(*recheck, t0 + milliseconds(500));
}

TEST(StepSlots, AStepRunningLongerThanStaleAfterNoLongerCountsAsBusy) {
  const std::list<SlotClock::time_point> running = {t0, t0 + milliseconds(100)};
  EXPECT_FALSE(MayStart(running, t0 + milliseconds(499), Policy(), nullptr));
  EXPECT_TRUE(MayStart(running, t0 + milliseconds(500), Policy(), nullptr));
}

TEST(StepSlots, NeverMoreThanMaxEvenWhenAllAreStale) {
  const std::list<SlotClock::time_point> running = {t0, t0, t0, t0};
  std::optional<SlotClock::time_point> recheck = t0;
  EXPECT_FALSE(MayStart(running, t0 + milliseconds(5000), Policy(), &recheck));
  EXPECT_FALSE(recheck.has_value());  // only a step ending can free a slot
  const std::list<SlotClock::time_point> three = {t0, t0, t0};
  EXPECT_TRUE(MayStart(three, t0 + milliseconds(5000), Policy(), nullptr));
}

// The real class with real threads: however the threads are scheduled,
// steps start in plan order, one at a time while every step is quick (none
// turns stale: stale_after is far longer than the test). Threads are created
// in reverse order so that arrival order differs from plan order. busy = 1
// makes "started" recorded in start order (with 2, two running steps could
// record in either order); the busy limit itself is tested above.
TEST(StepSlots, StepsStartInPlanOrderAndNeverAboveTheBusyLimit) {
  constexpr std::size_t kSteps = 16;
  StepSlots slots(SlotPolicy{1, 8, std::chrono::hours(1)});
  std::mutex mu;
  int now_running = 0, most = 0;
  std::vector<std::size_t> started;
  std::vector<std::thread> threads;
  for (std::size_t i = kSteps; i-- > 0;) {
    threads.emplace_back([&, i] {
      auto token = slots.Acquire(i);
      {
        std::lock_guard<std::mutex> lock(mu);
        started.push_back(i);
        most = std::max(most, ++now_running);
      }
      std::this_thread::yield();
      {
        std::lock_guard<std::mutex> lock(mu);
        --now_running;
      }
      slots.Release(token);
    });
  }
  for (auto& t : threads) t.join();
  std::vector<std::size_t> in_order(kSteps);
  for (std::size_t i = 0; i < kSteps; ++i) in_order[i] = i;
  EXPECT_EQ(started, in_order);
  EXPECT_EQ(most, 1);
}

}  // namespace
}  // namespace ipc::probe
