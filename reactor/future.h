// Future<T> / Promise<T>: a value (or an exception) produced once, possibly on
// another thread, and consumed once on a reactor. The consumer awaits the
// future from a task or attaches a callback with then(); either way it runs on
// the consumer's own reactor, never on the thread that fulfilled the promise.
//
//   gale::Promise<int> promise;
//   gale::Future<int> future = promise.get_future();
//   std::thread worker([p = std::move(promise)]() mutable { p.set_value(42);
//   }); int value = co_await std::move(future);   // resumes on this reactor
//
// A promise destroyed unfulfilled fails its future with
// StatusError(kAborted, "broken promise"), so a dropped piece of work is never
// a silent hang. Both are single-owner and move-only.
//
// Thread contract: Promise's methods are thread-safe (one fulfilment wins; a
// second is a programmer error). Awaiting a future and then() are Reactor
// thread only; get() blocks a thread that has no reactor. Memory ordering:
// everything the fulfilling thread wrote before set_value() is visible to the
// consumer when it resumes (a mutex orders the handoff, then a post to the
// consumer's reactor). The value is destroyed by the consumer, or with the
// shared state when the last side lets go.
#ifndef GALE_REACTOR_FUTURE_H_
#define GALE_REACTOR_FUTURE_H_

#include <atomic>
#include <condition_variable>
#include <coroutine>
#include <mutex>
#include <source_location>
#include <utility>

#include "absl/status/status.h"
#include "reactor/check.h"
#include "reactor/internal/suspend_point.h"
#include "reactor/internal/task_context.h"
#include "reactor/outcome.h"
#include "reactor/reactor.h"
#include "reactor/spawn.h"
#include "reactor/task.h"

namespace gale {

template <typename T>
class Future;

namespace internal {

// Told on its reactor's thread that the future it waits for is ready.
class FutureWaiter {
 public:
  virtual void on_ready() = 0;

 protected:
  ~FutureWaiter() = default;
};

template <typename T>
class FutureState {
 public:
  void ref() { refs_.fetch_add(1, std::memory_order_relaxed); }
  void unref() {
    if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
  }

  // Any thread. Stores the outcome and, if a waiter is attached, posts its
  // wakeup to the waiter's reactor — under the lock, so that a waiter that
  // detaches (its frame destroyed with its reactor) either sees the post
  // already queued or keeps the fulfiller from posting at all.
  void fulfil(Outcome<T> outcome) {
    std::lock_guard lock(mutex_);
    GALE_CHECK(!outcome_.ready(), "a promise was fulfilled twice");
    outcome_ = std::move(outcome);
    if (waiter_ == nullptr) return;
    if (waiter_reactor_ == nullptr) {  // a blocked thread: wake it here
      std::exchange(waiter_, nullptr)->on_ready();
      return;
    }
    ref();  // owned by the posted delivery, released even if it never runs
    waiter_reactor_->post(Delivery(this));
  }

  // Reactor thread (or, with `reactor` null, a thread without one, whose
  // waiter is told directly from the fulfilling thread). Attaches `waiter`
  // unless the outcome is already there.
  bool attach(FutureWaiter* waiter, Reactor* reactor) {
    std::lock_guard lock(mutex_);
    if (outcome_.ready()) return false;
    waiter_ = waiter;
    waiter_reactor_ = reactor;
    return true;
  }

  // Reactor thread. The waiter no longer wants its wakeup.
  void detach(FutureWaiter* waiter) {
    std::lock_guard lock(mutex_);
    if (waiter_ == waiter) waiter_ = nullptr;
  }

  bool ready() {
    std::lock_guard lock(mutex_);
    return outcome_.ready();
  }

  // After ready, by the single consumer.
  Outcome<T> take() {
    std::lock_guard lock(mutex_);
    return std::move(outcome_);
  }

 private:
  void deliver() {
    FutureWaiter* waiter;
    {
      std::lock_guard lock(mutex_);
      waiter = std::exchange(waiter_, nullptr);
    }
    if (waiter != nullptr) waiter->on_ready();
  }

  // The posted wakeup of a waiter. It holds a reference to the state, which it
  // releases whether it runs or is dropped unrun (its reactor destroyed first).
  class Delivery {
   public:
    explicit Delivery(FutureState* state) : state_(state) {}
    Delivery(Delivery&& other) noexcept
        : state_(std::exchange(other.state_, nullptr)) {}
    Delivery& operator=(Delivery&&) = delete;
    ~Delivery() {
      if (state_ != nullptr) state_->unref();
    }
    void operator()() { state_->deliver(); }

   private:
    FutureState* state_;
  };

  std::atomic<int> refs_{2};  // the promise and the future
  std::mutex mutex_;
  Outcome<T> outcome_;
  FutureWaiter* waiter_ = nullptr;
  Reactor* waiter_reactor_ = nullptr;
};

// Suspends a task until the future is ready. Cancellation detaches it and
// resumes the task with CancelledError; so does nothing else — a frame
// destroyed while waiting simply detaches.
template <typename T>
class FutureAwaiter final : public SuspendPoint, public FutureWaiter {
 public:
  explicit FutureAwaiter(FutureState<T>* state)
      : SuspendPoint(std::source_location::current()), state_(state) {}
  // A frame destroyed while waiting detaches; the state goes with its refs.
  ~FutureAwaiter() {
    if (waiting_) state_->detach(this);
    state_->unref();
  }

  bool await_ready() { return state_->ready(); }

  template <typename Promise>
  bool await_suspend(std::coroutine_handle<Promise> awaiting) {
    if (!enter(awaiting)) return false;
    if (!state_->attach(this, &reactor())) return false;  // ready meanwhile
    waiting_ = true;
    return suspend();
  }

