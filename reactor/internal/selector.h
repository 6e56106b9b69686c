// Selector: the readiness-polling backend under a Reactor (epoll by default,
// poll(2) as a fallback). Internal: users pick a backend through
// ReactorOptions, never call this.
//
// A selector knows descriptors, their interest and an opaque 64-bit token per
// registration; wait() reports (token, events) pairs. The reactor puts a
// generation in the token so that a stale event for a descriptor removed and
// re-added in the same batch is dropped (libuv's rule).
//
// Thread contract: Reactor thread only, every method.
#ifndef GALE_REACTOR_INTERNAL_SELECTOR_H_
#define GALE_REACTOR_INTERNAL_SELECTOR_H_

#include <cstdint>
#include <memory>
#include <span>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "reactor/clock.h"
#include "reactor/io_events.h"

namespace gale::internal {

struct ReadyEvent {
  uint64_t token;
  IoEvents events;
};

// Passed to wait() to block until an event arrives.
inline constexpr Duration kWaitForever = Duration::max();

class Selector {
 public:
  virtual ~Selector() = default;

  virtual absl::Status add(int fd, IoEvents interest, uint64_t token) = 0;
  virtual absl::Status modify(int fd, IoEvents interest, uint64_t token) = 0;
  // Unregisters `fd`. A descriptor the kernel already forgot (closed) is not an
  // error.
  virtual absl::Status remove(int fd) = 0;
  // Unregisters `fd`, which its owner closes next (and has not duplicated).
  // epoll needs no call: closing a descriptor takes it out of the set.
  virtual void forget_closing(int fd) { (void)remove(fd); }

  // Waits up to `timeout` (zero: do not block; kWaitForever: no limit) and
  // returns the ready events, valid until the next call. An interrupted wait
  // returns no events.
  virtual absl::StatusOr<std::span<const ReadyEvent>> wait(
      Duration timeout) = 0;

  virtual const char* name() const = 0;
};

absl::StatusOr<std::unique_ptr<Selector>> make_epoll_selector();
absl::StatusOr<std::unique_ptr<Selector>> make_poll_selector();

}  // namespace gale::internal

#endif  // GALE_REACTOR_INTERNAL_SELECTOR_H_
