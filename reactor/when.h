// when_all, when_any and with_timeout: run several tasks concurrently on the
// awaiting task's reactor and join them — structured: the join returns only
// when every child has finished, so nothing is left running behind it.
//
//   std::vector<gale::Task<int>> fetches = ...;
//   std::vector<int> all = co_await gale::when_all(std::move(fetches));
//   gale::WhenAny<int> first = co_await gale::when_any(std::move(more));
//   absl::StatusOr<int> r = co_await gale::with_timeout(100ms, fetch());
//
// - when_all: every result, in order. If a child throws, the others are
//   cancelled and the first exception is rethrown once all have finished.
// - when_any: the first child to finish wins (its value, or its exception
//   rethrown); the others are cancelled and awaited.
// - with_timeout: the task's value, or kDeadlineExceeded once `timeout`
//   passes (the task is then cancelled: its await throws CancelledError and
//   it gives back its timers and registrations).
// Cancelling the awaiting task cancels every child.
//
// Thread contract: Reactor thread only (awaited from a gale::Task).
#ifndef GALE_REACTOR_WHEN_H_
#define GALE_REACTOR_WHEN_H_

#include <coroutine>
#include <cstddef>
#include <memory>
#include <optional>
#include <type_traits>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "reactor/check.h"
#include "reactor/internal/task_context.h"
#include "reactor/outcome.h"
#include "reactor/sleep.h"
#include "reactor/task.h"

namespace gale {

template <typename T>
struct WhenAny {
  size_t index;  // which task finished first
  T value;
};
template <>
struct WhenAny<void> {
  size_t index;
};

namespace internal {

enum class JoinPolicy { kAll, kAny };

// The children of one join, each in its own context, and their outcomes.
template <typename T>
class JoinGroup final : public CancelHook {
 public:
  JoinGroup(std::vector<Task<T>> tasks, JoinPolicy policy)
      : policy_(policy), outcomes_(tasks.size()) {
    contexts_.reserve(tasks.size());
    runners_.reserve(tasks.size());
    tasks_ = std::move(tasks);
  }
  JoinGroup(const JoinGroup&) = delete;
  JoinGroup& operator=(const JoinGroup&) = delete;
  ~JoinGroup() {
    if (parent_ != nullptr) parent_->resumed_from(this);
    // Runners (and the tasks they await) go before the contexts they use.
    runners_.clear();
    tasks_.clear();
  }

  // The awaitable that starts the children and resumes when all finished.
  struct Start {
    JoinGroup* group;
    bool await_ready() noexcept { return group->tasks_.empty(); }
    template <typename Promise>
    bool await_suspend(std::coroutine_handle<Promise> awaiting) {
      return group->start(context_of(awaiting), awaiting);
    }
    void await_resume() noexcept {}
  };
  Start run() { return Start{this}; }

  std::vector<Outcome<T>>& outcomes() { return outcomes_; }
  // The first child to finish (kAny). Precondition: the join finished.
  size_t winner() const {
    GALE_CHECK(winner_ != kNoChild, "when_any resumed without a winner");
    return winner_;
  }

  void on_cancel() override { cancel_children(kNoChild); }

 private:
  static constexpr size_t kNoChild = static_cast<size_t>(-1);

  // Suspends the child at its end and, if it was the last, resumes the parent.
  struct Finish {
    JoinGroup* group;
    size_t index;
    bool await_ready() noexcept { return false; }
    std::coroutine_handle<> await_suspend(std::coroutine_handle<>) noexcept {
      return group->child_finished(index);
    }
    void await_resume() noexcept {}
  };

  static Task<void> run_child(Task<T> task, JoinGroup* group, size_t index) {
    try {
      if constexpr (std::is_void_v<T>) {
        co_await std::move(task);
        group->outcomes_[index] = Outcome<T>::from_value();
      } else {
        group->outcomes_[index] =
            Outcome<T>::from_value(co_await std::move(task));
      }
    } catch (...) {
      group->outcomes_[index] =
          Outcome<T>::from_exception(std::current_exception());
    }
    co_await Finish{group, index};
  }

  bool start(TaskContext& parent, std::coroutine_handle<> awaiting) {
    parent_ = &parent;
    awaiting_ = awaiting;
    remaining_ =
        tasks_.size() + 1;  // +1: this start, so no child resumes us early
    for (size_t i = 0; i < tasks_.size(); ++i) {
      contexts_.push_back(std::make_unique<TaskContext>(&parent.reactor()));
      runners_.push_back(run_child(std::move(tasks_[i]), this, i));
      runners_[i].handle().promise().set_context(contexts_[i].get());
    }
    if (parent.cancel_requested()) cancel_children(kNoChild);
    for (size_t i = 0; i < runners_.size(); ++i) runners_[i].handle().resume();
    if (--remaining_ == 0) return false;  // every child finished synchronously
    parent.suspend_in(this);
    return true;
  }

