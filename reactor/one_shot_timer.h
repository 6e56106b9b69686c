// OneShotTimer: the one pending timer of an object that arms, re-arms and
// cancels it — a connection's deadline, an acceptor's retry, an idle list's
// next expiry. It owns the TimerId: arming again replaces the pending timer,
// the destructor cancels it, and the timer counts as disarmed by the time its
// callback runs (which may arm it again).
//
//   class Session {
//     gale::OneShotTimer deadline_{reactor};
//     void on_bytes() { deadline_.arm(std::chrono::seconds(5), [this] {
//       close();  // 5 s without bytes
//     }); }
//   };
//
// The callback travels with `this` inside the reactor's timer entry: keep it
// small (a `this` capture) and arming allocates nothing.
//
// Thread contract: Reactor thread only, for arm() and cancel(); a disarmed
// timer touches no reactor, so it may be destroyed on any thread.
#ifndef GALE_REACTOR_ONE_SHOT_TIMER_H_
#define GALE_REACTOR_ONE_SHOT_TIMER_H_

#include <utility>

#include "reactor/clock.h"
#include "reactor/reactor.h"
#include "reactor/timer_heap.h"

namespace gale {

class OneShotTimer {
 public:
  explicit OneShotTimer(Reactor& reactor) : reactor_(&reactor) {}
  ~OneShotTimer() { cancel(); }
  OneShotTimer(const OneShotTimer&) = delete;
  OneShotTimer& operator=(const OneShotTimer&) = delete;

  // Runs `fn` once, `after` from now, in place of any pending timer.
  template <typename Fn>
  void arm(Duration after, Fn fn) {
    cancel();
    id_ = reactor_->call_later(after, [this, fn = std::move(fn)]() mutable {
      id_ = {};  // fired: disarmed before `fn`, which may arm it again
      fn();      // the last touch: `fn` may destroy this timer's owner
    });
  }

  // Drops the pending timer, if any.
  void cancel() {
    if (id_.valid()) reactor_->cancel(std::exchange(id_, {}));
  }

  bool armed() const { return id_.valid(); }

 private:
  Reactor* reactor_;
  TimerId id_{};  // valid while armed
};

}  // namespace gale

#endif  // GALE_REACTOR_ONE_SHOT_TIMER_H_
