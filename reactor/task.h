// Task<T>: a lazy C++20 coroutine that runs on a reactor. Nothing runs until
// the task is awaited by another task or handed to spawn() /
// run_until_complete(); then it runs on the reactor's thread, and every Gale
// awaitable (sleep, yield, futures, when_all, offload) resumes it there. A
// value or an exception comes out of `co_await`; exceptions propagate up the
// chain of awaiting tasks.
//
//   gale::Task<int> answer(gale::Reactor& reactor) {
//     co_await gale::sleep(std::chrono::milliseconds(5));
//     co_return 42;
//   }
//   gale::Task<> main_task(gale::Reactor& reactor) {
//     int value = co_await answer(reactor);   // straight-line async code
//     std::printf("%d\n", value);
//   }
//   int main() {
//     auto reactor = gale::Reactor::create().value();
//     gale::run_until_complete(*reactor, main_task(*reactor));
//   }
//
// Cancellation: a task chain started by spawn() can be cancelled through its
// TaskHandle. The chain's current await point then throws CancelledError (and
// every later one does too), and the awaitable it was suspended in gives back
// its timer or registration at once. `co_await gale::cancel_requested()` lets a
// task look without suspending.
//
// Thread contract: Reactor thread only. A Task is a move-only value that owns
// its coroutine frame; destroying a task that never ran destroys its frame.
#ifndef GALE_REACTOR_TASK_H_
#define GALE_REACTOR_TASK_H_

#include <coroutine>
#include <exception>
#include <optional>
#include <type_traits>
#include <utility>
#include <variant>

#include "reactor/check.h"
#include "reactor/internal/frame_pool.h"
#include "reactor/internal/task_context.h"

namespace gale {

template <typename T = void>
class Task;

namespace internal {

// What every Gale task promise has: the context of its chain and the coroutine
// to resume when it finishes.
class TaskPromiseBase {
 public:
  // Frames come from the thread's frame pool (internal/frame_pool.h).
  static void* operator new(size_t size) { return FramePool::allocate(size); }
  static void operator delete(void* frame, size_t size) noexcept {
    FramePool::release(frame, size);
  }

  std::suspend_always initial_suspend() noexcept { return {}; }

  // Finishing resumes the awaiting coroutine directly (symmetric transfer), so
  // a deep chain of tasks never grows the stack.
  struct FinalAwaiter {
    bool await_ready() noexcept { return false; }
    template <typename Promise>
    std::coroutine_handle<> await_suspend(
        std::coroutine_handle<Promise> finished) noexcept {
      std::coroutine_handle<> next = finished.promise().continuation_;
      return next ? next : std::noop_coroutine();
    }
    void await_resume() noexcept {}
  };
  FinalAwaiter final_suspend() noexcept { return {}; }

  TaskContext& context() {
    GALE_CHECK(context_ != nullptr,
               "a Gale awaitable was used in a task that is not running on a "
               "reactor (spawn it or await it from a spawned task)");
    return *context_;
  }
  TaskContext* context_or_null() const { return context_; }
  void set_context(TaskContext* context) { context_ = context; }
  void set_continuation(std::coroutine_handle<> next) { continuation_ = next; }

 private:
  TaskContext* context_ = nullptr;
  std::coroutine_handle<> continuation_;
};

template <typename T>
class TaskPromise final : public TaskPromiseBase {
 public:
  Task<T> get_return_object() noexcept;
  template <typename U>
  void return_value(U&& value) {
    result_.template emplace<1>(std::forward<U>(value));
  }
  // Emplacing an exception_ptr cannot throw.
  void unhandled_exception() noexcept {  // NOLINT(bugprone-exception-escape)
    result_.template emplace<2>(std::current_exception());
  }
  T take_result() {
    if (result_.index() == 2) std::rethrow_exception(std::get<2>(result_));
    GALE_CHECK(result_.index() == 1,
               "a task's result was taken before it finished");
    return std::move(std::get<1>(result_));
  }

