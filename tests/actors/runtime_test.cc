// Runtime: N reactors on N threads, stop from anywhere, pinning, offload.
#include "actors/runtime.h"

#include <gtest/gtest.h>
#include <sched.h>
#include <signal.h>

#include <atomic>
#include <future>
#include <set>
#include <thread>
#include <vector>

#include "reactor/offload.h"
#include "reactor/spawn.h"

namespace gale {
namespace {

std::unique_ptr<Runtime> start_runtime(size_t reactors, bool pin = false) {
  RuntimeOptions options;
  options.reactors = reactors;
  options.pin_threads = pin;
  options.offload_threads = 1;
  absl::StatusOr<std::unique_ptr<Runtime>> runtime = Runtime::start(options);
  EXPECT_TRUE(runtime.ok()) << runtime.status();
  return *std::move(runtime);
}

// Runs `fn` on reactor `index` and returns its result (the test's thread
// blocks on a std::future; it is not a reactor thread).
template <typename Fn>
auto run_on(Runtime& runtime, size_t index, Fn fn) {
  std::promise<decltype(fn())> result;
  auto future = result.get_future();
  runtime.reactor(index).post([&] { result.set_value(fn()); });
  return future.get();
}

TEST(RuntimeTest, EachReactorRunsOnItsOwnThread) {
  auto runtime = start_runtime(3);
  ASSERT_EQ(runtime->size(), 3u);
  std::set<std::thread::id> threads;
  for (size_t i = 0; i < runtime->size(); ++i) {
    Reactor* expected = &runtime->reactor(i);
    EXPECT_EQ(run_on(*runtime, i, [] { return Reactor::current(); }), expected);
    threads.insert(
        run_on(*runtime, i, [] { return std::this_thread::get_id(); }));
  }
  EXPECT_EQ(threads.size(), 3u);
  EXPECT_EQ(threads.count(std::this_thread::get_id()), 0u);
}

TEST(RuntimeTest, DefaultIsOneReactorPerCore) {
  auto runtime = start_runtime(0);
  EXPECT_EQ(runtime->size(), std::max(1u, std::thread::hardware_concurrency()));
}

TEST(RuntimeTest, StopFromAReactorCallbackAndWait) {
  auto runtime = start_runtime(2);
  runtime->reactor(1).post([&] { runtime->stop(); });
  runtime->wait();
  runtime->wait();  // idempotent
}

TEST(RuntimeTest, DestructorStopsAndJoinsWithoutAnExplicitStop) {
  std::atomic<int> ran{0};
  {
    auto runtime = start_runtime(2);
    for (int i = 0; i < 100; ++i) runtime->next_reactor().post([&] { ++ran; });
    run_on(*runtime, 0, [] { return 0; });
    run_on(*runtime, 1, [] { return 0; });
  }
  EXPECT_EQ(ran.load(), 100);
}

TEST(RuntimeTest, NextReactorGoesRoundRobin) {
  auto runtime = start_runtime(2);
  Reactor* first = &runtime->next_reactor();
  Reactor* second = &runtime->next_reactor();
  Reactor* third = &runtime->next_reactor();
  EXPECT_NE(first, second);
  EXPECT_EQ(first, third);
}

TEST(RuntimeTest, PinnedReactorsRunOnTheirCpus) {
  cpu_set_t allowed;
  ASSERT_EQ(sched_getaffinity(0, sizeof(allowed), &allowed), 0);
  std::vector<int> cpus;
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (CPU_ISSET(cpu, &allowed)) cpus.push_back(cpu);
  }
  auto runtime = start_runtime(2, /*pin=*/true);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(run_on(*runtime, i, [] { return sched_getcpu(); }),
              cpus[i % cpus.size()]);
  }
}

TEST(RuntimeTest, TasksOffloadThroughTheRuntimePool) {
  auto runtime = start_runtime(2);
  std::promise<int> result;
  auto compute = [](Runtime& rt, std::promise<int>& out) -> Task<void> {
    const int value = co_await offload(rt.offload_pool(), [] { return 6 * 7; });
    out.set_value(value);
  };
  spawn(runtime->reactor(1), compute(*runtime, result));
  EXPECT_EQ(result.get_future().get(), 42);
}

// stop() is what a SIGTERM handler calls: exercise it from a real handler.
Runtime* g_runtime_for_signal = nullptr;

TEST(RuntimeTest, StopFromASignalHandler) {
  auto runtime = start_runtime(2);
  g_runtime_for_signal = runtime.get();
  struct sigaction action {};
  action.sa_handler = [](int) { g_runtime_for_signal->stop(); };
  struct sigaction previous {};
  ASSERT_EQ(sigaction(SIGUSR1, &action, &previous), 0);
  ASSERT_EQ(raise(SIGUSR1), 0);
  runtime->wait();
  sigaction(SIGUSR1, &previous, nullptr);
  g_runtime_for_signal = nullptr;
}

TEST(RuntimeTest, WaitFromAReactorThreadAborts) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        auto runtime = start_runtime(1);
        runtime->reactor(0).post([&] { runtime->wait(); });
        std::this_thread::sleep_for(std::chrono::seconds(5));
      },
      "called on one of its reactor threads");
}

}  // namespace
}  // namespace gale