  T await_resume() {
    throw_if_cancelled();
    return state_->take().value();
  }

  void on_ready() override {
    waiting_ = false;
    resume_now();
  }

  void on_cancel() override {
    state_->detach(this);
    waiting_ = false;
    cancel_and_resume_later();
  }

 private:
  FutureState<T>* state_;
  bool waiting_ = false;
};

// Blocks a thread without a reactor until the future is ready.
class BlockingWaiter final : public FutureWaiter {
 public:
  void on_ready() override {
    std::lock_guard lock(mutex_);
    ready_ = true;
    ready_changed_.notify_one();
  }
  void wait() {
    std::unique_lock lock(mutex_);
    ready_changed_.wait(lock, [this] { return ready_; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable ready_changed_;
  bool ready_ = false;
};

template <typename T, typename Fn>
Task<void> run_then(Future<T> future, Fn fn) {
  Outcome<T> outcome;
  try {
    if constexpr (std::is_void_v<T>) {
      co_await std::move(future);
      outcome = Outcome<T>::from_value();
    } else {
      outcome = Outcome<T>::from_value(co_await std::move(future));
    }
  } catch (const CancelledError&) {
    throw;
  } catch (...) {
    outcome = Outcome<T>::from_exception(std::current_exception());
  }
  fn(std::move(outcome));
}

}  // namespace internal

template <typename T>
class [[nodiscard]] Future {
 public:
  Future(Future&& other) noexcept
      : state_(std::exchange(other.state_, nullptr)) {}
  Future& operator=(Future&& other) noexcept {
    if (this != &other) {
      release();
      state_ = std::exchange(other.state_, nullptr);
    }
    return *this;
  }
  ~Future() { release(); }

  // True once the promise was fulfilled (or broken). Thread-safe.
  bool ready() const { return state_ != nullptr && state_->ready(); }

  // The value, or the exception rethrown. Reactor thread only.
  internal::FutureAwaiter<T> operator co_await() && {
    GALE_CHECK(state_ != nullptr, "awaiting an empty or consumed Future");
    return internal::FutureAwaiter<T>(std::exchange(state_, nullptr));
  }

  // Blocks until the promise is fulfilled, then returns the value or rethrows
  // the exception: for threads without a reactor (main, tests, a pool job).
  // On a reactor thread it would freeze the loop, so it aborts there; await
  // the future instead. Thread-safe (off reactor threads).
  T get() && {
    GALE_CHECK(state_ != nullptr, "get() on an empty or consumed Future");
    GALE_CHECK(Reactor::current() == nullptr,
               "Future::get() would block a reactor thread: co_await it");
    internal::FutureState<T>* state = std::exchange(state_, nullptr);
    internal::BlockingWaiter waiter;
    if (state->attach(&waiter, nullptr)) waiter.wait();
    Outcome<T> outcome = state->take();
    state->unref();
    return outcome.value();
  }

  // Calls `fn(Outcome<T>)` on the calling reactor once the future is ready.
  // The wait is a small spawned task: a reactor destroyed first drops it.
  // Reactor thread only.
  template <typename Fn>
  void then(Fn fn,
            std::source_location where = std::source_location::current()) && {
    Reactor* reactor = Reactor::current();
    GALE_CHECK(reactor != nullptr, "Future::then needs a reactor thread");
    spawn(*reactor, internal::run_then<T>(std::move(*this), std::move(fn)),
          where);
  }

 private:
  template <typename U>
  friend class Promise;
  explicit Future(internal::FutureState<T>* state) : state_(state) {}
  void release() {
    if (state_ != nullptr) std::exchange(state_, nullptr)->unref();
  }

  internal::FutureState<T>* state_;
};

template <typename T>
class Promise {
 public:
  Promise() : state_(new internal::FutureState<T>()) {}
  Promise(Promise&& other) noexcept
      : state_(std::exchange(other.state_, nullptr)),
        future_taken_(other.future_taken_),
        fulfilled_(other.fulfilled_) {}
  Promise& operator=(Promise&& other) noexcept {
    if (this != &other) {
      release();
      state_ = std::exchange(other.state_, nullptr);
      future_taken_ = other.future_taken_;
      fulfilled_ = other.fulfilled_;
    }
    return *this;
  }
  // Unfulfilled: breaks the promise (the future fails with kAborted).
  ~Promise() { release(); }

  // The one future of this promise. Thread-safe (once).
  Future<T> get_future() {
    GALE_CHECK(state_ != nullptr && !future_taken_, "get_future called twice");
    future_taken_ = true;
    return Future<T>(state_);
  }

  // Thread-safe.
  template <typename... Args>
  void set_value(Args&&... args) {
    fulfil(Outcome<T>::from_value(std::forward<Args>(args)...));
  }

  // Thread-safe.
  void set_exception(std::exception_ptr error) {
    fulfil(Outcome<T>::from_exception(std::move(error)));
  }

 private:
  void fulfil(Outcome<T> outcome) {
    GALE_CHECK(state_ != nullptr && !fulfilled_,
               "a promise was fulfilled twice");
    fulfilled_ = true;
    state_->fulfil(std::move(outcome));
  }

  void release() {
    if (state_ == nullptr) return;
    if (!fulfilled_) {
      state_->fulfil(Outcome<T>::from_exception(
          std::make_exception_ptr(StatusError(absl::AbortedError(
              "gale: promise destroyed unfulfilled (broken promise)")))));
    }
    // The future side's reference was never handed out: drop it too.
    if (!future_taken_) state_->unref();
    std::exchange(state_, nullptr)->unref();
  }

  internal::FutureState<T>* state_;
  bool future_taken_ = false;
  bool fulfilled_ = false;
};

}  // namespace gale

#endif  // GALE_REACTOR_FUTURE_H_
