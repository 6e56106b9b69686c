#include "bench/common/alloc_counter.h"

#include <atomic>
#include <cstddef>

// Sanitizers interpose malloc themselves; under them this library counts
// nothing and allocation_counting_works() says so.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define GALE_COUNT_ALLOCATIONS 0
#else
#define GALE_COUNT_ALLOCATIONS 1
#endif

// glibc's own allocator entry points, which the interposers forward to.
// NOLINTBEGIN(bugprone-reserved-identifier, readability-identifier-naming)
extern "C" {
void* __libc_malloc(size_t size);
void* __libc_calloc(size_t count, size_t size);
void* __libc_realloc(void* pointer, size_t size);
void* __libc_memalign(size_t alignment, size_t size);
}
// NOLINTEND(bugprone-reserved-identifier, readability-identifier-naming)

namespace {

std::atomic<uint64_t> g_allocations{0};

[[maybe_unused]] void count() {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace

namespace gale::bench {

uint64_t allocations() { return g_allocations.load(std::memory_order_relaxed); }

bool allocation_counting_works() { return GALE_COUNT_ALLOCATIONS; }

}  // namespace gale::bench

#if GALE_COUNT_ALLOCATIONS
extern "C" {

void* malloc(size_t size) {
  count();
  return __libc_malloc(size);
}

void* calloc(size_t count_of, size_t size) {
  count();
  return __libc_calloc(count_of, size);
}

void* realloc(void* pointer, size_t size) {
  count();
  return __libc_realloc(pointer, size);
}

void* memalign(size_t alignment, size_t size) {
  count();
  return __libc_memalign(alignment, size);
}

void* aligned_alloc(size_t alignment, size_t size) {
  count();
  return __libc_memalign(alignment, size);
}

int posix_memalign(void** result, size_t alignment, size_t size) {
  count();
  void* pointer = __libc_memalign(alignment, size);
  if (pointer == nullptr) return 12;  // ENOMEM
  *result = pointer;
  return 0;
}

}  // extern "C"
#endif  // GALE_COUNT_ALLOCATIONS
