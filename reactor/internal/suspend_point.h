// SuspendPoint: the half that every Gale leaf awaitable (sleep, yield, future,
// fd wait) shares — joining the awaiting chain's context, refusing to suspend
// once the chain is cancelled, standing as the chain's cancel hook while
// suspended, and resuming the task: now when its wakeup fires, or later,
// through the ready queue, after a cancel. The derived awaitable arms and
// disarms its own wakeup. Internal.
//
//   template <typename Promise>
//   bool await_suspend(std::coroutine_handle<Promise> awaiting) {
//     if (!enter(awaiting)) return false;  // already cancelled
//     arm_the_wakeup();                     // which calls resume_now()
//     return suspend();
//   }
//   void on_cancel() override { disarm_the_wakeup(); cancel_and_resume_later();
//   }
//
// Thread contract: Reactor thread only.
#ifndef GALE_REACTOR_INTERNAL_SUSPEND_POINT_H_
#define GALE_REACTOR_INTERNAL_SUSPEND_POINT_H_

#include <coroutine>
#include <source_location>

#include "reactor/internal/task_context.h"
#include "reactor/reactor.h"
#include "reactor/task.h"

namespace gale::internal {

class SuspendPoint : public CancelHook {
 public:
  SuspendPoint(const SuspendPoint&) = delete;
  SuspendPoint& operator=(const SuspendPoint&) = delete;

 protected:
  explicit SuspendPoint(std::source_location where) : where_(where) {}

  // A frame destroyed while suspended here: the derived destructor has
  // disarmed the wakeup; the chain must not call this hook any more.
  ~SuspendPoint() {
    if (suspended_) context_->resumed_from(this);
  }

  // First step of await_suspend. False: the chain is already cancelled, so do
  // not suspend (await_resume then throws CancelledError).
  template <typename Promise>
  bool enter(std::coroutine_handle<Promise> awaiting) {
    context_ = &context_of(awaiting);
    if (context_->cancel_requested()) {
      cancelled_ = true;
      return false;
    }
    awaiting_ = awaiting;
    return true;
  }

  // Last step of await_suspend, once the wakeup is armed.
  bool suspend() {
    suspended_ = true;
    context_->suspend_in(this);
    return true;
  }

  // The wakeup fired: resume the task now.
  void resume_now() {
    suspended_ = false;
    context_->resumed_from(this);
    awaiting_.resume();
  }

  // From on_cancel, after disarming: resume soon, through the ready queue,
  // never from inside the cancel call. (A suspended frame is destroyed only
  // with its reactor, which then drops this callback unrun.)
  void cancel_and_resume_later() {
    suspended_ = false;
    cancelled_ = true;
    reactor().post([this] { awaiting_.resume(); }, where_);
  }

  // The wakeup fired where resuming at once is not safe (inside a call of
  // the object being waited on, which may be destroyed by the task): resume
  // through the ready queue. A frame destroyed meanwhile is destroyed only
  // with its reactor, which drops this callback unrun.
  void resume_later() {
    suspended_ = false;
    context_->resumed_from(this);
    reactor().post([this] { awaiting_.resume(); }, where_);
  }

  // From on_cancel when the armed wakeup will resume the task anyway.
  void mark_cancelled() { cancelled_ = true; }

  void throw_if_cancelled() const {
    if (cancelled_) throw CancelledError();
  }

  Reactor& reactor() const { return context_->reactor(); }
  std::source_location where() const { return where_; }

 private:
  std::source_location where_;
  TaskContext* context_ = nullptr;
  std::coroutine_handle<> awaiting_;
  bool suspended_ = false;
  bool cancelled_ = false;
};

}  // namespace gale::internal

#endif  // GALE_REACTOR_INTERNAL_SUSPEND_POINT_H_
