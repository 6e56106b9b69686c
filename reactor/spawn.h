// spawn() and run_until_complete(): how a Task starts running on a reactor.
//
//   gale::Task<> serve(gale::Reactor& reactor);
//   gale::TaskHandle handle = gale::spawn(reactor, serve(reactor));  //
//   detached
//   ...
//   handle.cancel();  // its current await throws CancelledError
//
//   int value = gale::run_until_complete(reactor, compute());  // runs the loop
//
// A spawned task's failure (an exception other than CancelledError) goes to
// the reactor's exception handler with the source location of the spawn. A
// reactor destroyed while tasks are suspended destroys their frames first —
// releasing their timers, registrations and waits — and never resumes them.
#ifndef GALE_REACTOR_SPAWN_H_
#define GALE_REACTOR_SPAWN_H_

#include <memory>
#include <source_location>
#include <utility>

#include "reactor/outcome.h"
#include "reactor/reactor.h"
#include "reactor/task.h"

namespace gale {

namespace internal {
struct SpawnedState;
}  // namespace internal

// Refers to a spawned task chain. Cheap to copy; stays valid after the task
// finished (then cancel() does nothing).
class TaskHandle {
 public:
  TaskHandle() = default;

  // True once the task finished (returned, threw or was cancelled).
  // Reactor thread only.
  bool done() const;

  // Asks the task to cancel: its current (or next) await point throws
  // CancelledError. Idempotent. Reactor thread only.
  void cancel();

 private:
  friend TaskHandle spawn(Reactor&, Task<void>, std::source_location);
  explicit TaskHandle(std::shared_ptr<internal::SpawnedState> state)
      : state_(std::move(state)) {}
  std::shared_ptr<internal::SpawnedState> state_;
};

// Runs `task` on `reactor`, detached, starting in the reactor's next
// iteration. Thread-safe: from another thread the start is posted across.
TaskHandle spawn(Reactor& reactor, Task<void> task,
                 std::source_location where = std::source_location::current());

namespace internal {

template <typename T>
Task<void> capture_outcome(Task<T> task, Outcome<T>& outcome,
                           Reactor& reactor) {
  try {
    if constexpr (std::is_void_v<T>) {
      co_await std::move(task);
      outcome = Outcome<T>::from_value();
    } else {
      outcome = Outcome<T>::from_value(co_await std::move(task));
    }
  } catch (...) {
    outcome = Outcome<T>::from_exception(std::current_exception());
  }
  reactor.stop();
}

}  // namespace internal

// Runs the reactor until `task` finishes and returns its value (or rethrows its
// exception). Throws StatusError(FailedPrecondition) if something else stopped
// the reactor first. Reactor thread only; not from inside a callback.
template <typename T>
T run_until_complete(Reactor& reactor, Task<T> task) {
  Outcome<T> outcome;
  spawn(reactor, internal::capture_outcome(std::move(task), outcome, reactor));
  reactor.run();
  if (!outcome.ready()) {
    throw StatusError(absl::FailedPreconditionError(
        "run_until_complete: the reactor stopped before the task finished"));
  }
  return outcome.value();
}

}  // namespace gale

#endif  // GALE_REACTOR_SPAWN_H_
