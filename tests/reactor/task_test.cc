// Task<T>, spawn and run_until_complete: results, ordering, exceptions.
#include "reactor/task.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "reactor/sleep.h"
#include "reactor/spawn.h"
#include "tests/reactor/reactor_fixture.h"

namespace gale {
namespace {

using std::chrono::milliseconds;
using TaskTest = testing::ReactorTest;

Task<int> add(int a, int b) { co_return a + b; }

Task<int> nested(std::vector<std::string>& log) {
  log.push_back("outer start");
  const int x = co_await add(1, 2);
  log.push_back("after add");
  co_await yield();
  const int y = co_await add(x, 10);
  log.push_back("outer end");
  co_return y;
}

TEST_P(TaskTest, NestedTasksRunInOrderAndReturnValues) {
  std::vector<std::string> log;
  EXPECT_EQ(run_until_complete(reactor(), nested(log)), 13);
  EXPECT_EQ(
      log, (std::vector<std::string>{"outer start", "after add", "outer end"}));
}

Task<void> thrower() {
  co_await yield();
  throw std::runtime_error("deep failure");
}

Task<int> catcher() {
  try {
    co_await thrower();
  } catch (const std::runtime_error& e) {
    co_return std::string(e.what()) == "deep failure" ? 1 : 2;
  }
  co_return 0;
}

TEST_P(TaskTest, ExceptionsPropagateThroughCoAwait) {
  EXPECT_EQ(run_until_complete(reactor(), catcher()), 1);
  EXPECT_THROW(run_until_complete(reactor(), thrower()), std::runtime_error);
}

TEST_P(TaskTest, TasksAreLazy) {
  bool started = false;
  auto make = [&]() -> Task<void> {
    started = true;
    co_return;
  };
  {
    Task<void> never = make();
    EXPECT_FALSE(started);
  }  // destroyed unstarted: frame freed (LSan would tell)
  EXPECT_FALSE(started);
}

TEST_P(TaskTest, SpawnedFailureGoesToTheExceptionHandler) {
  std::vector<std::string> failures;
  ReactorOptions options;
  options.on_exception = [&](const CallbackFailure& failure) {
    try {
      std::rethrow_exception(failure.exception);
    } catch (const std::exception& e) {
      failures.push_back(e.what());
    }
  };
  Reactor& r = recreate(std::move(options));
  spawn(r, thrower());
  r.call_later(milliseconds(5), [&] { r.stop(); });
  r.run();
  EXPECT_EQ(failures, std::vector<std::string>{"deep failure"});
}

Task<void> sleeper(milliseconds delay, std::vector<int>& log, int tag) {
  co_await sleep(delay);
  log.push_back(tag);
}

TEST_P(TaskTest, SleepIsNeverEarlyAndOrdersByDeadline) {
  std::vector<int> log;
  const TimePoint start = Clock::now();
  spawn(reactor(), sleeper(milliseconds(12), log, 3));
  spawn(reactor(), sleeper(milliseconds(4), log, 1));
  spawn(reactor(), sleeper(milliseconds(8), log, 2));
  run_until_complete(reactor(), sleeper(milliseconds(15), log, 4));
  EXPECT_GE(Clock::now() - start, milliseconds(15));
  EXPECT_EQ(log, (std::vector<int>{1, 2, 3, 4}));
}

Task<void> counter(int& count, int steps) {
  for (int i = 0; i < steps; ++i) {
    ++count;
    co_await yield();
  }
}

TEST_P(TaskTest, YieldLetsACompetingTaskRun) {
  int a = 0;
  int b = 0;
  std::vector<std::pair<int, int>> seen;
  auto watcher = [&]() -> Task<void> {
    for (int i = 0; i < 5; ++i) {
      seen.push_back({a, b});
      co_await yield();
    }
  };
  spawn(reactor(), counter(a, 100));
  spawn(reactor(), counter(b, 100));
  run_until_complete(reactor(), watcher());
  // Interleaved: neither counter ran to the end before the other started.
  ASSERT_EQ(seen.size(), 5u);
  EXPECT_LT(seen[4].first, 100);
  EXPECT_LT(seen[4].second, 100);
  EXPECT_GT(seen[4].first, 0);
  EXPECT_GT(seen[4].second, 0);
}

TEST_P(TaskTest, CancelledTaskThrowsAtItsAwaitAndFreesItsTimer) {
  bool reached_end = false;
  bool saw_cancel = false;
  auto long_sleep = [&]() -> Task<void> {
    try {
      co_await sleep(std::chrono::hours(1));
      reached_end = true;
    } catch (const CancelledError&) {
      saw_cancel = true;
      throw;
    }
  };
  TaskHandle handle = spawn(reactor(), long_sleep());
  // Started second, so the sleeper is already asleep when this looks.
  auto canceller = [&]() -> Task<void> {
    co_await yield();
    // The hour-long sleep is the only timer.
    EXPECT_EQ(reactor().stats().timers_pending, 1u);
    handle.cancel();
    // Its timer was given back at once (the resume goes through the queue).
    EXPECT_EQ(reactor().stats().timers_cancelled, 1u);
    EXPECT_EQ(reactor().stats().timers_pending, 0u);
    co_await sleep(milliseconds(2));
  };
  run_until_complete(reactor(), canceller());
  EXPECT_TRUE(saw_cancel);
  EXPECT_FALSE(reached_end);
  EXPECT_TRUE(handle.done());
  EXPECT_EQ(reactor().stats().timers_pending, 0u);
}

TEST_P(TaskTest, CancelRequestedIsObservableWithoutSuspending) {
  std::vector<bool> seen;
  auto observer = [&]() -> Task<void> {
    seen.push_back(co_await cancel_requested());
    bool cancelled = false;
    try {
      co_await sleep(std::chrono::hours(1));
    } catch (const CancelledError&) {
      cancelled = true;
    }
    if (cancelled) seen.push_back(co_await cancel_requested());
  };
  TaskHandle handle = spawn(reactor(), observer());
  auto canceller = [&]() -> Task<void> {
    co_await yield();  // the observer is asleep by now
    handle.cancel();
    co_await yield();
    co_await yield();
  };
  run_until_complete(reactor(), canceller());
  EXPECT_EQ(seen, (std::vector<bool>{false, true}));
}

// A reactor destroyed with suspended tasks destroys their frames (ASan/LSan
// check that nothing leaks) and never resumes them.
TEST_P(TaskTest, DestroyingTheReactorDestroysSuspendedTasks) {
  int resumed = 0;
  auto forever = [&]() -> Task<void> {
    co_await sleep(std::chrono::hours(1));
    ++resumed;
  };
  for (int i = 0; i < 100; ++i) spawn(reactor(), forever());
  reactor().call_later(milliseconds(1), [&] { reactor().stop(); });
  reactor().run();
  spawn(reactor(), forever());  // not even started
  recreate({});
  EXPECT_EQ(resumed, 0);
}

TEST_P(TaskTest, HundredThousandShortLivedTasks) {
  int finished = 0;
  auto tiny = [](int& count) -> Task<void> {
    co_await yield();
    ++count;
  };
  auto all = [&]() -> Task<void> {
    for (int i = 0; i < 100'000; ++i) spawn(reactor(), tiny(finished));
    while (finished < 100'000) co_await yield();
  };
  run_until_complete(reactor(), all());
  EXPECT_EQ(finished, 100'000);
}

GALE_INSTANTIATE_FOR_BOTH_BACKENDS(TaskTest);

}  // namespace
}  // namespace gale
