// internal::InboundWork, the reactor's inbound queue item: through a real
// moodycamel queue, every kind of callable runs once and is destroyed once,
// whether its slot was cleared (it owns something) or left as it was (its
// destruction is a no-op); a move over a batch slot still holding a callable
// destroys that callable once.
#include "reactor/internal/inbound_work.h"

#include <concurrentqueue/concurrentqueue.h>
#include <gtest/gtest.h>

#include <array>
#include <source_location>

namespace gale::internal {
namespace {

// Counts live instances, moved-from ones included: a destructor run twice on
// one object, or never, leaves the count off zero.
struct Counted {
  explicit Counted(int* live) : live(live) { ++*live; }
  Counted(Counted&& other) noexcept : live(other.live) { ++*live; }
  Counted& operator=(Counted&&) = delete;
  ~Counted() { --*live; }
  int* live;
};

InboundWork work(Callback&& fn) {
  return InboundWork(std::move(fn), std::source_location::current());
}

TEST(InboundWorkTest,
     EveryKindOfCallableThroughTheQueueRunsAndIsDestroyedOnce) {
  constexpr int kEach = 1'000;  // several of moodycamel's blocks
  int live = 0;
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
  int live = 0;
  InboundWork slot = work([c = Counted(&live)] {});
  InboundWork next = work([] {});
  slot = std::move(next);
  EXPECT_EQ(live, 0);
  EXPECT_TRUE(slot.fn);
}

TEST(InboundWorkTest, CallablesLeftInTheQueueAreDestroyedWithIt) {
  int live = 0;
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
