// TaskContext: what a chain of awaiting tasks shares while it runs on a reactor
// — the reactor, whether the chain was asked to cancel, and the awaitable it is
// suspended in, if any (which knows how to give back its timer or registration
// and resume the chain with CancelledError). Internal; tasks reach it through
// their promise.
//
// Thread contract: Reactor thread only.
#ifndef GALE_REACTOR_INTERNAL_TASK_CONTEXT_H_
#define GALE_REACTOR_INTERNAL_TASK_CONTEXT_H_

#include <exception>
#include <utility>

namespace gale {

class Reactor;

// Thrown at the await point of a task whose chain was cancelled.
class CancelledError : public std::exception {
 public:
  const char* what() const noexcept override { return "gale: task cancelled"; }
};

namespace internal {

// Implemented by awaitables that can be interrupted by cancellation.
class CancelHook {
 public:
  // Called once, on the reactor thread, while the task is suspended in the
  // awaitable: release what it holds and arrange for the task to resume (later,
  // never from inside this call) and throw CancelledError.
  virtual void on_cancel() = 0;

 protected:
  ~CancelHook() = default;
};

class TaskContext {
 public:
  explicit TaskContext(Reactor* reactor) : reactor_(reactor) {}
  TaskContext(const TaskContext&) = delete;
  TaskContext& operator=(const TaskContext&) = delete;

  Reactor& reactor() const { return *reactor_; }
  bool cancel_requested() const { return cancel_requested_; }

  // Asks the chain to cancel: interrupts the awaitable it is suspended in, or
  // the next one it awaits. Idempotent.
  void request_cancel() {
    if (cancel_requested_) return;
    cancel_requested_ = true;
    if (CancelHook* hook = std::exchange(suspended_in_, nullptr))
      hook->on_cancel();
  }

  // Awaitables register while suspended and unregister when resumed.
  void suspend_in(CancelHook* hook) { suspended_in_ = hook; }
  void resumed_from(CancelHook* hook) {
    if (suspended_in_ == hook) suspended_in_ = nullptr;
  }

 private:
  Reactor* reactor_;
  bool cancel_requested_ = false;
  CancelHook* suspended_in_ = nullptr;
};

}  // namespace internal
}  // namespace gale

#endif  // GALE_REACTOR_INTERNAL_TASK_CONTEXT_H_
