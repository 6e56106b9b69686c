// timers: one million timers with splitmix64 deadlines in 0..1000 ms, every odd
// one cancelled right after scheduling; exactly 500,000 must fire, none early.
#include <cstdio>
#include <vector>

#include "bench/common/alloc_counter.h"
#include "bench/common/bench_util.h"
#include "bench/reactor/workloads.h"
#include "reactor/reactor.h"

namespace gale::bench {
namespace {

struct TimerRun {
  Reactor* reactor;
  uint64_t expected;
  uint64_t fired = 0;
  uint64_t early = 0;
  TimePoint last_deadline{};
  TimePoint last_fire{};
  void on_fire(TimePoint deadline) {
    const TimePoint now = Clock::now();
    if (now < deadline) ++early;
    if (deadline >= last_deadline) {
      last_deadline = deadline;
      last_fire = now;
    }
    if (++fired == expected) reactor->stop();
  }
};

}  // namespace

bool timers(const WorkloadConfig& config) {
  const uint64_t n = config.scaled(1'000'000);
  auto reactor = make_reactor(config);
  prefault_heap(static_cast<size_t>(n) * 160 + (64 << 20));
  TimerRun run{reactor.get(), n / 2, 0, 0, {}, {}};
  SplitMix64 random(42);
  uint64_t kept_sum_ms = 0;
  const long faults_before = minor_faults();
  const uint64_t allocs_before = allocations();
  const TimePoint t0 = Clock::now();
  for (uint64_t i = 0; i < n; ++i) {
    const uint64_t offset_ms = random.next() % 1001;
    const TimePoint deadline = t0 + std::chrono::milliseconds(offset_ms);
    TimerId id =
        reactor->call_at(deadline, [&run, deadline] { run.on_fire(deadline); });
    if (i % 2 == 1) {
      reactor->cancel(id);
    } else {
      kept_sum_ms += offset_ms;
    }
  }
  const double sched_cancel_seconds =
      std::chrono::duration<double>(Clock::now() - t0).count();
  const uint64_t allocs = allocations() - allocs_before;
  const long faults = minor_faults() - faults_before;
  reactor->run();
  const double total_seconds =
      std::chrono::duration<double>(run.last_fire - t0).count();
  const double late_ms = std::chrono::duration<double, std::milli>(
                             run.last_fire - run.last_deadline)
                             .count();
  const bool sum_ok = config.scale != 1.0 || kept_sum_ms == 249'750'208ull;
  const bool ok = run.fired == n / 2 && run.early == 0 && sum_ok;
  std::printf(
      "gale timers ops=%llu seconds=%.4f ops_per_sec=%.4g "
      "sched_cancel_seconds=%.4f "
      "fired=%llu early=%llu last_fire_after_deadline_ms=%.3f "
      "sched_page_faults=%ld "
      "sched_allocs_per_timer=%.4f heap_compactions=%llu check=%s\n",
      static_cast<unsigned long long>(n), total_seconds,
      n / sched_cancel_seconds, sched_cancel_seconds,
      static_cast<unsigned long long>(run.fired),
      static_cast<unsigned long long>(run.early), late_ms, faults,
      static_cast<double>(allocs) / static_cast<double>(n),
      static_cast<unsigned long long>(reactor->stats().timer_heap_compactions),
      ok ? "ok" : "FAIL");
  return ok;
}

}  // namespace gale::bench
