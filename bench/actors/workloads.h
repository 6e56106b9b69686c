// Gale's side of the Savina actor workloads of
// ../shared/bench/actor-workloads.md. Each function starts a fresh Runtime
// (`reactors` reactor threads, one offload thread), runs one workload as a
// Gale user would write it, prints its line in the shared format
//
//   gale pingpong reactors=2 n=1000000 msgs=2000000 seconds=S
//       msgs_per_sec=R allocs_per_msg=A check=ok
//
// (one line), stops and joins the runtime, and returns whether its checks
// passed. `scale` multiplies N, T and M; R, A and C stay as defined.
//
// Placement: main spawns a driver actor (round robin, so reactor 0 of a fresh
// runtime), which spawns the workload's actors from inside the runtime: by
// Gale's default rule they live on the driver's reactor. pingpong_cross pins
// ping and pong to reactors 0 and 1; fjcreation and idlemem spawn from main
// (round robin over every reactor), as their definitions say.
//
// GCC 12 destroys twice a temporary aggregate-initialized inside a co_await
// expression (`co_await ref.ask(Msg{std::vector<...>(...)})`: one construction,
// two destructions), so coroutine handlers here build such a message in a named
// local first and co_await ask(std::move(local)).
//
// Thread contract: each function is called from main, a thread without a
// reactor, and blocks it (Future::get, std::future::get) while it waits.
#ifndef GALE_BENCH_ACTORS_WORKLOADS_H_
#define GALE_BENCH_ACTORS_WORKLOADS_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "actors/runtime.h"
#include "reactor/clock.h"

namespace gale::bench {

struct WorkloadConfig {
  size_t reactors = 2;
  bool pin_threads = false;  // RuntimeOptions::pin_threads
  double scale = 1.0;
  uint64_t scaled(uint64_t n) const {
    const auto value = static_cast<uint64_t>(static_cast<double>(n) * scale);
    return value == 0 ? 1 : value;
  }
};

// For asks that wait on a whole run (the default 5 s could expire first).
inline constexpr Duration kRunTimeout = std::chrono::minutes(10);

// A fresh runtime of `config.reactors` reactors and one offload thread;
// aborts if it cannot start.
std::unique_ptr<Runtime> start_runtime(const WorkloadConfig& config);

// Stops `runtime` and joins its threads.
void stop_runtime(Runtime& runtime);

// Prints "gale WORKLOAD reactors=N PARAMS [UNIT=COUNT] seconds=S
// UNIT_per_sec=R allocs_per_UNIT=A [EXTRA] check=ok|FAIL" (the count is left
// out for "actors": n= already says it), where UNIT is "msgs" or "actors".
void report_rate(const char* workload, const WorkloadConfig& config,
                 const std::string& params, const char* unit, uint64_t count,
                 double seconds, uint64_t allocations, bool ok,
                 const std::string& extra = "");

// allocations / count with three decimals, or "n/a" where the allocation
// counter does not work (sanitizer builds).
std::string per_item(uint64_t allocations, uint64_t count);

// "key=value", for report_rate's `params`.
std::string param(const char* key, uint64_t value);

// Explains a failed check on stderr.
void explain_failure(const char* workload, const std::string& what);

bool pingpong(const WorkloadConfig& config);
bool pingpong_cross(const WorkloadConfig& config);
bool callback_pingpong_cross(const WorkloadConfig& config);
bool counting(const WorkloadConfig& config);
bool threadring(const WorkloadConfig& config);
bool fjcreation(const WorkloadConfig& config);
bool big(const WorkloadConfig& config);
bool chameneos(const WorkloadConfig& config);
bool idlemem(const WorkloadConfig& config);

}  // namespace gale::bench

#endif  // GALE_BENCH_ACTORS_WORKLOADS_H_
