// The allocation promise of the reactor's hot paths, checked by counting every
// malloc in the process: once warmed up, posting and running callbacks (local
// and cross-thread), scheduling and cancelling timers and dispatching fd events
// allocate nothing. Skipped under sanitizers, which own malloc.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "bench/common/alloc_counter.h"
#include "reactor/reactor.h"
#include "reactor/spawn.h"
#include "reactor/task.h"
#include "tests/reactor/reactor_fixture.h"

namespace gale {
namespace {

class AllocationTest : public testing::ReactorTest {
 protected:
  void SetUp() override {
    testing::ReactorTest::SetUp();
    if (!bench::allocation_counting_works()) {
      GTEST_SKIP() << "allocations are not counted under sanitizers";
    }
  }
};

// Runs `round` twice and returns the allocations of the second run.
template <typename Round>
uint64_t steady_state_allocations(Round round) {
  round();
  const uint64_t before = bench::allocations();
  round();
  return bench::allocations() - before;
}

struct Chain {
  Reactor* reactor;
  int remaining;
  void step() {
    if (--remaining > 0) {
      reactor->post([this] { step(); });
    } else {
      reactor->stop();
    }
  }
};

TEST_P(AllocationTest, CallbackChain) {
  const uint64_t allocations = steady_state_allocations([this] {
    Chain chain{&reactor(), 100'000};
    reactor().post([&chain] { chain.step(); });
    reactor().run();
  });
  EXPECT_EQ(allocations, 0u);
}

// One producer thread (created before counting: std::thread allocates) posts
// two rounds; only the second is counted. The first round fills the queue
// completely before the reactor runs, so the second, consumed while it is
// produced, never needs more queue blocks than were recycled.
TEST_P(AllocationTest, CrossThreadPosts) {
  static constexpr int kPerRound = 100'000;
  std::atomic<int> round_started{0};
  std::atomic<int> round_posted{0};
  int ran = 0;  // reactor thread only
  std::thread producer([&] {
    for (int round = 1; round <= 2; ++round) {
      while (round_started.load() < round) std::this_thread::yield();
      for (int i = 0; i < kPerRound; ++i) {
        reactor().post([&ran, this] {
          if (++ran % kPerRound == 0) reactor().stop();
        });
      }
      round_posted = round;
    }
  });
  round_started = 1;
  while (round_posted.load() < 1) std::this_thread::yield();
  reactor().run();
  const uint64_t before = bench::allocations();
  round_started = 2;
  reactor().run();
  const uint64_t allocations = bench::allocations() - before;
  producer.join();
  EXPECT_EQ(ran, 2 * kPerRound);
  EXPECT_EQ(allocations, 0u);
}

TEST_P(AllocationTest, TimersScheduledAndCancelled) {
  const uint64_t allocations = steady_state_allocations([this] {
    int fired = 0;
    for (int i = 0; i < 10'000; ++i) {
      TimerId id =
          reactor().call_later(std::chrono::hours(1), [&fired] { ++fired; });
      reactor().cancel(id);
    }
    for (int i = 0; i < 1'000; ++i) {
      reactor().call_later(Duration::zero(), [&fired] { ++fired; });
    }
    reactor().call_later(Duration::zero(), [this] { reactor().stop(); });
    reactor().run();
  });
  EXPECT_EQ(allocations, 0u);
}

TEST_P(AllocationTest, FdEventDispatch) {
  int fds[2];
  ASSERT_EQ(::pipe2(fds, O_NONBLOCK | O_CLOEXEC), 0);
  int events = 0;
  ASSERT_TRUE(reactor()
                  .add_handler(fds[0], kReadable,
                               [&](IoEvents) {
                                 char byte;
                                 if (::read(fds[0], &byte, 1) == 1 &&
                                     ++events % 1000 != 0) {
                                   (void)!::write(fds[1], "x", 1);
                                 } else {
                                   reactor().stop();
                                 }
                               })
                  .ok());
  const uint64_t allocations = steady_state_allocations([&] {
    ASSERT_EQ(::write(fds[1], "x", 1), 1);
    reactor().run();
  });
  EXPECT_EQ(allocations, 0u);
  EXPECT_EQ(events, 2000);
  ASSERT_TRUE(reactor().remove_handler(fds[0]).ok());
  ::close(fds[0]);
  ::close(fds[1]);
}

// What a connection's stream does per accept and close: registering and
// removing an embedded watcher allocates nothing (add_handler allocates its
// registration).
TEST_P(AllocationTest, WatcherRegistration) {
  int fds[2];
  ASSERT_EQ(::pipe2(fds, O_NONBLOCK | O_CLOEXEC), 0);
  FdWatcher watcher([](void*, IoEvents) {}, nullptr);
  const uint64_t allocations = steady_state_allocations([&] {
    for (int i = 0; i < 1000; ++i) {
      ASSERT_TRUE(reactor().add_watcher(fds[0], kReadable, watcher).ok());
      ASSERT_TRUE(reactor().remove_handler(fds[0]).ok());
    }
    reactor().post([this] { reactor().stop(); });
    reactor().run();  // applies (and forgets) the interest changes
  });
  EXPECT_EQ(allocations, 0u);
  ::close(fds[0]);
  ::close(fds[1]);
}

// What a server does per connection (and per unparked keep-alive
// connection): spawn a task that runs and ends. Its frame, the driver's and
// the shared state all come from the frame pools (which keep up to 256 blocks
// per size class per thread, and the three share a class: here 50 tasks live
// at a time, 20 times over).
Task<void> short_task(int* ran) {
  ++*ran;
  co_return;
}

TEST_P(AllocationTest, SpawnedTasks) {
  int ran = 0;
  const uint64_t allocations = steady_state_allocations([&] {
    for (int round = 0; round < 20; ++round) {
      for (int i = 0; i < 50; ++i) spawn(reactor(), short_task(&ran));
      reactor().post([this] { reactor().stop(); });
      reactor().run();
    }
  });
  EXPECT_EQ(allocations, 0u);
  EXPECT_EQ(ran, 2000);
}

GALE_INSTANTIATE_FOR_BOTH_BACKENDS(AllocationTest);

}  // namespace
}  // namespace gale
