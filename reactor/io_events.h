// Readiness of a file descriptor, as a reactor reports it to a handler. A
// handler asks for kReadable and/or kWritable; kIoError (error or hang-up) is
// always reported, whatever the interest, because a handler must learn that its
// descriptor is dead.
//
//   reactor.add_handler(fd, gale::kReadable, [](gale::IoEvents events) {
//     if (events & gale::kIoError) { /* close */ }
//   });
#ifndef GALE_REACTOR_IO_EVENTS_H_
#define GALE_REACTOR_IO_EVENTS_H_

#include <cstdint>

#include "absl/functional/any_invocable.h"

namespace gale {

using IoEvents = uint32_t;

inline constexpr IoEvents kNoEvents = 0;
inline constexpr IoEvents kReadable = 1u << 0;
inline constexpr IoEvents kWritable = 1u << 1;
inline constexpr IoEvents kIoError = 1u << 2;

// Called on the reactor's thread with the events that are ready on its
// descriptor.
using IoHandler = absl::AnyInvocable<void(IoEvents)>;

}  // namespace gale

#endif  // GALE_REACTOR_IO_EVENTS_H_
