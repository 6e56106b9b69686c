// bench/peers: the physical reference for a cross-core hop
// (../shared/bench/actor-workloads.md, pingpong_cross). Two threads, each
// pinned to its own CPU when the affinity mask allows, spin ping-pong over two
// moodycamel ConcurrentQueues: one thread enqueues k on the first and spins
// until k comes back on the second, for k = 1..N; the other spins on the
// first and echoes onto the second. No actors, no scheduler, no sleeping.
//
//   bazel run -c opt //bench/peers:bare_pingpong
#include <pthread.h>
#include <sched.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <thread>
#include <vector>

#include "bench/common/bench_util.h"
#include "concurrentqueue/concurrentqueue.h"

namespace {

constexpr uint64_t kRoundTrips = 1'000'000;

// The CPUs this process may run on, in order.
std::vector<int> allowed_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  std::vector<int> cpus;
  if (sched_getaffinity(0, sizeof(set), &set) != 0) return cpus;
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu)
    if (CPU_ISSET(cpu, &set)) cpus.push_back(cpu);
  return cpus;
}

void pin_to(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  if (pthread_setaffinity_np(pthread_self(), sizeof(set), &set) != 0)
    std::fprintf(stderr, "bare_pingpong: could not pin to CPU %d\n", cpu);
}

}  // namespace

int main() {
  const std::vector<int> cpus = allowed_cpus();
  const bool pin = cpus.size() >= 2;
  if (!pin)
    std::fprintf(stderr,
                 "bare_pingpong: fewer than 2 CPUs allowed, not pinning\n");

  moodycamel::ConcurrentQueue<uint64_t> pings;
  moodycamel::ConcurrentQueue<uint64_t> pongs;
  std::atomic<int> ready{0};
  std::atomic<bool> go{false};
  uint64_t echoed = 0;

  std::thread ponger([&] {
    if (pin) pin_to(cpus[1]);
    ready.fetch_add(1);
    while (!go.load(std::memory_order_acquire)) {
    }
    uint64_t value = 0;
    for (uint64_t i = 0; i < kRoundTrips; ++i) {
      while (!pings.try_dequeue(value)) {
      }
      pongs.enqueue(value);
      ++echoed;
    }
  });
  if (pin) pin_to(cpus[0]);
  while (ready.load() < 1) {
  }

  bool in_order = true;
  uint64_t received = 0;
  go.store(true, std::memory_order_release);
  const auto clock = gale::bench::Stopwatch::start();
  for (uint64_t k = 1; k <= kRoundTrips; ++k) {
    pings.enqueue(k);
    uint64_t value = 0;
    while (!pongs.try_dequeue(value)) {
    }
    ++received;
    if (value != k) in_order = false;
  }
  const double seconds = clock.seconds();
  ponger.join();

  const uint64_t msgs = 2 * kRoundTrips;
  const bool ok = in_order && received == kRoundTrips && echoed == kRoundTrips;
  std::printf(
      "bare pingpong_cross threads=2 n=%llu msgs=%llu seconds=%.4f "
      "msgs_per_sec=%.4g check=%s\n",
      static_cast<unsigned long long>(kRoundTrips),
      static_cast<unsigned long long>(msgs), seconds,
      static_cast<double>(msgs) / seconds, ok ? "ok" : "FAIL");
  return ok ? 0 : 1;
}
