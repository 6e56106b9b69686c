// ReactorStats: counters of one reactor, for tests, benchmarks and monitoring.
// Every counter is cumulative since the reactor was created.
//
//   gale::ReactorStats s = reactor.stats();
//   std::printf("%llu polls in %llu iterations\n", s.polls, s.iterations);
#ifndef GALE_REACTOR_REACTOR_STATS_H_
#define GALE_REACTOR_REACTOR_STATS_H_

#include <cstdint>

namespace gale {

struct ReactorStats {
  uint64_t iterations = 0;     // loop iterations
  uint64_t polls = 0;          // waits on the selector that returned
  uint64_t sleeps = 0;         // of those, waits that could block
  uint64_t io_events = 0;      // handler invocations for fd readiness
  uint64_t callbacks_run = 0;  // posted callbacks run (local and cross-thread)
  uint64_t timers_fired = 0;   // timer callbacks run
  uint64_t timers_cancelled = 0;  // successful cancel() calls
  uint64_t timers_pending = 0;    // scheduled and not yet fired or cancelled
  uint64_t timer_heap_entries =
      0;  // heap size, cancelled-but-not-dropped included
  uint64_t timer_heap_compactions =
      0;  // rebuilds that dropped cancelled entries
  uint64_t wakeups_written =
      0;                    // eventfd writes by other threads to wake this one
  uint64_t exceptions = 0;  // callbacks that threw
  uint64_t slow_callbacks = 0;  // callbacks over the slow-callback threshold
};

}  // namespace gale

#endif  // GALE_REACTOR_REACTOR_STATS_H_
