// Reactor::invoke, the callback boundary, shared by the files that implement
// Reactor: it runs one callback, catches what it throws, and times it when
// slow-callback detection is on. A template, so that the common path inlines
// into each phase's loop. Internal.
#ifndef GALE_REACTOR_INTERNAL_INVOKE_H_
#define GALE_REACTOR_INTERNAL_INVOKE_H_

#include "reactor/reactor.h"

namespace gale {

template <typename Fn>
void Reactor::invoke(Fn&& fn, std::source_location where) {
  const bool timed = options_.slow_callback_threshold > Duration::zero();
  const TimePoint start = timed ? Clock::now() : TimePoint();
  try {
    fn();
  } catch (...) {
    report_exception(where);
  }
  if (timed) {
    const Duration took = Clock::now() - start;
    if (took > options_.slow_callback_threshold) report_slow(where, took);
  }
}

}  // namespace gale

#endif  // GALE_REACTOR_INTERNAL_INVOKE_H_
