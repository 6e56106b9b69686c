// ReactorOptions: everything a Reactor can be configured with, in one struct
// with documented defaults (Tornado's Configurable idea as plain data, not
// magic).
//
//   gale::ReactorOptions options;
//   options.backend = gale::SelectorBackend::kPoll;
//   options.slow_callback_threshold = std::chrono::milliseconds(50);
//   auto reactor = gale::Reactor::create(std::move(options));
#ifndef GALE_REACTOR_REACTOR_OPTIONS_H_
#define GALE_REACTOR_REACTOR_OPTIONS_H_

#include <chrono>
#include <exception>
#include <source_location>

#include "absl/functional/any_invocable.h"
#include "reactor/clock.h"

namespace gale {

enum class SelectorBackend {
  kEpoll,  // default: O(ready) waits, nanosecond timeouts
  kPoll,   // fallback: ppoll(2) over every registered descriptor
};

// What a callback that threw leaves behind: the exception and where the
// callback was scheduled (post, call_later or add_handler's caller).
struct CallbackFailure {
  std::exception_ptr exception;
  std::source_location where;
};

// Called on the reactor's thread. Must not throw; if it does, the failure is
// logged.
using ExceptionHandler = absl::AnyInvocable<void(const CallbackFailure&)>;
// Called on the reactor's thread after a callback ran longer than the
// threshold.
using SlowCallbackHandler =
    absl::AnyInvocable<void(std::source_location, Duration)>;

struct ReactorOptions {
  SelectorBackend backend = SelectorBackend::kEpoll;

  // While callbacks keep the ready queue non-empty, the reactor polls for I/O
  // (with a zero timeout) only once this much time has passed since the last
  // poll, so a chain of callbacks runs at memory speed and I/O waits no longer
  // than this.
  Duration io_poll_interval = std::chrono::microseconds(100);

  // A reactor that runs out of work and finds no I/O ready keeps watching its
  // cross-thread queue for this long before it goes to sleep (Seastar's idle
  // poll), so a message that follows within this time costs no eventfd write
  // and no wakeup. Bounded, so an idle reactor still makes no wakeups. Zero
  // turns it off.
  Duration idle_poll = std::chrono::microseconds(20);

  // A callback running longer than this is reported to on_slow_callback. Zero
  // turns the check off; on, it costs two clock reads per callback (asyncio's
  // debug mode).
  Duration slow_callback_threshold = Duration::zero();

  // Default: one line on stderr naming the exception and the callback's source
  // location.
  ExceptionHandler on_exception;
  // Default: one line on stderr naming the callback's source location and its
  // duration.
  SlowCallbackHandler on_slow_callback;
};

}  // namespace gale

#endif  // GALE_REACTOR_REACTOR_OPTIONS_H_
