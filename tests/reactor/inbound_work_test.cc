// internal::InboundWork, the reactor's inbound queue item, and
// internal::DequeuedWork, its batch entry: through a real moodycamel queue,
// every kind of callable runs once and is destroyed once, whether its slot was
// cleared (it owns something) or left as it was (its destruction is a no-op);
// a move over a batch entry still holding a callable destroys that callable
// once; one producer's items come out of consecutive slots, the premise of the
// reactor's prefetch of the next one.
#include "reactor/internal/inbound_work.h"

#include <concurrentqueue/concurrentqueue.h>
#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <cstdint>
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
    std::array<DequeuedWork, 64> batch;
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

TEST(InboundWorkTest, AMoveOverAnEntryStillHoldingACallableDestroysItOnce) {
  std::atomic<int> live{0};
  DequeuedWork entry;
  entry = work([c = Counted(&live)] {});
  EXPECT_EQ(live, 1);
  InboundWork next = work([] {});
  entry = std::move(next);
  EXPECT_EQ(live, 0);
  EXPECT_TRUE(entry.fn);
  EXPECT_EQ(entry.slot, &next);
}

TEST(InboundWorkTest, AnEntryGuessesNoSlotBeforeItsFirstItem) {
  EXPECT_EQ(DequeuedWork().next_slot(), 0u);
}

// Taken one at a time, as in a ping-pong, each item of a producer sits in the
// slot after the one taken before it, but where a block ends: the guess the
// reactor prefetches (Reactor::prefetch_next_inbound) holds for all the
// others.
TEST(InboundWorkTest, OneProducersItemsComeOutOfConsecutiveSlots) {
  constexpr int kBlock = moodycamel::ConcurrentQueueDefaultTraits::BLOCK_SIZE;
  constexpr int kItems = 1'000;  // several blocks
  moodycamel::ConcurrentQueue<InboundWork> queue;
  moodycamel::ProducerToken lane(queue);
  std::array<DequeuedWork, 1> batch;
  uintptr_t guess = 0;
  int guessed_right = 0;
  for (int i = 0; i < kItems; ++i) {
    ASSERT_TRUE(queue.enqueue(lane, work([] {})));
    ASSERT_EQ(queue.try_dequeue_bulk(batch.begin(), 1), 1u);
    ASSERT_NE(batch[0].slot, nullptr);
    if (reinterpret_cast<uintptr_t>(batch[0].slot) == guess) ++guessed_right;
    guess = batch[0].next_slot();
    batch[0].fn = nullptr;
  }
  const int block_ends = kItems / kBlock;
  EXPECT_GE(guessed_right, kItems - 1 - block_ends);
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
