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

#include "reactor/internal/suspend_point.h"
#include "reactor/internal/task_context.h"
#include "reactor/reactor.h"
#include "reactor/task.h"

namespace gale::internal {

class TimerAwaiter final : public SuspendPoint {
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

  // A frame destroyed while suspended here gives the timer back.
  ~TimerAwaiter() {
    if (timer_.valid()) reactor().cancel(timer_);
  }

  bool await_ready() const noexcept { return false; }

  template <typename Promise>
  bool await_suspend(std::coroutine_handle<Promise> awaiting) {
    if (!enter(awaiting)) return false;
    if (kind_ == Kind::kYield) {
      reactor().post([this] { resume_now(); }, where());
    } else {
      timer_ = reactor().call_at(
          first_deadline(), [this] { fire(); }, where());
    }
    return suspend();
  }

  void await_resume() const { throw_if_cancelled(); }

  void on_cancel() override {
    if (kind_ == Kind::kYield) {
      mark_cancelled();  // its turn comes anyway; then it throws
      return;
    }
    reactor().cancel(std::exchange(timer_, TimerId()));
    cancel_and_resume_later();
  }

 private:
  TimerAwaiter(Kind kind, Duration delay, TimePoint deadline,
               std::source_location where)
      : SuspendPoint(where), kind_(kind), delay_(delay), deadline_(deadline) {}

  TimePoint first_deadline() const {
    return kind_ == Kind::kDelay ? saturating_add(Clock::now(), delay_)
                                 : deadline_;
  }

  void fire() {
    timer_ = TimerId();
    resume_now();
  }

  Kind kind_;
  Duration delay_;
  TimePoint deadline_;
  TimerId timer_;
};

}  // namespace gale::internal

#endif  // GALE_REACTOR_INTERNAL_TIMER_AWAITER_H_
