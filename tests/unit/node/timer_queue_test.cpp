#include "troupe/node/timer_queue.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace troupe {
namespace {

using namespace std::chrono_literals;

TEST(TimerQueueTest, FiresOnlyWhatIsDueInDeadlineOrder) {
  timer_queue q;
  std::vector<int> fired;
  time_point t0{};
  auto add = [&](duration d, int id) {
    q.schedule(t0 + d, std::make_shared<timer_state>(), [&fired, id] { fired.push_back(id); });
  };
  add(30ms, 3);
  add(10ms, 1);
  add(20ms, 2);
  EXPECT_EQ(q.fire_due(t0 + 5ms), 0u);
  EXPECT_EQ(q.fire_due(t0 + 20ms), 2u);
  EXPECT_EQ(fired, (std::vector<int>{1, 2}));
  EXPECT_EQ(q.next_deadline(), t0 + 30ms);
}

TEST(TimerQueueTest, ReportsWhenANewTimerBecomesTheEarliest) {
  timer_queue q;
  time_point t0{};
  EXPECT_TRUE(q.schedule(t0 + 10ms, std::make_shared<timer_state>(), [] {}));
  EXPECT_FALSE(q.schedule(t0 + 20ms, std::make_shared<timer_state>(), [] {}));
  EXPECT_TRUE(q.schedule(t0 + 5ms, std::make_shared<timer_state>(), [] {}));
}

TEST(TimerQueueTest, AnErasedTimerNeverFires) {
  timer_queue q;
  bool fired = false;
  auto s = std::make_shared<timer_state>();
  q.schedule(time_point{} + 1ms, s, [&] { fired = true; });
  ASSERT_TRUE(s->try_cancel());
  q.erase(*s);
  EXPECT_EQ(q.size(), 0u);
  q.fire_due(time_point{} + 1s);
  EXPECT_FALSE(fired);
}

TEST(TimerQueueTest, ACancelledTimerStillQueuedDoesNotRunItsCallback) {
  timer_queue q;
  bool fired = false;
  auto s = std::make_shared<timer_state>();
  q.schedule(time_point{} + 1ms, s, [&] { fired = true; });
  ASSERT_TRUE(s->try_cancel());  // cancelled but not erased: the phase check stops it
  q.fire_due(time_point{} + 1s);
  EXPECT_FALSE(fired);
}

TEST(TimerStateTest, CancelAfterFireStillWinsUntilDelivery) {
  timer_state s;
  ASSERT_TRUE(s.try_fire());
  EXPECT_TRUE(s.try_cancel());
  EXPECT_FALSE(s.try_deliver());
}

TEST(TimerStateTest, CancelAfterDeliveryFails) {
  timer_state s;
  ASSERT_TRUE(s.try_fire());
  ASSERT_TRUE(s.try_deliver());
  EXPECT_FALSE(s.try_cancel());
}

}  // namespace
}  // namespace troupe