 private:
  std::variant<std::monostate, T, std::exception_ptr> result_;
};

template <>
class TaskPromise<void> final : public TaskPromiseBase {
 public:
  Task<void> get_return_object() noexcept;
  void return_void() noexcept { finished_ = true; }
  void unhandled_exception() noexcept { exception_ = std::current_exception(); }
  void take_result() {
    if (exception_) std::rethrow_exception(exception_);
    GALE_CHECK(finished_, "a task's result was taken before it finished");
  }

 private:
  bool finished_ = false;
  std::exception_ptr exception_;
};

template <typename T>
struct TaskAwaiter {
  std::coroutine_handle<TaskPromise<T>> task;
  bool await_ready() noexcept { return false; }
  template <typename Promise>
  std::coroutine_handle<> await_suspend(
      std::coroutine_handle<Promise> awaiting) noexcept {
    static_assert(std::is_base_of_v<TaskPromiseBase, Promise>,
                  "a gale::Task can only be awaited from a gale::Task");
    task.promise().set_context(awaiting.promise().context_or_null());
    task.promise().set_continuation(awaiting);
    return task;
  }
  T await_resume() { return task.promise().take_result(); }
};

// The context of the coroutine awaiting an awaitable: Gale awaitables need one.
template <typename Promise>
TaskContext& context_of(std::coroutine_handle<Promise> awaiting) {
  static_assert(std::is_base_of_v<TaskPromiseBase, Promise>,
                "Gale awaitables can only be awaited from a gale::Task");
  return awaiting.promise().context();
}

}  // namespace internal

template <typename T>
class [[nodiscard]] Task {
 public:
  using promise_type = internal::TaskPromise<T>;
  using value_type = T;

  Task() = default;
  Task(Task&& other) noexcept
      : handle_(std::exchange(other.handle_, nullptr)) {}
  Task& operator=(Task&& other) noexcept {
    if (this != &other) {
      destroy();
      handle_ = std::exchange(other.handle_, nullptr);
    }
    return *this;
  }
  ~Task() { destroy(); }

  bool valid() const { return static_cast<bool>(handle_); }

  // Awaiting a task runs it (in the awaiting task's context) until it finishes,
  // then yields its value or rethrows its exception.
  internal::TaskAwaiter<T> operator co_await() && noexcept {
    GALE_CHECK(handle_, "awaiting an empty Task");
    return internal::TaskAwaiter<T>{handle_};
  }

  // For the runners (spawn, when_all): the frame, still owned by this Task.
  std::coroutine_handle<promise_type> handle() const { return handle_; }

 private:
  friend class internal::TaskPromise<T>;
  explicit Task(std::coroutine_handle<promise_type> handle) : handle_(handle) {}

  void destroy() {
    if (handle_) std::exchange(handle_, nullptr).destroy();
  }

  std::coroutine_handle<promise_type> handle_;
};

namespace internal {

template <typename T>
Task<T> TaskPromise<T>::get_return_object() noexcept {
  return Task<T>(std::coroutine_handle<TaskPromise<T>>::from_promise(*this));
}

inline Task<void> TaskPromise<void>::get_return_object() noexcept {
  return Task<void>(
      std::coroutine_handle<TaskPromise<void>>::from_promise(*this));
}

}  // namespace internal

namespace internal {

struct CancelRequestedAwaiter {
  bool requested = false;
  bool await_ready() noexcept { return false; }
  template <typename Promise>
  bool await_suspend(std::coroutine_handle<Promise> awaiting) noexcept {
    requested = context_of(awaiting).cancel_requested();
    return false;  // never suspends
  }
  bool await_resume() noexcept { return requested; }
};

}  // namespace internal

// `co_await gale::cancel_requested()`: true once the running task's chain was
// asked to cancel. Does not suspend and does not throw.
inline internal::CancelRequestedAwaiter cancel_requested() { return {}; }

}  // namespace gale

#endif  // GALE_REACTOR_TASK_H_
