// The reactor micro-workloads of ../shared/bench/reactor-workloads.md written
// against Boost.Asio and libuv, so Gale's figures compare with theirs in one
// run on one machine. Each function prints its line in the shared format
// ("asio WORKLOAD ops=N seconds=S ops_per_sec=R ... check=ok") and returns
// whether its checks passed.
#ifndef GALE_BENCH_PEERS_PEER_WORKLOADS_H_
#define GALE_BENCH_PEERS_PEER_WORKLOADS_H_

#include <cstdint>
#include <span>
#include <string>

namespace gale::bench {

struct PeerConfig {
  double scale = 1.0;
  uint64_t scaled(uint64_t n) const {
    const auto value = static_cast<uint64_t>(static_cast<double>(n) * scale);
    return value == 0 ? 1 : value;
  }
};

using PeerWorkload = bool (*)(const PeerConfig&);
struct NamedWorkload {
  const char* name;
  PeerWorkload run;
};

// Runs the workload named `wanted` ("all": every one, in order); false if a
// check failed.
bool run_selected(std::span<const NamedWorkload> workloads,
                  const std::string& wanted, const PeerConfig& config);

// Runs `workload` ("all" for every one) against Asio; false if a check failed.
bool run_asio(const std::string& workload, const PeerConfig& config);
// The same against libuv.
bool run_libuv(const std::string& workload, const PeerConfig& config);

// Prints one line in the shared format.
void report(const char* lib, const char* workload, uint64_t ops, double seconds,
            const std::string& extra, bool ok);

}  // namespace gale::bench

#endif  // GALE_BENCH_PEERS_PEER_WORKLOADS_H_
