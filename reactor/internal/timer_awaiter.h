// TimerAwaiter: suspends a task until a timer of its reactor fires (sleep(),
// sleep_until()) or until its turn comes in the ready queue (yield()). A
// pending timer is given back in O(1) when the task is cancelled or its frame
// destroyed. Resumptions that go through the ready queue (a yield, the resume
// after a cancel) need no giving back: a suspended frame is only ever destroyed
// when its reactor is, and then queued callbacks are dropped unrun.
// Internal; see reactor/sleep.h.
//
// Thread contract: Reactor thread only.
#ifndef GALE_REACTOR_INTERNAL_TIMER_AWAITER_H_
#define GALE_REACTOR_INTERNAL_TIMER_AWAITER_H_

#include <coroutine>
#include <source_location>

#include "reactor/internal/task_context.h"
#include "reactor/reactor.h"
#include "reactor/task.h"

namespace gale::internal {

class TimerAwaiter final : public CancelHook {
 public:
  enum class Kind { kDelay, kDeadline, kYield };

  static TimerAwaiter after(Duration delay, std::source_location where) {
    return TimerAwaiter(Kind::kDelay, delay, TimePoint(), where);
  }
  static TimerAwaiter at(TimePoint deadline, std::source_location where) {
    return TimerAwaiter(Kind::kDeadline, Duration::zero(), deadline, where);
  }
  static TimerAwaiter next_iteration(std::source_location where) {
    return TimerAwaiter(Kind::kYield, Duration::zero(), TimePoint(), where);
  }

  TimerAwaiter(const TimerAwaiter&) = delete;
  TimerAwaiter& operator=(const TimerAwaiter&) = delete;

  // A frame destroyed while suspended here gives the timer back.
  ~TimerAwaiter() {
    if (context_ != nullptr && timer_.valid()) {
      context_->reactor().cancel(timer_);
      context_->resumed_from(this);
    }
  }

  bool await_ready() const noexcept { return false; }

  template <typename Promise>
  bool await_suspend(std::coroutine_handle<Promise> awaiting) {
    context_ = &context_of(awaiting);
    if (context_->cancel_requested()) {
      cancelled_ = true;
      return false;
    }
    awaiting_ = awaiting;
    if (kind_ == Kind::kYield) {
      context_->reactor().post([this] { fire(); }, where_);
    } else {
      arm(first_deadline());
    }
    context_->suspend_in(this);
    return true;
  }

  void await_resume() const {
    if (cancelled_) throw CancelledError();
  }

  void on_cancel() override {
    cancelled_ = true;
    if (kind_ == Kind::kYield) return;  // its turn comes anyway; then it throws
    context_->reactor().cancel(timer_);
    timer_ = TimerId();
    // Resume soon, from the reactor, never from inside the cancel call.
    context_->reactor().post([this] { fire(); }, where_);
  }

 private:
  TimerAwaiter(Kind kind, Duration delay, TimePoint deadline,
               std::source_location where)
      : kind_(kind), delay_(delay), deadline_(deadline), where_(where) {}

  TimePoint first_deadline() const {
    return kind_ == Kind::kDelay ? saturating_add(Clock::now(), delay_) : deadline_;
  }

  void arm(TimePoint deadline) {
    timer_ = context_->reactor().call_at(
        deadline, [this] { fire(); }, where_);
  }

  void fire() {
    timer_ = TimerId();
    context_->resumed_from(this);
    awaiting_.resume();
  }

  Kind kind_;
  Duration delay_;
  TimePoint deadline_;
  std::source_location where_;
  TaskContext* context_ = nullptr;
  std::coroutine_handle<> awaiting_;
  TimerId timer_;
  bool cancelled_ = false;
};

}  // namespace gale::internal

#endif  // GALE_REACTOR_INTERNAL_TIMER_AWAITER_H_
