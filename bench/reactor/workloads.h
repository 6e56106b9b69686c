// Gale's side of the reactor micro-workloads of
// ../shared/bench/reactor-workloads.md. Each function runs one workload on a
// fresh reactor, prints its line in the shared format ("gale WORKLOAD ops=N
// seconds=S ops_per_sec=R ... check=ok") and returns whether its checks passed.
// `scale` multiplies every N (1.0 is the shared definition).
#ifndef GALE_BENCH_REACTOR_WORKLOADS_H_
#define GALE_BENCH_REACTOR_WORKLOADS_H_

#include <cstdint>
#include <memory>

#include "reactor/reactor.h"

namespace gale::bench {

struct WorkloadConfig {
  double scale = 1.0;
  SelectorBackend backend = SelectorBackend::kEpoll;
  uint64_t scaled(uint64_t n) const {
    const auto value = static_cast<uint64_t>(static_cast<double>(n) * scale);
    return value == 0 ? 1 : value;
  }
};

// A fresh reactor on the calling thread, with the configured backend.
std::unique_ptr<Reactor> make_reactor(const WorkloadConfig& config);

bool callbacks_chain(const WorkloadConfig& config);
bool callbacks_batch(const WorkloadConfig& config);
bool cross_thread_post(const WorkloadConfig& config);
bool timers(const WorkloadConfig& config);
bool fd_pingpong(const WorkloadConfig& config);
bool idle_wakeups(const WorkloadConfig& config);
bool coroutine_yield(const WorkloadConfig& config);
bool offload_round_trip(const WorkloadConfig& config);

}  // namespace gale::bench

#endif  // GALE_BENCH_REACTOR_WORKLOADS_H_
