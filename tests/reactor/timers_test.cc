// Reactor timers: order, accuracy, cancellation and compaction, idle sleep.
#include <gtest/gtest.h>

#include <vector>

#include "reactor/reactor.h"
#include "tests/reactor/reactor_fixture.h"

namespace gale {
namespace {

using std::chrono::milliseconds;
using TimersTest = testing::ReactorTest;

TEST_P(TimersTest, EqualDeadlinesFireInSchedulingOrder) {
  const TimePoint deadline = Clock::now() + milliseconds(2);
  std::vector<int> order;
  for (int i = 0; i < 50; ++i) {
    reactor().call_at(deadline, [&order, i] { order.push_back(i); });
  }
  reactor().call_at(deadline, [this] { reactor().stop(); });
  reactor().run();
  ASSERT_EQ(order.size(), 50u);
  for (int i = 0; i < 50; ++i) EXPECT_EQ(order[i], i);
}

TEST_P(TimersTest, TenMillisecondTimerFiresNoEarlier) {
  const TimePoint start = Clock::now();
  TimePoint fired;
  reactor().call_later(milliseconds(10), [&] {
    fired = Clock::now();
    reactor().stop();
  });
  reactor().run();
  EXPECT_GE(fired - start, milliseconds(10));
}

TEST_P(TimersTest, CancelledTimersNeverFireAndTheHeapCompacts) {
  int fired = 0;
  std::vector<TimerId> ids;
  for (int i = 0; i < 1000; ++i) {
    ids.push_back(
        reactor().call_later(milliseconds(1 + i % 7), [&] { ++fired; }));
  }
  for (int i = 0; i < 1000; i += 4) EXPECT_FALSE(ids[i] == TimerId());
  int cancelled = 0;
  for (int i = 0; i < 1000; ++i) {
    if (i % 4 != 0) cancelled += reactor().cancel(ids[i]) ? 1 : 0;
  }
  EXPECT_EQ(cancelled, 750);
  ReactorStats stats = reactor().stats();
  EXPECT_EQ(stats.timers_pending, 250u);
  EXPECT_GE(stats.timer_heap_compactions, 1u);
  // Compaction keeps cancelled entries under half of the heap (above 100
  // entries).
  EXPECT_LE(stats.timer_heap_entries, 2 * stats.timers_pending + 1);
  EXPECT_FALSE(reactor().cancel(ids[1]));  // twice: no effect
  reactor().call_later(milliseconds(20), [&] { reactor().stop(); });
  reactor().run();
  EXPECT_EQ(fired, 250);
  stats = reactor().stats();
  EXPECT_EQ(stats.timers_fired, 251u);
  EXPECT_EQ(stats.timers_cancelled, 750u);
  EXPECT_EQ(stats.timers_pending, 0u);
}

TEST_P(TimersTest, TimerCancelledByAnEarlierTimerOfTheSamePassNeverRuns) {
  const TimePoint deadline = Clock::now() + milliseconds(1);
  bool second_ran = false;
  TimerId second;
  reactor().call_at(deadline, [&] { EXPECT_TRUE(reactor().cancel(second)); });
  second = reactor().call_at(deadline, [&] { second_ran = true; });
  reactor().call_at(deadline + milliseconds(2), [&] { reactor().stop(); });
  reactor().run();
  EXPECT_FALSE(second_ran);
}

TEST_P(TimersTest, TimerRearmedInItsCallbackFiresOncePerPass) {
  int fired = 0;
  std::vector<uint64_t> iterations;
  std::function<void()> tick = [&] {
    ++fired;
    iterations.push_back(reactor().stats().iterations);
    if (fired < 3) {
      reactor().call_at(TimePoint(), [&] { tick(); });  // already due
    } else {
      reactor().stop();
    }
  };
  reactor().call_at(TimePoint(), [&] { tick(); });
  reactor().run();
  ASSERT_EQ(iterations.size(), 3u);
  EXPECT_LT(iterations[0], iterations[1]);
  EXPECT_LT(iterations[1], iterations[2]);
}

TEST_P(TimersTest, CancelAfterFiringReturnsFalse) {
  TimerId id =
      reactor().call_later(Duration::zero(), [&] { reactor().stop(); });
  reactor().run();
  EXPECT_FALSE(reactor().cancel(id));
  EXPECT_FALSE(reactor().cancel(TimerId()));
}

TEST_P(TimersTest, HugeDelaySaturatesInsteadOfOverflowing) {
  bool fired = false;
  reactor().call_later(Duration::max(), [&] { fired = true; });
  reactor().call_later(milliseconds(1), [&] { reactor().stop(); });
  reactor().run();
  EXPECT_FALSE(fired);
  EXPECT_EQ(reactor().stats().timers_pending, 1u);
}

// An idle reactor sleeps in one wait until its only timer is due: no early
// wakeups.
TEST_P(TimersTest, IdleReactorDoesNotWakeBeforeItsTimer) {
  const TimePoint start = Clock::now();
  ReactorStats at_fire;
  reactor().call_later(std::chrono::seconds(1), [&] {
    at_fire = reactor().stats();
    reactor().stop();
  });
  reactor().run();
  EXPECT_GE(Clock::now() - start, std::chrono::seconds(1));
  EXPECT_EQ(at_fire.sleeps, 1u);
  EXPECT_EQ(at_fire.iterations, 1u);
  EXPECT_EQ(at_fire.wakeups_written, 0u);
}

GALE_INSTANTIATE_FOR_BOTH_BACKENDS(TimersTest);

}  // namespace
}  // namespace gale
