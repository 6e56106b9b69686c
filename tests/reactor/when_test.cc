// when_all, when_any, with_timeout: results, failure and cancellation rules.
#include "reactor/when.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <vector>

#include "reactor/sleep.h"
#include "reactor/spawn.h"
#include "tests/reactor/reactor_fixture.h"

namespace gale {
namespace {

using std::chrono::milliseconds;
using WhenTest = testing::ReactorTest;

Task<int> after(milliseconds delay, int value) {
  co_await sleep(delay);
  co_return value;
}

Task<int> fail_after(milliseconds delay) {
  co_await sleep(delay);
  throw std::runtime_error("child failed");
}

Task<int> observe_cancel(milliseconds delay, int& cancelled) {
  try {
    co_await sleep(delay);
  } catch (const CancelledError&) {
    ++cancelled;
    throw;
  }
  co_return -1;
}

TEST_P(WhenTest, WhenAllReturnsEveryValueInOrder) {
  auto body = []() -> Task<std::vector<int>> {
    std::vector<Task<int>> tasks;
    tasks.push_back(after(milliseconds(6), 1));
    tasks.push_back(after(milliseconds(2), 2));
    tasks.push_back(after(milliseconds(4), 3));
    co_return co_await when_all(std::move(tasks));
  };
  const TimePoint start = Clock::now();
  EXPECT_EQ(run_until_complete(reactor(), body()), (std::vector<int>{1, 2, 3}));
  EXPECT_LT(Clock::now() - start, milliseconds(100));  // concurrent, not serial
}

TEST_P(WhenTest, WhenAllOfNothingAndOfImmediateTasks) {
  auto body = []() -> Task<size_t> {
    std::vector<Task<int>> none;
    std::vector<int> empty = co_await when_all(std::move(none));
    std::vector<Task<int>> immediate;
    for (int i = 0; i < 3; ++i) {
      immediate.push_back([](int v) -> Task<int> { co_return v; }(i));
    }
    std::vector<int> values = co_await when_all(std::move(immediate));
    co_return empty.size() + values.size();
  };
  EXPECT_EQ(run_until_complete(reactor(), body()), 3u);
}

TEST_P(WhenTest, WhenAllFailsFastCancelsTheRestAndRethrows) {
  int cancelled = 0;
  auto body = [&]() -> Task<void> {
    std::vector<Task<int>> tasks;
    tasks.push_back(observe_cancel(std::chrono::hours(1), cancelled));
    tasks.push_back(fail_after(milliseconds(2)));
    tasks.push_back(observe_cancel(std::chrono::hours(1), cancelled));
    co_await when_all(std::move(tasks));
  };
  EXPECT_THROW(run_until_complete(reactor(), body()), std::runtime_error);
  EXPECT_EQ(cancelled, 2);
  EXPECT_EQ(reactor().stats().timers_pending, 0u);
}

TEST_P(WhenTest, WhenAnyTakesTheFirstAndCancelsTheOthers) {
  int cancelled = 0;
  auto body = [&]() -> Task<WhenAny<int>> {
    std::vector<Task<int>> tasks;
    tasks.push_back(observe_cancel(std::chrono::hours(1), cancelled));
    tasks.push_back(after(milliseconds(3), 99));
    tasks.push_back(observe_cancel(std::chrono::hours(1), cancelled));
    co_return co_await when_any(std::move(tasks));
  };
  WhenAny<int> first = run_until_complete(reactor(), body());
  EXPECT_EQ(first.index, 1u);
  EXPECT_EQ(first.value, 99);
  EXPECT_EQ(cancelled, 2);
  EXPECT_EQ(reactor().stats().timers_pending, 0u);
}

TEST_P(WhenTest, WithTimeoutExpiresAndCancelsTheTask) {
  int cancelled = 0;
  auto body = [&]() -> Task<absl::StatusOr<int>> {
    co_return co_await with_timeout(
        milliseconds(5), observe_cancel(std::chrono::hours(1), cancelled));
  };
  const TimePoint start = Clock::now();
  absl::StatusOr<int> result = run_until_complete(reactor(), body());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_GE(Clock::now() - start, milliseconds(5));
  EXPECT_EQ(cancelled, 1);
  EXPECT_EQ(reactor().stats().timers_pending, 0u);
}

TEST_P(WhenTest, WithTimeoutReturnsTheValueInTime) {
  auto body = []() -> Task<absl::StatusOr<int>> {
    co_return co_await with_timeout(std::chrono::seconds(10),
                                    after(milliseconds(1), 5));
  };
  absl::StatusOr<int> result = run_until_complete(reactor(), body());
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(*result, 5);
  EXPECT_EQ(reactor().stats().timers_pending,
            0u);  // the deadline timer is gone
}

Task<void> nap(milliseconds delay) { co_await sleep(delay); }

TEST_P(WhenTest, WithTimeoutOfVoidTasks) {
  auto body = []() -> Task<std::pair<absl::Status, absl::Status>> {
    absl::Status late =
        co_await with_timeout(milliseconds(2), nap(std::chrono::hours(1)));
    absl::Status early =
        co_await with_timeout(std::chrono::seconds(10), nap(milliseconds(1)));
    co_return std::make_pair(late, early);
  };
  auto [late, early] = run_until_complete(reactor(), body());
  EXPECT_EQ(late.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_TRUE(early.ok()) << early;
}

TEST_P(WhenTest, CancellingTheParentCancelsEveryChild) {
  int cancelled = 0;
  auto parent = [&]() -> Task<void> {
    std::vector<Task<int>> tasks;
    for (int i = 0; i < 3; ++i) {
      tasks.push_back(observe_cancel(std::chrono::hours(1), cancelled));
    }
    co_await when_all(std::move(tasks));
  };
  TaskHandle handle = spawn(reactor(), parent());
  reactor().call_later(milliseconds(2), [&] { handle.cancel(); });
  reactor().call_later(milliseconds(10), [&] { reactor().stop(); });
  reactor().run();
  EXPECT_EQ(cancelled, 3);
  EXPECT_TRUE(handle.done());
}

GALE_INSTANTIATE_FOR_BOTH_BACKENDS(WhenTest);

}  // namespace
}  // namespace gale
