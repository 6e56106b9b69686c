// Reclaimer: an object handed over is freed on the reactor's thread only once
// every callback posted to the reactor before the hand-over has run — from
// other threads or from its own — and at once when the reactor is gone. The
// frees are counted by the test; ASan would also catch a callback touching an
// object freed too early. Synchronisation by joins and by the reactor's own
// run(), never by sleeping.
#include "reactor/internal/reclaimer.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>
#include <utility>
#include <vector>

#include "reactor/reactor.h"
#include "tests/reactor/reactor_fixture.h"

namespace gale {
namespace {

using ReclaimerTest = testing::ReactorTest;
using internal::ReactorReclaimer;
using internal::Reclaimer;

// An object that callbacks touch without owning it. Its free records what
// had run by then and, if asked, stops the reactor.
struct Tracked {
  int touched = 0;
  int touched_when_freed = -1;
  bool freed = false;
  Reactor* stop_when_freed = nullptr;
};

void free_tracked(void* object) {
  auto* tracked = static_cast<Tracked*>(object);
  tracked->touched_when_freed = tracked->touched;
  tracked->freed = true;
  if (tracked->stop_when_freed != nullptr) tracked->stop_when_freed->stop();
}

// Posts `count` callbacks that touch `tracked` from a thread of its own, and
// returns once they are all queued.
void post_touches_from_another_thread(Reactor& reactor, Tracked& tracked,
                                      int count) {
  std::thread poster([&] {
    for (int i = 0; i < count; ++i) {
      reactor.post([&tracked] { ++tracked.touched; });
    }
  });
  poster.join();
}

// The posts and the hand-over come from two threads, so through two producers
// of the inbound queue, which a dequeue takes in no set order: the hand-over
// may run before the posts (with moodycamel's producer list, newest first, it
// does). And there are more posts than one pass takes (than eight passes
// take, and overdue passes then take more), so the free must wait for a pass
// that drained the queue.
TEST_P(ReclaimerTest, WaitsForEveryCallbackOtherThreadsPostedBefore) {
  constexpr int kPosts = 100000;
  Tracked tracked;
  tracked.stop_when_freed = &reactor();
  post_touches_from_another_thread(reactor(), tracked, kPosts);
  std::thread reclaiming([&] {
    ReactorReclaimer::of(reactor())->reclaim(&tracked, free_tracked);
  });
  reclaiming.join();
  EXPECT_FALSE(tracked.freed) << "freed before the reactor ran";
  EXPECT_TRUE(reactor().run_until(Clock::now() + std::chrono::seconds(10)));
  EXPECT_TRUE(tracked.freed);
  EXPECT_EQ(tracked.touched_when_freed, kPosts);
}

// Handed over from the reactor's own thread, after a callback of its own and
// behind more posts from another thread than a pass takes.
TEST_P(ReclaimerTest, FromItsOwnThreadWaitsForEveryCallbackPostedBefore) {
  constexpr int kPosts = 10000;
  Tracked tracked;
  tracked.stop_when_freed = &reactor();
  post_touches_from_another_thread(reactor(), tracked, kPosts);
  reactor().post([&tracked] { ++tracked.touched; });
  ReactorReclaimer::of(reactor())->reclaim(&tracked, free_tracked);
  EXPECT_TRUE(reactor().run_until(Clock::now() + std::chrono::seconds(10)));
  EXPECT_TRUE(tracked.freed);
  EXPECT_EQ(tracked.touched_when_freed, kPosts + 1);
}

TEST_P(ReclaimerTest, AfterTheReactorIsGoneFreesAtOnce) {
  std::shared_ptr<Reclaimer> reclaimer = ReactorReclaimer::of(reactor());
  recreate({});  // the reactor goes; its reclaimer stays with us
  Tracked tracked;
  reclaimer->reclaim(&tracked, free_tracked);
  EXPECT_TRUE(tracked.freed);
}

TEST_P(ReclaimerTest, WhatWaitsIsFreedWhenTheReactorGoes) {
  Tracked waiting;
  Tracked handed_over_by_a_dropped_callback;
  Reclaimer* reclaimer = ReactorReclaimer::of(reactor()).get();
  reclaimer->reclaim(&waiting, free_tracked);

  // A callback dropped unrun with the reactor hands its object over as it
  // goes: the reactor's reclaimer (the only owner here) outlives its queues,
  // and frees it at once.
  struct HandsOverWhenDropped {
    Reclaimer* reclaimer;
    Tracked* tracked;
    HandsOverWhenDropped(Reclaimer* r, Tracked* t) : reclaimer(r), tracked(t) {}
    HandsOverWhenDropped(HandsOverWhenDropped&& other) noexcept
        : reclaimer(other.reclaimer),
          tracked(std::exchange(other.tracked, nullptr)) {}
    ~HandsOverWhenDropped() {
      if (tracked != nullptr) reclaimer->reclaim(tracked, free_tracked);
    }
    void operator()() { tracked = nullptr; }
  };
  std::thread poster([&] {
    reactor().post(
        HandsOverWhenDropped(reclaimer, &handed_over_by_a_dropped_callback));
  });
  poster.join();
  EXPECT_FALSE(waiting.freed);
  recreate({});
  EXPECT_TRUE(waiting.freed);
  EXPECT_TRUE(handed_over_by_a_dropped_callback.freed);
}

// Handed over on the reactor's own thread (straight to the next pass) while
// it is not running: the reactor's destructor frees it.
TEST_P(ReclaimerTest, WhatArrivedIsFreedWhenTheReactorGoes) {
  Tracked tracked;
  ReactorReclaimer::of(reactor())->reclaim(&tracked, free_tracked);
  EXPECT_FALSE(tracked.freed);
  recreate({});
  EXPECT_TRUE(tracked.freed);
}

TEST_P(ReclaimerTest, AFreeMayHandOverAnother) {
  struct Pair {
    Tracked first;
    Tracked second;
    Reclaimer* reclaimer;
  };
  Pair pair;
  pair.reclaimer = ReactorReclaimer::of(reactor()).get();
  pair.second.stop_when_freed = &reactor();
  pair.reclaimer->reclaim(&pair, [](void* object) {
    auto* pair = static_cast<Pair*>(object);
    free_tracked(&pair->first);
    pair->reclaimer->reclaim(&pair->second, free_tracked);
  });
  // A failure is a missing free, not a hang.
  EXPECT_TRUE(reactor().run_until(Clock::now() + std::chrono::seconds(10)));
  EXPECT_TRUE(pair.first.freed);
  EXPECT_TRUE(pair.second.freed);
}

// Objects written by callbacks that one thread posts, handed over by another
// (each through a producer of its own) while the posts continue: each free
// must come after the callbacks posted before its hand-over (counted), and
// none after it (ASan); TSan checks the handing between the two threads.
constexpr int kRacedObjects = 2000;
constexpr int kTouchesEach = 3;

struct Counted {
  int touched = 0;
};

// The frees' tally, on the reactor's thread (a free is a plain function).
struct FreeTally {
  int freed = 0;
  int freed_untouched = 0;
  Reactor* reactor = nullptr;
};
thread_local FreeTally* t_tally = nullptr;

void free_counted(void* object) {
  auto* counted = static_cast<Counted*>(object);
  if (counted->touched != kTouchesEach) ++t_tally->freed_untouched;
  delete counted;
  if (++t_tally->freed == kRacedObjects) t_tally->reactor->stop();
}

TEST_P(ReclaimerTest, FreesRaceNothingWhilePostsContinue) {
  FreeTally tally;
  tally.reactor = &reactor();
  t_tally = &tally;
  std::shared_ptr<Reclaimer> reclaimer = ReactorReclaimer::of(reactor());
  // The poster passes each object on once its posts are made.
  std::vector<std::atomic<Counted*>> posted(kRacedObjects);
  std::thread poster([&] {
    for (int i = 0; i < kRacedObjects; ++i) {
      auto* counted = new Counted;
      for (int t = 0; t < kTouchesEach; ++t) {
        reactor().post([counted] { ++counted->touched; });
      }
      posted[i].store(counted, std::memory_order_release);
    }
  });
  std::thread reclaiming([&] {
    for (int i = 0; i < kRacedObjects; ++i) {
      Counted* counted;
      while ((counted = posted[i].load(std::memory_order_acquire)) == nullptr) {
        std::this_thread::yield();
      }
      reclaimer->reclaim(counted, free_counted);
    }
  });
  EXPECT_TRUE(reactor().run_until(Clock::now() + std::chrono::seconds(10)));
  poster.join();
  reclaiming.join();
  t_tally = nullptr;
  EXPECT_EQ(tally.freed, kRacedObjects);
  EXPECT_EQ(tally.freed_untouched, 0);
}

GALE_INSTANTIATE_FOR_BOTH_BACKENDS(ReclaimerTest);

}  // namespace
}  // namespace gale
