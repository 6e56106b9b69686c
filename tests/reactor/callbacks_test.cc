// Reactor callbacks: order, the "only what was ready" rule, exceptions, slow
// callbacks, the poll budget, and what happens to callbacks that never run.
#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "reactor/reactor.h"
#include "tests/reactor/reactor_fixture.h"

namespace gale {
namespace {

using CallbacksTest = testing::ReactorTest;

TEST_P(CallbacksTest, RunInFifoOrder) {
  std::vector<int> order;
  for (int i = 0; i < 5000; ++i)
    reactor().post([&order, i] { order.push_back(i); });
  reactor().post([this] { reactor().stop(); });
  reactor().run();
  ASSERT_EQ(order.size(), 5000u);  // several chunks of the ready queue
  for (int i = 0; i < 5000; ++i) EXPECT_EQ(order[i], i);
}

TEST_P(CallbacksTest, PostedDuringARunWaitsForTheNextRun) {
  std::vector<std::string> order;
  uint64_t first_iteration = 0;
  uint64_t late_iteration = 0;
  reactor().post([&] {
    order.push_back("a");
    first_iteration = reactor().stats().iterations;
    reactor().post([&] {
      order.push_back("c");
      late_iteration = reactor().stats().iterations;
      reactor().stop();
    });
  });
  reactor().post([&] { order.push_back("b"); });
  reactor().run();
  EXPECT_EQ(order, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(late_iteration, first_iteration + 1);
}

TEST_P(CallbacksTest, ThrowingCallbackReachesTheHandlerAndTheLoopGoesOn) {
  std::vector<std::string> seen;
  unsigned expected_line = 0;
  ReactorOptions options;
  options.on_exception = [&](const CallbackFailure& failure) {
    try {
      std::rethrow_exception(failure.exception);
    } catch (const std::runtime_error& e) {
      seen.push_back(e.what());
    }
    EXPECT_EQ(failure.where.line(), expected_line);
    EXPECT_NE(std::string(failure.where.file_name()).find("callbacks_test.cc"),
              std::string::npos);
  };
  Reactor& r = recreate(std::move(options));
  bool after = false;
  expected_line = __LINE__ + 1;
  r.post([] { throw std::runtime_error("boom"); });
  r.post([&] {
    after = true;
    r.stop();
  });
  r.run();
  EXPECT_EQ(seen, std::vector<std::string>{"boom"});
  EXPECT_TRUE(after);
  EXPECT_EQ(r.stats().exceptions, 1u);
}

TEST_P(CallbacksTest, ThrowingExceptionHandlerIsSurvivedToo) {
  ReactorOptions options;
  options.on_exception = [](const CallbackFailure&) {
    throw std::logic_error("handler");
  };
  Reactor& r = recreate(std::move(options));
  bool after = false;
  r.post([] { throw 42; });
  r.post([&] {
    after = true;
    r.stop();
  });
  r.run();
  EXPECT_TRUE(after);
}

TEST_P(CallbacksTest, SlowCallbackIsReportedWithItsLocation) {
  std::vector<unsigned> lines;
  ReactorOptions options;
  options.slow_callback_threshold = std::chrono::milliseconds(5);
  options.on_slow_callback = [&](std::source_location where, Duration took) {
    lines.push_back(where.line());
    EXPECT_GT(took, std::chrono::milliseconds(5));
  };
  Reactor& r = recreate(std::move(options));
  const unsigned slow_line = __LINE__ + 1;
  r.post([] {
    const TimePoint until = Clock::now() + std::chrono::milliseconds(20);
    while (Clock::now() < until) {
    }
  });
  r.post([] {});  // fast: not reported
  r.post([&] { r.stop(); });
  r.run();
  EXPECT_EQ(lines, std::vector<unsigned>{slow_line});
  EXPECT_EQ(r.stats().slow_callbacks, 1u);
}

// A callback chain that never lets the ready queue empty must not starve I/O:
// the reactor still polls at least every io_poll_interval of callback work.
TEST_P(CallbacksTest, CallbackChainDoesNotStarveIo) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  uint64_t chain_length = 0;
  bool io_seen = false;
  std::function<void()> step = [&] {
    ++chain_length;
    if (!io_seen) reactor().post([&] { step(); });
  };
  ASSERT_TRUE(reactor()
                  .add_handler(fds[0], kReadable,
                               [&](IoEvents) {
                                 io_seen = true;
                                 reactor().stop();
                               })
                  .ok());
  reactor().post([&] { step(); });
  // Make the pipe readable only once the chain is running.
  reactor().post([&] { ASSERT_EQ(::write(fds[1], "x", 1), 1); });
  reactor().run();
  EXPECT_TRUE(io_seen);
  EXPECT_GT(chain_length, 1u);
  ASSERT_TRUE(reactor().remove_handler(fds[0]).ok());
  ::close(fds[0]);
  ::close(fds[1]);
}

// The budget also means a busy chain makes far fewer polls than callbacks.
TEST_P(CallbacksTest, CallbackChainPollsOnABudgetNotPerCallback) {
  constexpr int kSteps = 100'000;
  int steps = 0;
  std::function<void()> step = [&] {
    if (++steps < kSteps) {
      reactor().post([&] { step(); });
    } else {
      reactor().stop();
    }
  };
  reactor().post([&] { step(); });
  reactor().run();
  const ReactorStats stats = reactor().stats();
  EXPECT_EQ(stats.callbacks_run, static_cast<uint64_t>(kSteps));
  EXPECT_LT(stats.polls, stats.callbacks_run / 2);
}

struct DestructionCounter {
  explicit DestructionCounter(int* count) : count(count) {}
  DestructionCounter(DestructionCounter&& other) noexcept
      : count(std::exchange(other.count, nullptr)) {}
  ~DestructionCounter() {
    if (count != nullptr) ++*count;
  }
  int* count;
};

TEST_P(CallbacksTest, CallbacksNeverRunAreDestroyedWithTheReactor) {
  int destroyed = 0;
  bool ran = false;
  reactor().post(
      [counter = DestructionCounter(&destroyed), &ran] { ran = true; });
  recreate({});  // destroys the old reactor without running it
  EXPECT_FALSE(ran);
  EXPECT_EQ(destroyed, 1);
}

TEST_P(CallbacksTest, StopBeforeRunReturnsAfterOneIteration) {
  bool ran = false;
  reactor().post([&] { ran = true; });
  reactor().stop();
  EXPECT_TRUE(reactor().run_until(TimePoint::max()));
  EXPECT_TRUE(ran);
  EXPECT_EQ(reactor().stats().iterations, 1u);
}

TEST_P(CallbacksTest, RunUntilReturnsAtItsDeadline) {
  const TimePoint deadline = Clock::now() + std::chrono::milliseconds(20);
  EXPECT_FALSE(reactor().run_until(deadline));
  EXPECT_GE(Clock::now(), deadline);
}

TEST_P(CallbacksTest, OneReactorPerThread) {
  absl::StatusOr<std::unique_ptr<Reactor>> second = Reactor::create();
  EXPECT_EQ(second.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Reactor::current(), &reactor());
}

GALE_INSTANTIATE_FOR_BOTH_BACKENDS(CallbacksTest);

}  // namespace
}  // namespace gale
