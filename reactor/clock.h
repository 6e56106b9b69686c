// The reactor's notion of time: the monotonic clock, with nanosecond durations.
// Wall-clock jumps never move a timer.
//
//   gale::TimePoint deadline = gale::Clock::now() +
//   std::chrono::milliseconds(10);
#ifndef GALE_REACTOR_CLOCK_H_
#define GALE_REACTOR_CLOCK_H_

#include <chrono>

namespace gale {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;
using Duration = Clock::duration;

// Adds `delay` to `start`, saturating at TimePoint::max() instead of
// overflowing.
constexpr TimePoint saturating_add(TimePoint start, Duration delay) {
  if (delay <= Duration::zero()) return start;
  if (start.time_since_epoch() > TimePoint::max().time_since_epoch() - delay) {
    return TimePoint::max();
  }
  return start + delay;
}

}  // namespace gale

#endif  // GALE_REACTOR_CLOCK_H_
