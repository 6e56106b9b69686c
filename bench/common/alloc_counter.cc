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

// One counter per thread, each on a cache line of its own: a shared counter
// would bounce between the cores of a cross-thread benchmark on every malloc
// and slow down exactly what it measures. Threads beyond kSlots share slots.
constexpr int kSlots = 64;
struct alignas(64) Slot {
  std::atomic<uint64_t> allocations{0};
};
Slot g_slots[kSlots];
std::atomic<int> g_next_slot{0};
thread_local int t_slot __attribute__((tls_model("initial-exec"))) = -1;

[[maybe_unused]] void count() {
  if (t_slot < 0) {
    t_slot = g_next_slot.fetch_add(1, std::memory_order_relaxed) % kSlots;
  }
  g_slots[t_slot].allocations.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace

namespace gale::bench {

uint64_t allocations() {
  uint64_t total = 0;
  for (const Slot& slot : g_slots) {
    total += slot.allocations.load(std::memory_order_relaxed);
  }
  return total;
}

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
