// AskState: the rendezvous of one ask — the promise behind the asker's
// Future, the timeout timer, and the race between them. Whichever comes first
// on the timer's reactor (the reply or the deadline) fulfils the promise; the
// reply also cancels the timer there, so a long timeout leaves nothing behind
// in the heap once answered. Internal.
//
// Where it runs: the timer lives on the asker's reactor (or, for an ask from a
// thread without a reactor, on the target's). A reply made on another thread
// is posted there. Only a reply that can no longer be posted — its envelope
// destroyed unrun while the runtime tears down — fulfils the promise directly
// from the destroying thread; the atomic `done_` settles that race with the
// timer.
//
// Thread contract: as described above; the outcome handed across is written
// before the post and read after it (release/acquire through the queue).
#ifndef GALE_ACTORS_INTERNAL_ASK_STATE_H_
#define GALE_ACTORS_INTERNAL_ASK_STATE_H_

#include <atomic>
#include <exception>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "actors/internal/detached_status.h"
#include "reactor/clock.h"
#include "reactor/future.h"
#include "reactor/outcome.h"
#include "reactor/reactor.h"
#include "reactor/timer_heap.h"

namespace gale::internal {

template <typename R>
class AskState {
 public:
  explicit AskState(Reactor& timer_home) : timer_home_(&timer_home) {}

  Future<R> get_future() { return promise_.get_future(); }

  // Thread-safe: arms the deadline on the timer's reactor (posted there, so
  // ahead of the message, from any other thread).
  void arm(TimePoint deadline, Duration timeout) {
    ref();  // the timer's
    if (timer_home_->in_loop_thread()) {
      timer_ = timer_home_->call_at(deadline, Expiry(this, timeout));
    } else {
      timer_home_->post([expiry = Expiry(this, timeout), deadline]() mutable {
        AskState* state = expiry.state();
        state->timer_ =
            state->timer_home_->call_at(deadline, std::move(expiry));
      });
    }
  }

  // Any thread, with posting allowed: the reply (or rejection) travels to
  // the timer's reactor, which settles the race there.
  void complete(Outcome<R> outcome) {
    if (timer_home_->in_loop_thread()) {
      settle(std::move(outcome));
      return;
    }
    pending_ = std::move(outcome);
    ref();
    timer_home_->post(Settle(this));
  }

  // Any thread, without posting: the reply's last chance (see above).
  void abandon(const absl::Status& why) {
    fulfil_once(Outcome<R>::from_exception(
        std::make_exception_ptr(StatusError(detached(why)))));
  }

  void ref() { refs_.fetch_add(1, std::memory_order_relaxed); }
  void unref() {
    if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
  }

 private:
  // Timer reactor thread only.
  void settle(Outcome<R> outcome) {
    if (!fulfil_once(std::move(outcome))) return;
    if (armed()) timer_home_->cancel(timer_);
  }

  bool fulfil_once(Outcome<R> outcome) {
    if (done_.exchange(true, std::memory_order_acq_rel)) return false;
    if (outcome.has_value()) {
      if constexpr (std::is_void_v<R>) {
        promise_.set_value();
      } else {
        promise_.set_value(std::move(outcome).value());
      }
    } else {
      promise_.set_exception(outcome.exception());
    }
    return true;
  }

  bool armed() const { return timer_ != TimerId(); }

  // The deadline's callback; holds a reference until it runs or is dropped.
  class Expiry {
   public:
    Expiry(AskState* state, Duration timeout)
        : state_(state), timeout_(timeout) {}
    Expiry(Expiry&& other) noexcept
        : state_(std::exchange(other.state_, nullptr)),
          timeout_(other.timeout_) {}
    Expiry& operator=(Expiry&&) = delete;
    ~Expiry() {
      if (state_ != nullptr) state_->unref();
    }
    AskState* state() const { return state_; }
    void operator()() {
      state_->timer_ = TimerId();
      state_->fulfil_once(Outcome<R>::from_exception(std::make_exception_ptr(
          StatusError(absl::DeadlineExceededError(absl::StrCat(
              "gale: ask timed out after ",
              absl::FormatDuration(absl::FromChrono(timeout_))))))));
    }

   private:
    AskState* state_;
    Duration timeout_;
  };

  // The posted reply; dropped unrun, it abandons instead.
  class Settle {
   public:
    explicit Settle(AskState* state) : state_(state) {}
    Settle(Settle&& other) noexcept
        : state_(std::exchange(other.state_, nullptr)) {}
    Settle& operator=(Settle&&) = delete;
    ~Settle() {
      if (state_ == nullptr) return;
      state_->fulfil_once(std::move(state_->pending_));
      state_->unref();
    }
    void operator()() {
      AskState* state = std::exchange(state_, nullptr);
      state->settle(std::move(state->pending_));
      state->unref();
    }

   private:
    AskState* state_;
  };

  ~AskState() = default;

  std::atomic<int> refs_{1};
  std::atomic<bool> done_{false};
  Promise<R> promise_;
  Reactor* timer_home_;
  TimerId timer_;
  Outcome<R> pending_;
};

// The sender's side of an ask, carried in its envelope: replies once, and if
// destroyed without replying (the envelope dropped unrun), abandons.
template <typename R>
class AskReply {
 public:
  explicit AskReply(AskState<R>* state) : state_(state) {}  // adopts a ref
  AskReply(AskReply&& other) noexcept
      : state_(std::exchange(other.state_, nullptr)) {}
  AskReply& operator=(AskReply&&) = delete;
  ~AskReply() {
    if (state_ == nullptr) return;
    state_->abandon(absl::UnavailableError(
        "gale: the ask was dropped unhandled (runtime stopped)"));
    state_->unref();
  }

  // Once; later calls do nothing.
  void complete(Outcome<R> outcome) {
    AskState<R>* state = std::exchange(state_, nullptr);
    if (state == nullptr) return;
    state->complete(std::move(outcome));
    state->unref();
  }
  void fail(std::exception_ptr error) {
    complete(Outcome<R>::from_exception(std::move(error)));
  }
  void fail(const absl::Status& why) {
    fail(std::make_exception_ptr(StatusError(detached(why))));
  }

 private:
  AskState<R>* state_;
};

}  // namespace gale::internal

#endif  // GALE_ACTORS_INTERNAL_ASK_STATE_H_