  std::coroutine_handle<> child_finished(size_t index) {
    const bool failed = !outcomes_[index].has_value();
    if (policy_ == JoinPolicy::kAny && winner_ == kNoChild) {
      winner_ = index;
      cancel_children(index);
    } else if (policy_ == JoinPolicy::kAll && failed && !failing_) {
      failing_ = true;
      cancel_children(index);
    }
    if (--remaining_ > 0) return std::noop_coroutine();
    parent_->resumed_from(this);
    return awaiting_;
  }

  void cancel_children(size_t except) {
    for (size_t i = 0; i < contexts_.size(); ++i) {
      if (i != except) contexts_[i]->request_cancel();
    }
  }

  JoinPolicy policy_;
  std::vector<Outcome<T>> outcomes_;
  std::vector<std::unique_ptr<TaskContext>> contexts_;
  std::vector<Task<T>> tasks_;
  std::vector<Task<void>> runners_;
  TaskContext* parent_ = nullptr;
  std::coroutine_handle<> awaiting_;
  size_t remaining_ = 0;
  size_t winner_ = kNoChild;
  bool failing_ = false;
};

// The exception a join reports: the first real failure, else a cancellation.
template <typename T>
void rethrow_first_failure(std::vector<Outcome<T>>& outcomes) {
  std::exception_ptr cancelled;
  for (Outcome<T>& outcome : outcomes) {
    std::exception_ptr error = outcome.exception();
    if (!error) continue;
    try {
      std::rethrow_exception(error);
    } catch (const CancelledError&) {
      cancelled = error;
    } catch (...) {
      throw;
    }
  }
  if (cancelled) std::rethrow_exception(cancelled);
}

}  // namespace internal

// Runs every task concurrently; their values in order (nothing for void).
template <typename T>
Task<std::conditional_t<std::is_void_v<T>, void, std::vector<T>>> when_all(
    std::vector<Task<T>> tasks) {
  internal::JoinGroup<T> group(std::move(tasks), internal::JoinPolicy::kAll);
  co_await group.run();
  internal::rethrow_first_failure(group.outcomes());
  if constexpr (!std::is_void_v<T>) {
    std::vector<T> values;
    values.reserve(group.outcomes().size());
    for (Outcome<T>& outcome : group.outcomes())
      values.push_back(outcome.value());
    co_return values;
  }
}

// Runs every task concurrently until the first finishes; cancels the rest.
// Precondition: at least one task.
template <typename T>
Task<WhenAny<T>> when_any(std::vector<Task<T>> tasks) {
  GALE_CHECK(!tasks.empty(), "when_any needs at least one task");
  internal::JoinGroup<T> group(std::move(tasks), internal::JoinPolicy::kAny);
  co_await group.run();
  const size_t index = group.winner();
  if constexpr (std::is_void_v<T>) {
    group.outcomes()[index].value();  // rethrows the winner's failure
    co_return WhenAny<void>{index};
  } else {
    co_return WhenAny<T>{index, group.outcomes()[index].value()};
  }
}

namespace internal {

template <typename T>
using Maybe = std::conditional_t<std::is_void_v<T>, bool, std::optional<T>>;

template <typename T>
Task<Maybe<T>> finish_as_maybe(Task<T> task) {
  if constexpr (std::is_void_v<T>) {
    co_await std::move(task);
    co_return true;
  } else {
    co_return co_await std::move(task);
  }
}

template <typename T>
Task<Maybe<T>> expire_after(Duration timeout) {
  co_await sleep(timeout);
  co_return Maybe<T>{};
}

}  // namespace internal

// The task's value, or kDeadlineExceeded after `timeout` (the task cancelled).
template <typename T>
Task<std::conditional_t<std::is_void_v<T>, absl::Status, absl::StatusOr<T>>>
with_timeout(Duration timeout, Task<T> task) {
  std::vector<Task<internal::Maybe<T>>> race;
  race.push_back(internal::finish_as_maybe(std::move(task)));
  race.push_back(internal::expire_after<T>(timeout));
  WhenAny<internal::Maybe<T>> first = co_await when_any(std::move(race));
  if (first.index == 1) {
    co_return absl::DeadlineExceededError(
        "gale: with_timeout: deadline exceeded");
  }
  if constexpr (std::is_void_v<T>) {
    co_return absl::OkStatus();
  } else {
    GALE_CHECK(first.value.has_value(),
               "with_timeout: the task finished without a value");
    co_return std::move(*first.value);
  }
}

}  // namespace gale

#endif  // GALE_REACTOR_WHEN_H_
