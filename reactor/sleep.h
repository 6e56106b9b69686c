// sleep() and yield(): the two ways a task gives the reactor back its thread.
//
//   gale::Task<> ticker() {
//     for (;;) {
//       co_await gale::sleep(std::chrono::milliseconds(10));  // never early
//       tick();
//     }
//   }
//   gale::Task<> long_loop() {
//     for (int i = 0; i < 20'000'000; ++i) {
//       step(i);
//       if (i % 1'000'000 == 0) co_await gale::yield();  // let others run
//     }
//   }
//
// Both are cancellable: if the task's chain is cancelled while it waits, the
// timer is given back at once and the await throws CancelledError.
//
// Thread contract: Reactor thread only (awaited from a gale::Task).
#ifndef GALE_REACTOR_SLEEP_H_
#define GALE_REACTOR_SLEEP_H_

#include <coroutine>
#include <source_location>

#include "reactor/clock.h"
#include "reactor/internal/timer_awaiter.h"

namespace gale {

// Suspends the task for at least `delay`.
inline internal::TimerAwaiter sleep(
    Duration delay,
    std::source_location where = std::source_location::current()) {
  return internal::TimerAwaiter::after(delay, where);
}

// Suspends the task until `deadline`.
inline internal::TimerAwaiter sleep_until(
    TimePoint deadline,
    std::source_location where = std::source_location::current()) {
  return internal::TimerAwaiter::at(deadline, where);
}

// Goes to the back of the line: the task resumes through the ready queue in
// the next iteration, after the timers due by then and the callbacks and tasks
// that were ready when it yielded.
inline internal::TimerAwaiter yield(
    std::source_location where = std::source_location::current()) {
  return internal::TimerAwaiter::next_iteration(where);
}

}  // namespace gale

#endif  // GALE_REACTOR_SLEEP_H_
