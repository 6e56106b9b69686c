// internal::InboundWork, the reactor's inbound queue item: through a real
// moodycamel queue, every kind of callable runs once and is destroyed once,
// whether its slot was cleared (it owns something) or left as it was (its
// destruction is a no-op); a move over a batch slot still holding a callable
// destroys that callable once.
#include "reactor/internal/inbound_work.h"

#include <concurrentqueue/concurrentqueue.h>
#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <source_location>

#include "tests/reactor/counted.h"

namespace gale::internal {
namespace {

using gale::testing::Counted;

InboundWork work(Callback&& fn) {
  return InboundWork(std::move(fn), std::source_location::current());
}

TEST(InboundWorkTest,
     EveryKindOfCallableThroughTheQueueRunsAndIsDestroyedOnce) {
  constexpr int kEach = 1'000;  // several of moodycamel's blocks
  std::atomic<int> live{0};
  int runs = 0;
  {
    moodycamel::ConcurrentQueue<InboundWork> queue;
    const std::array<char, 64> padding{};
    for (int i = 0; i < kEach; ++i) {
      queue.enqueue(work([&runs] { ++runs; }));
      queue.enqueue(work([c = Counted(&live), &runs] { ++runs; }));
      queue.enqueue(work(
          [c = Counted(&live), padding, &runs] { runs += 1 + padding[0]; }));
    }
    EXPECT_EQ(live, 2 * kEach);
    std::array<InboundWork, 64> batch;
    size_t taken = 0;
    while (size_t count = queue.try_dequeue_bulk(batch.begin(), batch.size())) {
      for (size_t i = 0; i < count; ++i) {
        batch[i].fn();
        batch[i].fn = nullptr;
      }
      taken += count;
    }
    EXPECT_EQ(taken, 3u * kEach);
  }
  EXPECT_EQ(runs, 3 * kEach);
  EXPECT_EQ(live, 0);
}

TEST(InboundWorkTest, AMoveOverASlotStillHoldingACallableDestroysItOnce) {
  std::atomic<int> live{0};
  InboundWork slot = work([c = Counted(&live)] {});
  InboundWork next = work([] {});
  slot = std::move(next);
  EXPECT_EQ(live, 0);
  EXPECT_TRUE(slot.fn);
}

TEST(InboundWorkTest, CallablesLeftInTheQueueAreDestroyedWithIt) {
  std::atomic<int> live{0};
  {
    moodycamel::ConcurrentQueue<InboundWork> queue;
    const std::array<char, 64> padding{};
    for (int i = 0; i < 100; ++i) {
      queue.enqueue(work([c = Counted(&live)] {}));
      queue.enqueue(work([c = Counted(&live), padding] { (void)padding; }));
    }
    EXPECT_EQ(live, 200);
  }
  EXPECT_EQ(live, 0);
}

}  // namespace
}  // namespace gale::internal
