// The seed's "a long computation freezes the loop" (asyncio-event-loop.md),
// three ways, while a 10 ms ticker runs on the same reactor:
//   inline — the sum runs in the task: the ticker freezes until it is done;
//   yield  — the task yields every 1,000,000 steps: the ticker gets turns;
//   pool   — the sum is offloaded to a thread pool: the ticker never waits.
// Each prints `offload way=... sum=S worst_tick_late_ms=X`.
//
//   bazel run -c opt //examples/offload
#include "reactor/offload.h"

#include <cstdint>
#include <cstdio>
#include <memory>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "reactor/sleep.h"
#include "reactor/spawn.h"
#include "reactor/thread_pool.h"

ABSL_FLAG(uint64_t, n, 20'000'000, "sum 1..n");
ABSL_FLAG(uint64_t, yield_every, 1'000'000, "steps between yields (way=yield)");

namespace {

using std::chrono::milliseconds;

// One step of the sum with honest work an optimizer cannot fold away: a
// splitmix64 round whose state the compiler must assume is observed, so the
// loop can be neither vectorised nor replaced by n(n+1)/2.
inline uint64_t step(uint64_t i, uint64_t& state) {
  for (int round = 0; round < 4; ++round) {
    state += 0x9E3779B97F4A7C15ull ^ i;
    uint64_t z = state;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    state = z ^ (z >> 31);
    asm volatile("" : "+r"(state));
  }
  return i;
}

uint64_t sum_range(uint64_t first, uint64_t last, uint64_t& state) {
  uint64_t sum = 0;
  for (uint64_t i = first; i <= last; ++i) sum += step(i, state);
  return sum;
}

// Sleeps 10 ms at a time, as the seed's ticker does, and keeps the worst
// lateness of a wakeup, until cancelled.
gale::Task<> ticker(double& worst_late_ms) {
  for (;;) {
    const gale::TimePoint due = gale::Clock::now() + milliseconds(10);
    co_await gale::sleep_until(due);
    const double late =
        std::chrono::duration<double, std::milli>(gale::Clock::now() - due)
            .count();
    if (late > worst_late_ms) worst_late_ms = late;
  }
}

gale::Task<uint64_t> sum_inline(uint64_t n) {
  uint64_t state = 0;
  co_return sum_range(1, n, state);
}

gale::Task<uint64_t> sum_yielding(uint64_t n, uint64_t every) {
  uint64_t state = 0;
  uint64_t sum = 0;
  for (uint64_t first = 1; first <= n; first += every) {
    sum += sum_range(first, std::min(n, first + every - 1), state);
    co_await gale::yield();
  }
  co_return sum;
}

gale::Task<uint64_t> sum_offloaded(gale::ThreadPool& pool, uint64_t n) {
  co_return co_await gale::offload(pool, [n] {
    uint64_t state = 0;
    return sum_range(1, n, state);
  });
}

gale::Task<> run_way(gale::Reactor& reactor, const char* way,
                     gale::Task<uint64_t> sum) {
  double worst_late_ms = 0;
  gale::TaskHandle tick = gale::spawn(reactor, ticker(worst_late_ms));
  co_await gale::sleep(milliseconds(25));  // the ticker is running
  const uint64_t result = co_await std::move(sum);
  co_await gale::sleep(milliseconds(15));  // let a late tick land
  tick.cancel();
  std::printf("offload way=%s sum=%llu worst_tick_late_ms=%.1f\n", way,
              static_cast<unsigned long long>(result), worst_late_ms);
  std::fflush(stdout);
}

gale::Task<> main_task(gale::Reactor& reactor, gale::ThreadPool& pool) {
  const uint64_t n = absl::GetFlag(FLAGS_n);
  co_await run_way(reactor, "inline", sum_inline(n));
  co_await run_way(reactor, "yield",
                   sum_yielding(n, absl::GetFlag(FLAGS_yield_every)));
  co_await run_way(reactor, "pool", sum_offloaded(pool, n));
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  try {
    auto reactor = gale::Reactor::create().value();
    gale::ThreadPoolOptions options;
    options.threads = 1;
    auto pool = gale::ThreadPool::create(options).value();
    gale::run_until_complete(*reactor, main_task(*reactor, *pool));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "offload: %s\n", e.what());
    return 1;
  }
  return 0;
}
