// callbacks_chain, callbacks_batch and cross_thread_post on a Gale reactor.
#include <atomic>
#include <cstdio>
#include <thread>

#include "bench/common/alloc_counter.h"
#include "bench/common/bench_util.h"
#include "bench/reactor/workloads.h"
#include "reactor/reactor.h"

namespace gale::bench {
namespace {

double per_op(uint64_t count, uint64_t ops) {
  return static_cast<double>(count) / static_cast<double>(ops);
}

// Each step counts and posts the next one until N steps ran.
struct Chain {
  Reactor* reactor;
  uint64_t target;
  uint64_t count = 0;
  void step() {
    if (++count < target) {
      reactor->post([this] { step(); });
    } else {
      reactor->stop();
    }
  }
};

}  // namespace

std::unique_ptr<Reactor> make_reactor(const WorkloadConfig& config) {
  ReactorOptions options;
  options.backend = config.backend;
  return Reactor::create(std::move(options)).value();
}

bool callbacks_chain(const WorkloadConfig& config) {
  const uint64_t n = config.scaled(10'000'000);
  auto reactor = make_reactor(config);
  Chain chain{reactor.get(), n, 0};
  reactor->post([&chain] { chain.step(); });
  const uint64_t allocs_before = allocations();
  const auto watch = Stopwatch::start();
  reactor->run();
  const double seconds = watch.seconds();
  const uint64_t allocs = allocations() - allocs_before;
  const ReactorStats stats = reactor->stats();
  const bool ok = chain.count == n;
  std::printf(
      "gale callbacks_chain ops=%llu seconds=%.4f ops_per_sec=%.4g polls=%llu "
      "allocs_per_op=%.4f check=%s\n",
      static_cast<unsigned long long>(n), seconds, n / seconds,
      static_cast<unsigned long long>(stats.polls), per_op(allocs, n),
      ok ? "ok" : "FAIL");
  return ok;
}

bool callbacks_batch(const WorkloadConfig& config) {
  const uint64_t n = config.scaled(10'000'000);
  auto reactor = make_reactor(config);
  prefault_heap(static_cast<size_t>(n) * 80 + (64 << 20));
  uint64_t count = 0;
  std::chrono::steady_clock::time_point end;
  Reactor* r = reactor.get();
  const long faults_before = minor_faults();
  const uint64_t allocs_before = allocations();
  const auto watch = Stopwatch::start();
  for (uint64_t i = 0; i < n; ++i) {
    reactor->post([&count, n, &end, r] {
      if (++count == n) {
        end = std::chrono::steady_clock::now();
        r->stop();
      }
    });
  }
  const double post_seconds = watch.seconds();
  reactor->run();
  const double seconds =
      std::chrono::duration<double>(end - watch.started()).count();
  const uint64_t allocs = allocations() - allocs_before;
  const long faults = minor_faults() - faults_before;
  const bool ok = count == n;
  std::printf(
      "gale callbacks_batch ops=%llu seconds=%.4f ops_per_sec=%.4g "
      "post_seconds=%.4f "
      "run_seconds=%.4f page_faults=%ld allocs_per_op=%.4f check=%s\n",
      static_cast<unsigned long long>(n), seconds, n / seconds, post_seconds,
      seconds - post_seconds, faults, per_op(allocs, n), ok ? "ok" : "FAIL");
  return ok;
}

bool cross_thread_post(const WorkloadConfig& config) {
  const uint64_t n = config.scaled(10'000'000);
  std::atomic<Reactor*> loop{nullptr};
  std::atomic<bool> idle{false};
  uint64_t count = 0;  // touched on the loop thread only
  std::chrono::steady_clock::time_point end;
  uint64_t polls = 0;
  uint64_t wakeups = 0;
  std::thread loop_thread([&] {
    auto reactor = make_reactor(config);
    reactor->post(
        [&] { idle.store(true); });  // after this the loop has nothing to do
    loop.store(reactor.get());
    reactor->run();
    polls = reactor->stats().polls;
    wakeups = reactor->stats().wakeups_written;
  });
  while (!idle.load()) std::this_thread::yield();
  std::this_thread::sleep_for(
      std::chrono::milliseconds(50));  // the loop is asleep
  Reactor* reactor = loop.load();
  const uint64_t allocs_before = allocations();
  const auto watch = Stopwatch::start();
  for (uint64_t i = 0; i < n; ++i) {
    reactor->post([&count, &end, n, reactor] {
      if (++count == n) {
        end = std::chrono::steady_clock::now();
        reactor->stop();
      }
    });
  }
  const double post_seconds = watch.seconds();
  loop_thread.join();
  const double seconds =
      std::chrono::duration<double>(end - watch.started()).count();
  const uint64_t allocs = allocations() - allocs_before;
  const bool ok = count == n;
  std::printf(
      "gale cross_thread_post ops=%llu seconds=%.4f ops_per_sec=%.4g "
      "post_seconds=%.4f "
      "polls=%llu wakeups_written=%llu allocs_per_op=%.4f check=%s\n",
      static_cast<unsigned long long>(n), seconds, n / seconds, post_seconds,
      static_cast<unsigned long long>(polls),
      static_cast<unsigned long long>(wakeups), per_op(allocs, n),
      ok ? "ok" : "FAIL");
  return ok;
}

}  // namespace gale::bench
