// Reactor across threads: posts from many threads, stop from another thread,
// the wakeup rule, and the thread-affinity check. Synchronisation is by
// std::promise and atomics, never by sleeping.
#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <future>
#include <memory>
#include <stdexcept>
#include <thread>
#include <vector>

#include "reactor/reactor.h"
#include "tests/reactor/counted.h"
#include "tests/reactor/reactor_fixture.h"

namespace gale {
namespace {

using CrossThreadTest = testing::ReactorTest;
using testing::Counted;

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

// Posts three kinds of callable from another thread: inline with nothing to
// destroy, inline owning something, and boxed on the heap. The inbound
// queue moves the first kind out without clearing its slot
// (internal/inbound_work.h); each kind must still run once and be destroyed
// once.
void post_every_kind(Reactor& reactor, int each, int* plain, int* owning,
                     int* boxed, std::atomic<int>* live) {
  const std::array<char, 64> padding{};
  for (int i = 0; i < each; ++i) {
    reactor.post([plain] { ++*plain; });
    reactor.post([c = Counted(live), owning] { ++*owning; });
    reactor.post(
        [c = Counted(live), padding, boxed] { *boxed += 1 + padding[0]; });
  }
}

TEST_P(CrossThreadTest, EveryKindOfPostedCallableRunsOnceAndIsDestroyedOnce) {
  constexpr int kEach = 10'000;
  std::atomic<int> live{0};
  int plain = 0, owning = 0, boxed = 0;  // touched on the reactor only
  std::thread producer([&] {
    post_every_kind(reactor(), kEach, &plain, &owning, &boxed, &live);
    reactor().post([this] { reactor().stop(); });
  });
  reactor().run();
  producer.join();
  EXPECT_EQ(plain, kEach);
  EXPECT_EQ(owning, kEach);
  EXPECT_EQ(boxed, kEach);
  EXPECT_EQ(live.load(), 0);
}

TEST_P(CrossThreadTest, PostsStillQueuedAreDestroyedUnrunWithTheReactor) {
  std::atomic<int> live{0};
  int plain = 0, owning = 0, boxed = 0;
  std::thread producer([&] {
    post_every_kind(reactor(), 1'000, &plain, &owning, &boxed, &live);
  });
  producer.join();
  EXPECT_EQ(live.load(), 2'000);
  recreate({});  // the old reactor goes without running
  EXPECT_EQ(live.load(), 0);
  EXPECT_EQ(plain + owning + boxed, 0);
}

// A callback posted from another thread that throws is reported, destroyed
// once, and leaves its batch slot clear for the next one.
TEST_P(CrossThreadTest, APostedCallbackThatThrowsIsReportedAndDestroyedOnce) {
  int reported = 0;
  ReactorOptions options;
  options.on_exception = [&](const CallbackFailure&) { ++reported; };
  recreate(std::move(options));
  std::atomic<int> live{0};
  int after = 0;
  std::thread producer([&] {
    for (int i = 0; i < 100; ++i) {
      reactor().post(
          [c = Counted(&live)] { throw std::runtime_error("posted"); });
      reactor().post([c = Counted(&live), &after] { ++after; });
    }
    reactor().post([this] { reactor().stop(); });
  });
  reactor().run();
  producer.join();
  EXPECT_EQ(reported, 100);
  EXPECT_EQ(after, 100);
  EXPECT_EQ(live.load(), 0);
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
