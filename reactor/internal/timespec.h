// Conversion of a wait timeout to the kernel's timespec, shared by both
// selectors.
#ifndef GALE_REACTOR_INTERNAL_TIMESPEC_H_
#define GALE_REACTOR_INTERNAL_TIMESPEC_H_

#include <time.h>

#include "reactor/internal/selector.h"

namespace gale::internal {

// Returns nullptr for kWaitForever, else `storage` filled with `timeout`
// (negative → 0).
inline const timespec* to_timespec(Duration timeout, timespec& storage) {
  if (timeout == kWaitForever) return nullptr;
  const auto ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(timeout).count();
  const long long clamped = ns < 0 ? 0 : ns;
  storage.tv_sec = static_cast<time_t>(clamped / 1'000'000'000);
  storage.tv_nsec = static_cast<long>(clamped % 1'000'000'000);
  return &storage;
}

}  // namespace gale::internal

#endif  // GALE_REACTOR_INTERNAL_TIMESPEC_H_
