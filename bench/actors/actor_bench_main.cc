// bench/actors: Gale's side of the Savina actor workloads, in the shared
// format of ../shared/bench/actor-workloads.md; the CAF side is
// //bench/peers:actor_peers.
//
//   bazel run -c opt //bench/actors -- --reactors=2      # every workload
//   bazel run -c opt //bench/actors -- --workload=big
//   bazel run -c opt //bench/actors -- --scale=0.01      # a quick smoke run
//   bazel run -c opt //bench/actors -- --pin_threads     # reactor i on CPU i
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "bench/actors/workloads.h"
#include "bench/common/bench_util.h"

ABSL_FLAG(int, reactors, 2, "reactor threads of each workload's runtime");
ABSL_FLAG(bool, pin_threads, false,
          "pin reactor i to CPU i (RuntimeOptions::pin_threads); off by "
          "default, as a user's runtime is");
ABSL_FLAG(std::string, workload, "all",
          "pingpong, pingpong_cross, counting, threadring, fjcreation, big, "
          "chameneos, idlemem, or all");
ABSL_FLAG(double, scale, 1.0,
          "multiplies every count of the shared definitions (N, T, M); the "
          "ring size R, the A actors of big and the C chameneos stay");

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const int reactors = absl::GetFlag(FLAGS_reactors);
  if (reactors < 1) {
    std::fprintf(stderr, "--reactors must be at least 1\n");
    return 2;
  }
  gale::bench::WorkloadConfig config;
  config.reactors = static_cast<size_t>(reactors);
  config.scale = absl::GetFlag(FLAGS_scale);
  config.pin_threads = absl::GetFlag(FLAGS_pin_threads);

  const std::vector<
      std::pair<std::string, bool (*)(const gale::bench::WorkloadConfig&)>>
      workloads = {
          {"pingpong", gale::bench::pingpong},
          {"pingpong_cross", gale::bench::pingpong_cross},
          {"callback_pingpong_cross", gale::bench::callback_pingpong_cross},
          {"counting", gale::bench::counting},
          {"threadring", gale::bench::threadring},
          {"fjcreation", gale::bench::fjcreation},
          {"big", gale::bench::big},
          {"chameneos", gale::bench::chameneos},
          {"idlemem", gale::bench::idlemem},
      };
  return gale::bench::run_workloads(workloads, absl::GetFlag(FLAGS_workload),
                                    config);
}
