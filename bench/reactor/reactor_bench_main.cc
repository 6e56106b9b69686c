// bench/reactor: Gale's reactor micro-benchmarks, in the shared format of
// ../shared/bench/reactor-workloads.md; the peers' side is
// //bench/peers:reactor_peers.
//
//   bazel run -c opt //bench/reactor                       # all six workloads
//   bazel run -c opt //bench/reactor -- --workload=timers --backend=poll
//   bazel run -c opt //bench/reactor -- --scale=0.01       # a quick smoke run
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "bench/common/bench_util.h"
#include "bench/reactor/workloads.h"

ABSL_FLAG(
    std::string, workload, "all",
    "callbacks_chain, callbacks_batch, cross_thread_post, timers, fd_pingpong, "
    "idle_wakeups, coroutine_yield, offload_round_trip, or all");
ABSL_FLAG(std::string, backend, "epoll", "epoll or poll");
ABSL_FLAG(double, scale, 1.0, "multiplies every N of the shared definitions");

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  gale::bench::WorkloadConfig config;
  config.scale = absl::GetFlag(FLAGS_scale);
  const std::string backend = absl::GetFlag(FLAGS_backend);
  if (backend != "epoll" && backend != "poll") {
    std::fprintf(stderr, "--backend must be epoll or poll\n");
    return 2;
  }
  config.backend = backend == "poll" ? gale::SelectorBackend::kPoll
                                     : gale::SelectorBackend::kEpoll;

  const std::vector<
      std::pair<std::string, bool (*)(const gale::bench::WorkloadConfig&)>>
      workloads = {
          {"callbacks_chain", gale::bench::callbacks_chain},
          {"callbacks_batch", gale::bench::callbacks_batch},
          {"cross_thread_post", gale::bench::cross_thread_post},
          {"timers", gale::bench::timers},
          {"fd_pingpong", gale::bench::fd_pingpong},
          {"idle_wakeups", gale::bench::idle_wakeups},
          {"coroutine_yield", gale::bench::coroutine_yield},
          {"offload_round_trip", gale::bench::offload_round_trip},
      };
  return gale::bench::run_workloads(workloads, absl::GetFlag(FLAGS_workload),
                                    config);
}
