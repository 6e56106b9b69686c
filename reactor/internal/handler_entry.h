// HandlerEntry: what a reactor keeps per registered descriptor. Internal.
#ifndef GALE_REACTOR_INTERNAL_HANDLER_ENTRY_H_
#define GALE_REACTOR_INTERNAL_HANDLER_ENTRY_H_

#include <cstdint>
#include <source_location>

#include "reactor/io_events.h"

namespace gale::internal {

struct HandlerEntry {
  IoHandler handler;
  std::source_location where;
  IoEvents interest = kNoEvents;  // what the user asked for
  IoEvents applied = kNoEvents;   // what the selector was last told
  uint32_t generation =
      0;               // tells this registration from earlier ones of the fd
  bool dirty = false;  // queued in dirty_fds_ for apply_interest_changes
};

// The selector token of a registration: generation in the high half, fd in the
// low half.
inline uint64_t handler_token(int fd, uint32_t generation) {
  return (static_cast<uint64_t>(generation) << 32) | static_cast<uint32_t>(fd);
}
inline int token_fd(uint64_t token) {
  return static_cast<int>(token & 0xffffffffu);
}
inline uint32_t token_generation(uint64_t token) {
  return static_cast<uint32_t>(token >> 32);
}

// Generation 0 is never given to a handler: it marks the reactor's own wakeup
// eventfd.
inline constexpr uint32_t kWakeupGeneration = 0;

}  // namespace gale::internal

#endif  // GALE_REACTOR_INTERNAL_HANDLER_ENTRY_H_
