// TimerHeap on its own, with time as a parameter (no clock): ordering, lazy
// cancellation, compaction, and the pop_due/take split.
#include "reactor/timer_heap.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

namespace gale {
namespace {

using std::chrono::milliseconds;

const TimePoint kT0 = TimePoint() + std::chrono::hours(1);

TimerId schedule(TimerHeap& heap, TimePoint deadline, std::vector<int>* log,
                 int tag) {
  return heap.schedule(
      deadline, [log, tag] { log->push_back(tag); },
      std::source_location::current());
}

void run_due(TimerHeap& heap, TimePoint now) {
  std::vector<TimerId> due;
  heap.pop_due(now, due);
  for (TimerId id : due) {
    if (std::optional<Work> work = heap.take(id)) work->fn();
  }
}

TEST(TimerHeapTest, PopsInDeadlineThenSchedulingOrder) {
  TimerHeap heap;
  std::vector<int> log;
  schedule(heap, kT0 + milliseconds(5), &log, 3);
  schedule(heap, kT0 + milliseconds(1), &log, 1);
  schedule(heap, kT0 + milliseconds(5), &log, 4);
  schedule(heap, kT0 + milliseconds(1), &log, 2);
  schedule(heap, kT0 + milliseconds(9), &log, 5);
  EXPECT_EQ(heap.next_deadline(), kT0 + milliseconds(1));
  run_due(heap, kT0 + milliseconds(5));
  EXPECT_EQ(log, (std::vector<int>{1, 2, 3, 4}));
  EXPECT_EQ(heap.pending(), 1u);
  EXPECT_EQ(heap.next_deadline(), kT0 + milliseconds(9));
}

TEST(TimerHeapTest, NothingIsDueBeforeItsDeadline) {
  TimerHeap heap;
  std::vector<int> log;
  schedule(heap, kT0 + milliseconds(10), &log, 1);
  run_due(heap, kT0 + milliseconds(10) - std::chrono::nanoseconds(1));
  EXPECT_TRUE(log.empty());
  run_due(heap, kT0 + milliseconds(10));
  EXPECT_EQ(log, std::vector<int>{1});
}

TEST(TimerHeapTest, CancelIsLazyAndFreesTheCallbackAtOnce) {
  TimerHeap heap;
  auto owned = std::make_shared<int>(1);
  TimerId id = heap.schedule(
      kT0, [owned] {}, std::source_location::current());
  EXPECT_EQ(owned.use_count(), 2);
  EXPECT_TRUE(heap.cancel(id));
  EXPECT_EQ(owned.use_count(), 1);  // callback destroyed on cancel
  EXPECT_EQ(heap.pending(), 0u);
  EXPECT_EQ(heap.heap_entries(),
            1u);  // the stale entry stays until it surfaces
  EXPECT_FALSE(heap.cancel(id));
  EXPECT_EQ(heap.next_deadline(), std::nullopt);
  EXPECT_EQ(heap.heap_entries(), 0u);
}

TEST(TimerHeapTest, SlotReuseDoesNotResurrectACancelledTimer) {
  TimerHeap heap;
  std::vector<int> log;
  TimerId old_id = schedule(heap, kT0 + milliseconds(1), &log, 1);
  ASSERT_TRUE(heap.cancel(old_id));
  TimerId new_id =
      schedule(heap, kT0 + milliseconds(2), &log, 2);  // reuses the slot
  EXPECT_FALSE(heap.cancel(old_id));
  EXPECT_FALSE(old_id == new_id);
  run_due(heap, kT0 + milliseconds(5));
  EXPECT_EQ(log, std::vector<int>{2});
}

TEST(TimerHeapTest, DeadlineOfAPendingTimerOnly) {
  TimerHeap heap;
  std::vector<int> log;
  const TimerId early = schedule(heap, kT0 + milliseconds(1), &log, 1);
  const TimerId late = schedule(heap, kT0 + milliseconds(7), &log, 2);
  const TimerId cancelled = schedule(heap, kT0 + milliseconds(3), &log, 3);
  EXPECT_EQ(heap.deadline_of(early), kT0 + milliseconds(1));
  EXPECT_EQ(heap.deadline_of(late), kT0 + milliseconds(7));
  ASSERT_TRUE(heap.cancel(cancelled));
  EXPECT_EQ(heap.deadline_of(cancelled), std::nullopt);
  // Popped (due, its callback not yet taken) counts as fired.
  std::vector<TimerId> due;
  ASSERT_EQ(heap.pop_due(kT0 + milliseconds(2), due), 1u);
  EXPECT_EQ(heap.deadline_of(early), std::nullopt);
  EXPECT_EQ(heap.deadline_of(TimerId()), std::nullopt);
  // A reused slot does not answer for the timer that held it before.
  ASSERT_TRUE(heap.take(early).has_value());
  const TimerId reused = schedule(heap, kT0 + milliseconds(9), &log, 4);
  EXPECT_EQ(heap.deadline_of(reused), kT0 + milliseconds(9));
  EXPECT_EQ(heap.deadline_of(early), std::nullopt);
  EXPECT_EQ(heap.deadline_of(cancelled), std::nullopt);
}

TEST(TimerHeapTest, CompactsWhenMoreThanHalfOfOverAHundredAreCancelled) {
  TimerHeap heap;
  std::vector<int> log;
  std::vector<TimerId> ids;
  for (int i = 0; i < 200; ++i)
    ids.push_back(schedule(heap, kT0 + milliseconds(i), &log, i));
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(heap.cancel(ids[i]));
  EXPECT_EQ(heap.compactions(), 0u);  // exactly half: not more than half
  ASSERT_TRUE(heap.cancel(ids[100]));
  EXPECT_EQ(heap.compactions(), 1u);
  EXPECT_EQ(heap.heap_entries(), 99u);
  EXPECT_EQ(heap.pending(), 99u);
  run_due(heap, kT0 + milliseconds(1000));
  ASSERT_EQ(log.size(), 99u);
  for (int i = 0; i < 99; ++i) EXPECT_EQ(log[i], 101 + i);
}

TEST(TimerHeapTest, SmallHeapsAreNotCompacted) {
  TimerHeap heap;
  std::vector<int> log;
  std::vector<TimerId> ids;
  for (int i = 0; i < 100; ++i) ids.push_back(schedule(heap, kT0, &log, i));
  for (int i = 0; i < 99; ++i) heap.cancel(ids[i]);
  EXPECT_EQ(heap.compactions(), 0u);
}

TEST(TimerHeapTest, CancelBetweenPopAndTakeWins) {
  TimerHeap heap;
  std::vector<int> log;
  TimerId id = schedule(heap, kT0, &log, 1);
  std::vector<TimerId> due;
  ASSERT_EQ(heap.pop_due(kT0, due), 1u);
  EXPECT_TRUE(heap.cancel(id));
  EXPECT_EQ(heap.take(id), std::nullopt);
  EXPECT_TRUE(log.empty());
}

TEST(TimerHeapTest, RandomScheduleAndCancelMatchesAReferenceModel) {
  TimerHeap heap;
  std::mt19937 random(7);
  std::vector<int> log;
  std::vector<std::pair<TimerId, std::pair<int, int>>>
      live;  // id, (deadline, tag)
  std::vector<std::pair<int, int>> expected;
  for (int tag = 0; tag < 5000; ++tag) {
    const int deadline = static_cast<int>(random() % 100);
    live.push_back({schedule(heap, kT0 + milliseconds(deadline), &log, tag),
                    {deadline, tag}});
    if (random() % 3 == 0) {
      const size_t victim = random() % live.size();
      ASSERT_TRUE(heap.cancel(live[victim].first));
      live.erase(live.begin() + victim);
    }
  }
  for (const auto& entry : live) expected.push_back(entry.second);
  std::sort(expected.begin(), expected.end());
  run_due(heap, kT0 + milliseconds(100));
  ASSERT_EQ(log.size(), expected.size());
  for (size_t i = 0; i < log.size(); ++i) EXPECT_EQ(log[i], expected[i].second);
}

}  // namespace
}  // namespace gale
