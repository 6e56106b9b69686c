// Counts heap allocations made by the whole process (malloc and friends, which
// operator new and every library use), so a benchmark can report allocations
// per operation in its timed region and prove a hot path allocates nothing.
// Linking this library into a binary interposes malloc, calloc, realloc,
// memalign, aligned_alloc and posix_memalign with counting forwarders to
// glibc's own implementations.
//
//   const uint64_t before = gale::bench::allocations();
//   run_workload();
//   std::printf("allocs=%llu\n", gale::bench::allocations() - before);
//
// Thread-safe (a relaxed atomic counter). Benchmarks and tests only: never link
// it into a library.
#ifndef GALE_BENCH_COMMON_ALLOC_COUNTER_H_
#define GALE_BENCH_COMMON_ALLOC_COUNTER_H_

#include <cstdint>

namespace gale::bench {

// Allocations made since the process started.
uint64_t allocations();

// False in sanitizer builds, where the sanitizer owns malloc and nothing is
// counted.
bool allocation_counting_works();

}  // namespace gale::bench

#endif  // GALE_BENCH_COMMON_ALLOC_COUNTER_H_
