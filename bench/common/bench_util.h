// Small helpers shared by the benchmarks: the splitmix64 generator of the
// shared workload definitions, heap pre-faulting, page-fault counts and elapsed
// seconds.
//
//   gale::bench::SplitMix64 random(42);
//   gale::bench::prefault_heap(512 << 20);
//   const auto start = gale::bench::Stopwatch::start();
//   ...;
//   double seconds = start.seconds();
#ifndef GALE_BENCH_COMMON_BENCH_UTIL_H_
#define GALE_BENCH_COMMON_BENCH_UTIL_H_

#include <malloc.h>
#include <sys/resource.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

namespace gale::bench {

// splitmix64, exactly as ../shared/bench/reactor-workloads.md defines it.
class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  uint64_t next() {
    state_ += 0x9E3779B97F4A7C15ull;
    uint64_t z = state_;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }

 private:
  uint64_t state_;
};

// xorshift64 (Marsaglia's 13, 7, 17): the per-actor generator of the big
// actor workload, seeded from splitmix64 of the actor's index on both sides.
class XorShift64 {
 public:
  explicit XorShift64(uint64_t seed) : state_(seed == 0 ? 1 : seed) {}
  uint64_t next() {
    state_ ^= state_ << 13;
    state_ ^= state_ >> 7;
    state_ ^= state_ << 17;
    return state_;
  }

 private:
  uint64_t state_;
};

// Runs the workload named `wanted` ("all": each in turn) with `config`, and
// returns the process's exit code: 0 if every check passed, 1 if one failed,
// 2 if no workload has that name.
template <typename Config>
int run_workloads(
    const std::vector<std::pair<std::string, bool (*)(const Config&)>>&
        workloads,
    const std::string& wanted, const Config& config) {
  bool ran = false;
  bool all_ok = true;
  for (const auto& [name, run] : workloads) {
    if (wanted != "all" && wanted != name) continue;
    ran = true;
    all_ok = run(config) && all_ok;
    std::fflush(stdout);
  }
  if (!ran) {
    std::fprintf(stderr, "unknown --workload=%s\n", wanted.c_str());
    return 2;
  }
  return all_ok ? 0 : 1;
}

// Touches `bytes` of heap in blocks the allocator keeps (below its mmap
// threshold), then frees them, so the timed region does not pay ~12 µs per
// fresh page.
inline void prefault_heap(size_t bytes) {
  constexpr size_t kBlock = 64 * 1024;
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  mallopt(M_MMAP_MAX, 0);
  std::vector<void*> blocks;
  blocks.reserve(bytes / kBlock + 1);
  for (size_t done = 0; done < bytes; done += kBlock) {
    // volatile: otherwise the compiler may drop the malloc, the writes and the
    // free.
    volatile char* block = static_cast<volatile char*>(std::malloc(kBlock));
    for (size_t page = 0; page < kBlock; page += 4096) block[page] = 1;
    blocks.push_back(const_cast<char*>(block));
  }
  for (void* block : blocks) std::free(block);
}

// Minor page faults of the process so far.
inline long minor_faults() {
  rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_minflt;
}

class Stopwatch {
 public:
  static Stopwatch start() {
    return Stopwatch(std::chrono::steady_clock::now());
  }
  double seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                         start_)
        .count();
  }
  std::chrono::steady_clock::time_point started() const { return start_; }

 private:
  explicit Stopwatch(std::chrono::steady_clock::time_point start)
      : start_(start) {}
  std::chrono::steady_clock::time_point start_;
};

}  // namespace gale::bench

#endif  // GALE_BENCH_COMMON_BENCH_UTIL_H_
