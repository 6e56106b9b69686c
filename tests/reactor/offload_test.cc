// offload(): results and exceptions come back to the reactor thread; a full
// pool rejects at once with kResourceExhausted; the callback form.
#include "reactor/offload.h"

#include <gtest/gtest.h>

#include <future>
#include <stdexcept>
#include <thread>

#include "reactor/spawn.h"
#include "reactor/when.h"
#include "tests/reactor/reactor_fixture.h"

namespace gale {
namespace {

class OffloadTest : public testing::ReactorTest {
 protected:
  void SetUp() override {
    testing::ReactorTest::SetUp();
    ThreadPoolOptions options;
    options.threads = 2;
    options.max_queued = 4;
    pool_ = ThreadPool::create(options).value();
  }
  void TearDown() override {
    pool_.reset();
    testing::ReactorTest::TearDown();
  }
  ThreadPool& pool() { return *pool_; }

 private:
  std::unique_ptr<ThreadPool> pool_;
};

TEST_P(OffloadTest, ValueComesBackOnTheReactorThread) {
  const std::thread::id reactor_thread = std::this_thread::get_id();
  std::thread::id ran_on;
  std::thread::id resumed_on;
  auto body = [&]() -> Task<long> {
    long sum = co_await offload(pool(), [&] {
      ran_on = std::this_thread::get_id();
      long total = 0;
      for (long i = 1; i <= 1000; ++i) total += i;
      return total;
    });
    resumed_on = std::this_thread::get_id();
    co_return sum;
  };
  EXPECT_EQ(run_until_complete(reactor(), body()), 500500);
  EXPECT_NE(ran_on, reactor_thread);
  EXPECT_EQ(resumed_on, reactor_thread);
}

TEST_P(OffloadTest, ExceptionComesBackToTheAwaiter) {
  auto body = [&]() -> Task<void> {
    co_await offload(pool(),
                     []() -> int { throw std::invalid_argument("bad input"); });
  };
  EXPECT_THROW(run_until_complete(reactor(), body()), std::invalid_argument);
}

TEST_P(OffloadTest, FullQueueRejectsAtOnceWithResourceExhausted) {
  std::promise<void> release;
  std::shared_future<void> gate = release.get_future().share();
  std::atomic<int> started{0};
  absl::Status rejection;
  // Two jobs occupy both workers, four fill the queue; the next is refused.
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(pool()
                    .submit([gate, &started] {
                      ++started;
                      gate.wait();
                    })
                    .ok());
  }
  while (started.load() < 2) std::this_thread::yield();
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(pool().submit([] {}).ok());
  auto refused = [&]() -> Task<void> {
    try {
      co_await offload(pool(), [] { return 1; });
    } catch (const StatusError& e) {
      rejection = e.status();
    }
  };
  run_until_complete(reactor(), refused());
  release.set_value();
  EXPECT_EQ(rejection.code(), absl::StatusCode::kResourceExhausted);
}

TEST_P(OffloadTest, CallbackForm) {
  int seen = 0;
  reactor().post([&] {
    const absl::Status queued = offload(
        pool(), [] { return 6 * 7; },
        [&](Outcome<int> outcome) {
          seen = outcome.value();
          reactor().stop();
        });
    EXPECT_TRUE(queued.ok()) << queued;
  });
  reactor().run();
  EXPECT_EQ(seen, 42);
}

TEST_P(OffloadTest, ManyConcurrentOffloads) {
  auto body = [&]() -> Task<long> {
    std::vector<Task<long>> tasks;
    for (long i = 0; i < 3; ++i) {
      tasks.push_back(offload(pool(), [i] { return i * i; }));
    }
    std::vector<long> values = co_await when_all(std::move(tasks));
    co_return values[0] + values[1] + values[2];
  };
  EXPECT_EQ(run_until_complete(reactor(), body()), 0 + 1 + 4);
}

GALE_INSTANTIATE_FOR_BOTH_BACKENDS(OffloadTest);

}  // namespace
}  // namespace gale
