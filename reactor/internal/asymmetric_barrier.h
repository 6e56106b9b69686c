// Asymmetric memory barriers: a heavy side that the rare party pays (a reactor
// about to sleep) and a light side that the frequent party pays (every
// cross-thread post). The heavy barrier is
// membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED), which makes every running
// thread of the process execute a full fence before it returns; the light
// barrier is then only a compiler barrier. Together they order a store before a
// load on both sides, as a pair of seq_cst fences would (folly's
// asymmetricHeavyBarrier, liburcu's sys_membarrier flavour), without an mfence
// on the post path.
//
// Where membarrier is unavailable (old kernel, seccomp), both sides fall back
// to a full fence. Internal.
//
// Thread contract: thread-safe.
#ifndef GALE_REACTOR_INTERNAL_ASYMMETRIC_BARRIER_H_
#define GALE_REACTOR_INTERNAL_ASYMMETRIC_BARRIER_H_

#include <atomic>

namespace gale::internal {

// A full (StoreLoad) fence. ThreadSanitizer does not model atomic_thread_fence,
// so under it a locked read-modify-write on a thread-local stands in: on x86
// any locked instruction is a full barrier.
inline void full_fence() {
#if defined(__SANITIZE_THREAD__)
  thread_local std::atomic<int> barrier{0};
  barrier.fetch_add(0, std::memory_order_seq_cst);
#else
  std::atomic_thread_fence(std::memory_order_seq_cst);
#endif
}

// True once membarrier has been registered for this process. Written once,
// early, by enable_asymmetric_barriers(); read relaxed on every light barrier.
extern std::atomic<bool> g_membarrier_ready;

// Registers the process for expedited membarrier (idempotent). Returns whether
// the heavy barrier is a membarrier from now on.
bool enable_asymmetric_barriers();

// The frequent side: a compiler barrier, or a full fence without membarrier.
inline void light_barrier() {
  if (g_membarrier_ready.load(std::memory_order_relaxed)) {
    std::atomic_signal_fence(std::memory_order_seq_cst);
  } else {
    full_fence();
  }
}

// The rare side: a system-wide fence (a syscall), or a full fence without
// membarrier.
void heavy_barrier();

}  // namespace gale::internal

#endif  // GALE_REACTOR_INTERNAL_ASYMMETRIC_BARRIER_H_
