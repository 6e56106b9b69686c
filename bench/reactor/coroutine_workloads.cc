// coroutine_yield (a task that co_awaits yield() N times: the coroutine
// counterpart of callbacks_chain) and offload_round_trip (submit to the pool
// and resume on the reactor, one at a time: median and p99 latency).
#include <algorithm>
#include <cstdio>
#include <vector>

#include "bench/common/alloc_counter.h"
#include "bench/common/bench_util.h"
#include "bench/reactor/workloads.h"
#include "reactor/offload.h"
#include "reactor/sleep.h"
#include "reactor/spawn.h"
#include "reactor/thread_pool.h"

namespace gale::bench {
namespace {

Task<uint64_t> yield_n_times(uint64_t n) {
  uint64_t count = 0;
  for (uint64_t i = 0; i < n; ++i) {
    co_await yield();
    ++count;
  }
  co_return count;
}

Task<std::vector<double>> offload_n_times(ThreadPool& pool, uint64_t n) {
  std::vector<double> micros;
  micros.reserve(n);
  for (uint64_t i = 0; i < n; ++i) {
    const auto start = Clock::now();
    const uint64_t echoed = co_await offload(pool, [i] { return i; });
    micros.push_back(
        std::chrono::duration<double, std::micro>(Clock::now() - start)
            .count());
    if (echoed != i) co_return std::vector<double>{};
  }
  co_return micros;
}

double percentile(std::vector<double>& values, double p) {
  const size_t index =
      std::min(values.size() - 1, static_cast<size_t>(p * values.size()));
  std::nth_element(values.begin(), values.begin() + index, values.end());
  return values[index];
}

}  // namespace

bool coroutine_yield(const WorkloadConfig& config) {
  const uint64_t n = config.scaled(10'000'000);
  auto reactor = make_reactor(config);
  const uint64_t allocs_before = allocations();
  const auto watch = Stopwatch::start();
  const uint64_t count = run_until_complete(*reactor, yield_n_times(n));
  const double seconds = watch.seconds();
  const uint64_t allocs = allocations() - allocs_before;
  const bool ok = count == n;
  std::printf(
      "gale coroutine_yield ops=%llu seconds=%.4f ops_per_sec=%.4g "
      "allocs_per_op=%.4f check=%s\n",
      static_cast<unsigned long long>(n), seconds, n / seconds,
      static_cast<double>(allocs) / static_cast<double>(n), ok ? "ok" : "FAIL");
  return ok;
}

bool offload_round_trip(const WorkloadConfig& config) {
  const uint64_t n = config.scaled(100'000);
  auto reactor = make_reactor(config);
  ThreadPoolOptions pool_options;
  pool_options.threads = 1;
  auto pool = ThreadPool::create(pool_options).value();
  const auto watch = Stopwatch::start();
  std::vector<double> micros =
      run_until_complete(*reactor, offload_n_times(*pool, n));
  const double seconds = watch.seconds();
  const bool ok = micros.size() == n;
  const double p50 = ok ? percentile(micros, 0.50) : 0;
  const double p99 = ok ? percentile(micros, 0.99) : 0;
  std::printf(
      "gale offload_round_trip ops=%llu seconds=%.4f ops_per_sec=%.4g "
      "p50_us=%.2f "
      "p99_us=%.2f check=%s\n",
      static_cast<unsigned long long>(n), seconds, n / seconds, p50, p99,
      ok ? "ok" : "FAIL");
  return ok;
}

}  // namespace gale::bench
