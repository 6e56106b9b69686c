// The runtime and the report line every actor workload shares.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "bench/actors/workloads.h"
#include "bench/common/alloc_counter.h"

namespace gale::bench {

std::unique_ptr<Runtime> start_runtime(const WorkloadConfig& config) {
  RuntimeOptions options;
  options.reactors = config.reactors;
  options.offload_threads = 1;
  options.pin_threads = config.pin_threads;
  absl::StatusOr<std::unique_ptr<Runtime>> runtime = Runtime::start(options);
  if (!runtime.ok()) {
    std::fprintf(stderr, "gale: runtime: %s\n",
                 runtime.status().ToString().c_str());
    std::exit(1);
  }
  return *std::move(runtime);
}

void stop_runtime(Runtime& runtime) {
  runtime.stop();
  runtime.wait();
}

void report_rate(const char* workload, const WorkloadConfig& config,
                 const std::string& params, const char* unit, uint64_t count,
                 double seconds, uint64_t allocations, bool ok,
                 const std::string& extra) {
  const std::string counted(unit);
  std::printf("gale %s reactors=%zu %s", workload, config.reactors,
              params.c_str());
  if (counted != "actors") {
    std::printf(" %s=%llu", unit, static_cast<unsigned long long>(count));
  }
  const std::string singular = counted == "msgs" ? "msg" : "actor";
  std::printf(" seconds=%.4f %s_per_sec=%.4g allocs_per_%s=%s%s%s check=%s\n",
              seconds, unit, static_cast<double>(count) / seconds,
              singular.c_str(), per_item(allocations, count).c_str(),
              extra.empty() ? "" : " ", extra.c_str(), ok ? "ok" : "FAIL");
  std::fflush(stdout);
}

std::string per_item(uint64_t allocations, uint64_t count) {
  if (!allocation_counting_works()) return "n/a";
  char text[32];
  std::snprintf(text, sizeof(text), "%.3f",
                static_cast<double>(allocations) / static_cast<double>(count));
  return text;
}

std::string param(const char* key, uint64_t value) {
  return std::string(key) + "=" + std::to_string(value);
}

void explain_failure(const char* workload, const std::string& what) {
  std::fprintf(stderr, "gale %s: %s\n", workload, what.c_str());
}

}  // namespace gale::bench
