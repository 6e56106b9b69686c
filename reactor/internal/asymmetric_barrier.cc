#include "reactor/internal/asymmetric_barrier.h"

#include <linux/membarrier.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <mutex>

namespace gale::internal {
namespace {

long membarrier(int command) {
  return ::syscall(__NR_membarrier, command, 0, 0);
}

}  // namespace

std::atomic<bool> g_membarrier_ready{false};

bool enable_asymmetric_barriers() {
  static std::once_flag once;
  std::call_once(once, [] {
    const long supported = membarrier(MEMBARRIER_CMD_QUERY);
    if (supported < 0 || (supported & MEMBARRIER_CMD_PRIVATE_EXPEDITED) == 0)
      return;
    if (membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED) != 0) return;
    g_membarrier_ready.store(true, std::memory_order_seq_cst);
  });
  return g_membarrier_ready.load(std::memory_order_relaxed);
}

void heavy_barrier() {
  if (g_membarrier_ready.load(std::memory_order_relaxed) &&
      membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) == 0) {
    return;
  }
  full_fence();
}

}  // namespace gale::internal
