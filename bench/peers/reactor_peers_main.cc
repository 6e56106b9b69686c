// bench/peers: the reactor micro-workloads on Boost.Asio and libuv, printed in
// the shared format next to Gale's (//bench/reactor).
//
//   bazel run -c opt //bench/peers:reactor_peers
//   bazel run -c opt //bench/peers:reactor_peers -- --lib=libuv
//   --workload=timers bazel run -c opt //bench/peers:reactor_peers --
//   --n_scale=0.01  # smoke run
#include <cstdio>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "bench/peers/peer_workloads.h"

ABSL_FLAG(
    std::string, workload, "all",
    "callbacks_chain, callbacks_batch, cross_thread_post, timers, fd_pingpong, "
    "idle_wakeups, callbacks_batch_unsync (libuv), or all");
ABSL_FLAG(std::string, lib, "all", "asio, libuv, or all");
ABSL_FLAG(double, n_scale, 1.0, "multiplies every N of the shared definitions");

namespace gale::bench {

void report(const char* lib, const char* workload, uint64_t ops, double seconds,
            const std::string& extra, bool ok) {
  std::printf("%s %s ops=%llu seconds=%.4f ops_per_sec=%.4g%s%s check=%s\n",
              lib, workload, static_cast<unsigned long long>(ops), seconds,
              ops / seconds, extra.empty() ? "" : " ", extra.c_str(),
              ok ? "ok" : "FAIL");
  std::fflush(stdout);
}

bool run_selected(std::span<const NamedWorkload> workloads,
                  const std::string& wanted, const PeerConfig& config) {
  bool ok = true;
  for (const NamedWorkload& workload : workloads) {
    if (wanted == "all" || wanted == workload.name)
      ok = workload.run(config) && ok;
  }
  return ok;
}

}  // namespace gale::bench

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  gale::bench::PeerConfig config;
  config.scale = absl::GetFlag(FLAGS_n_scale);
  const std::string workload = absl::GetFlag(FLAGS_workload);
  const std::string lib = absl::GetFlag(FLAGS_lib);
  bool ok = true;
  if (lib == "all" || lib == "asio")
    ok &= gale::bench::run_asio(workload, config);
  if (lib == "all" || lib == "libuv")
    ok &= gale::bench::run_libuv(workload, config);
  return ok ? 0 : 1;
}
