// Reactor across threads: posts from many threads, stop from another thread,
// the wakeup rule, and the thread-affinity check. Synchronisation is by
// std::promise and atomics, never by sleeping.
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>
#include <vector>

#include "reactor/reactor.h"
#include "tests/reactor/reactor_fixture.h"

namespace gale {
namespace {

using CrossThreadTest = testing::ReactorTest;

// 4 threads × 100,000 posts: every callback runs exactly once, in post order
// per thread.
TEST_P(CrossThreadTest, PostsFromFourThreadsAllRunOnceInPerThreadOrder) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 100'000;
  std::vector<std::vector<int>> received(
      kThreads);  // touched on the reactor only
  int total = 0;
  std::vector<std::thread> producers;
  for (int t = 0; t < kThreads; ++t) {
    producers.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        reactor().post([&, t, i] {
          received[t].push_back(i);
          if (++total == kThreads * kPerThread) reactor().stop();
        });
      }
    });
  }
  reactor().run();
  for (std::thread& producer : producers) producer.join();
  for (int t = 0; t < kThreads; ++t) {
    ASSERT_EQ(received[t].size(), static_cast<size_t>(kPerThread));
    for (int i = 0; i < kPerThread; ++i) ASSERT_EQ(received[t][i], i);
  }
  // The eventfd is written only to wake a reactor that announced a sleep, at
  // most once per sleep: never once per post.
  const ReactorStats stats = reactor().stats();
  EXPECT_LE(stats.wakeups_written, stats.polls);
}

// A thread that owns a reactor outside any runtime is no sibling: it posts
// through a foreign lane like any other thread, in order.
TEST_P(CrossThreadTest, PostsFromAReactorOutsideARuntimeRunInOrder) {
  constexpr int kPosts = 100'000;
  std::vector<int> received;  // touched on the reactor only
  bool had_lane = false;
  std::thread other([&] {
    absl::StatusOr<std::unique_ptr<Reactor>> own = Reactor::create();
    if (!own.ok()) {
      ADD_FAILURE() << own.status();
      reactor().stop();
      return;
    }
    had_lane = internal::PeerLanes::lane_to(reactor()) != nullptr;
    for (int i = 0; i < kPosts; ++i) {
      reactor().post([&, i] {
        received.push_back(i);
        if (i == kPosts - 1) reactor().stop();
      });
    }
  });
  reactor().run();
  other.join();
  EXPECT_TRUE(had_lane);
  ASSERT_EQ(received.size(), static_cast<size_t>(kPosts));
  for (int i = 0; i < kPosts; ++i) ASSERT_EQ(received[i], i);
}

TEST_P(CrossThreadTest, StopFromAnotherThread) {
  std::promise<void> running;
  reactor().post([&] { running.set_value(); });
  std::thread stopper([&] {
    running.get_future().wait();
    reactor().stop();
  });
  reactor().run();  // returns only because of the other thread's stop()
  stopper.join();
  SUCCEED();
}

// A reactor that ran out of work and sleeps is woken by one eventfd write; the
// post is never lost whether it lands before, during or after the sleep
// announcement.
TEST_P(CrossThreadTest, PostWakesASleepingReactorWithOneWrite) {
  std::promise<void> first_ran;
  std::atomic<bool> second_ran{false};
  reactor().post([&] { first_ran.set_value(); });
  std::thread poster([&] {
    first_ran.get_future().wait();
    reactor().post([&] {
      second_ran = true;
      reactor().stop();
    });
  });
  reactor().run();
  poster.join();
  EXPECT_TRUE(second_ran);
  EXPECT_LE(reactor().stats().wakeups_written, 1u);
}

TEST_P(CrossThreadTest, LoopOnlyCallFromAForeignThreadAborts) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        std::thread foreign(
            [&] { reactor().call_later(Duration::zero(), [] {}); });
        foreign.join();
      },
      "does not own this reactor");
}

TEST_P(CrossThreadTest, EachThreadHasItsOwnCurrentReactor) {
  Reactor* seen = &reactor();
  std::thread other([&] {
    seen = Reactor::current();
    absl::StatusOr<std::unique_ptr<Reactor>> own = Reactor::create();
    ASSERT_TRUE(own.ok()) << own.status();
    EXPECT_EQ(Reactor::current(), own->get());
  });
  other.join();
  EXPECT_EQ(seen, nullptr);
  EXPECT_EQ(Reactor::current(), &reactor());
}

GALE_INSTANTIATE_FOR_BOTH_BACKENDS(CrossThreadTest);

}  // namespace
}  // namespace gale
