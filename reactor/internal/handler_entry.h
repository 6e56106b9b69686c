// What a reactor keeps per registered descriptor: an FdWatcher — the owner's
// own, or one the reactor allocates around a callable (OwnedHandler) — and the
// selector token that names the registration. Internal.
#ifndef GALE_REACTOR_INTERNAL_HANDLER_ENTRY_H_
#define GALE_REACTOR_INTERNAL_HANDLER_ENTRY_H_

#include <cstdint>
#include <utility>

#include "reactor/fd_watcher.h"
#include "reactor/io_events.h"

namespace gale::internal {

// add_handler's registration: the watcher calls the callable beside it.
struct OwnedHandler {
  explicit OwnedHandler(IoHandler callable)
      : handler(std::move(callable)), watcher(&OwnedHandler::call, this) {}
  static void call(void* self, IoEvents ready) {
    static_cast<OwnedHandler*>(self)->handler(ready);
  }
  IoHandler handler;
  FdWatcher watcher;
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
