// Future/Promise: cross-thread fulfilment resumes on the owner reactor, broken
// promises, then() callbacks, cancellation and teardown while waiting.
#include "reactor/future.h"

#include <gtest/gtest.h>

#include <future>
#include <string>
#include <thread>

#include "reactor/spawn.h"
#include "tests/reactor/reactor_fixture.h"

namespace gale {
namespace {

using std::chrono::milliseconds;
using FutureTest = testing::ReactorTest;

Task<int> await_value(Future<int> future) {
  co_return co_await std::move(future);
}

TEST_P(FutureTest, FulfilledFromAForeignThreadResumesOnTheOwnerReactor) {
  Promise<int> promise;
  Future<int> future = promise.get_future();
  const std::thread::id reactor_thread = std::this_thread::get_id();
  std::thread::id resumed_on;
  std::thread::id fulfilled_on;
  auto waiter = [&](Future<int> f) -> Task<int> {
    const int value = co_await std::move(f);
    resumed_on = std::this_thread::get_id();
    co_return value;
  };
  std::promise<void> waiting;
  reactor().post([&] { waiting.set_value(); });
  std::thread fulfiller([&, p = std::move(promise)]() mutable {
    waiting.get_future().wait();
    fulfilled_on = std::this_thread::get_id();
    p.set_value(42);
  });
  EXPECT_EQ(run_until_complete(reactor(), waiter(std::move(future))), 42);
  fulfiller.join();
  EXPECT_EQ(resumed_on, reactor_thread);
  EXPECT_NE(fulfilled_on, reactor_thread);
}

TEST_P(FutureTest, AlreadyFulfilledFutureDoesNotSuspend) {
  Promise<int> promise;
  Future<int> future = promise.get_future();
  promise.set_value(7);
  EXPECT_TRUE(future.ready());
  EXPECT_EQ(run_until_complete(reactor(), await_value(std::move(future))), 7);
}

TEST_P(FutureTest, ExceptionTravelsToTheAwaiter) {
  Promise<int> promise;
  Future<int> future = promise.get_future();
  promise.set_exception(
      std::make_exception_ptr(std::runtime_error("remote failure")));
  EXPECT_THROW(run_until_complete(reactor(), await_value(std::move(future))),
               std::runtime_error);
}

TEST_P(FutureTest, BrokenPromiseFailsTheFutureClearly) {
  std::optional<Promise<int>> promise(std::in_place);
  Future<int> future = promise->get_future();
  promise.reset();
  try {
    run_until_complete(reactor(), await_value(std::move(future)));
    FAIL() << "expected a broken promise";
  } catch (const StatusError& e) {
    EXPECT_EQ(e.status().code(), absl::StatusCode::kAborted);
    EXPECT_NE(std::string(e.what()).find("broken promise"), std::string::npos);
  }
}

TEST_P(FutureTest, ThenRunsTheCallbackOnTheReactor) {
  Promise<std::string> promise;
  Future<std::string> future = promise.get_future();
  std::string seen;
  reactor().post([&] {
    std::move(future).then([&](Outcome<std::string> outcome) {
      seen = outcome.value();
      reactor().stop();
    });
  });
  std::thread fulfiller(
      [p = std::move(promise)]() mutable { p.set_value("hello"); });
  reactor().run();
  fulfiller.join();
  EXPECT_EQ(seen, "hello");
}

TEST_P(FutureTest, ThenSeesFailuresAsOutcomes) {
  Promise<int> promise;
  Future<int> future = promise.get_future();
  absl::Status seen;
  reactor().post([&] {
    std::move(future).then([&](Outcome<int> outcome) {
      seen = outcome.status();
      reactor().stop();
    });
  });
  promise.set_exception(std::make_exception_ptr(
      StatusError(absl::UnavailableError("backend down"))));
  reactor().run();
  EXPECT_EQ(seen.code(), absl::StatusCode::kUnavailable);
}

TEST_P(FutureTest, CancelWhileWaitingDetachesAndAFulfilLaterIsHarmless) {
  Promise<int> promise;
  Future<int> future = promise.get_future();
  bool cancelled = false;
  auto waiter = [&](Future<int> f) -> Task<void> {
    try {
      co_await std::move(f);
    } catch (const CancelledError&) {
      cancelled = true;
    }
  };
  TaskHandle handle = spawn(reactor(), waiter(std::move(future)));
  reactor().call_later(milliseconds(1), [&] { handle.cancel(); });
  reactor().call_later(milliseconds(3), [&] { reactor().stop(); });
  reactor().run();
  EXPECT_TRUE(cancelled);
  promise.set_value(1);  // nobody waits: stored, then freed
}

// A reactor destroyed while a task waits on a future detaches the wait; the
// promise fulfilled afterwards on another thread posts nothing anywhere.
TEST_P(FutureTest, ReactorDestroyedWhileWaitingThenFulfilledElsewhere) {
  Promise<int> promise;
  Future<int> future = promise.get_future();
  bool resumed = false;
  auto waiter = [&](Future<int> f) -> Task<void> {
    co_await std::move(f);
    resumed = true;
  };
  spawn(reactor(), waiter(std::move(future)));
  reactor().call_later(milliseconds(1), [&] { reactor().stop(); });
  reactor().run();
  recreate({});
  std::thread late([p = std::move(promise)]() mutable { p.set_value(5); });
  late.join();
  EXPECT_FALSE(resumed);
}

// The fulfilment's wakeup is already queued on the reactor when the reactor is
// destroyed: the queued delivery is dropped unrun and must still release the
// shared state (LSan checks it under --config=asan).
TEST_P(FutureTest, ReactorDestroyedWithADeliveryQueued) {
  Promise<int> promise;
  Future<int> future = promise.get_future();
  auto waiter = [](Future<int> f) -> Task<void> { co_await std::move(f); };
  spawn(reactor(), waiter(std::move(future)));
  reactor().post([&] {
    promise.set_value(3);  // the waiter is attached: a delivery is posted
    reactor().stop();      // ...and never runs
  });
  reactor().run();
  recreate({});
}

GALE_INSTANTIATE_FOR_BOTH_BACKENDS(FutureTest);

}  // namespace
}  // namespace gale
