// Outcome<T>: the result of an asynchronous operation — a value or the
// exception it failed with. What a Future hands to a `then` callback, and what
// runners keep for a task that finished before anyone asked.
//
//   gale::Outcome<int> outcome = gale::Outcome<int>::from_value(42);
//   if (outcome.has_value()) use(outcome.value());  // value() rethrows a
//   failure
//
// Thread contract: a value type; not synchronised.
#ifndef GALE_REACTOR_OUTCOME_H_
#define GALE_REACTOR_OUTCOME_H_

#include <exception>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>

#include "absl/status/status.h"

namespace gale {

namespace internal {
struct Unit {};  // the value of an Outcome<void>
}  // namespace internal

template <typename T>
class Outcome {
  using Stored = std::conditional_t<std::is_void_v<T>, internal::Unit, T>;

 public:
  // Empty: neither a value nor a failure yet.
  Outcome() = default;

  template <typename... Args>
  static Outcome from_value(Args&&... args) {
    Outcome outcome;
    outcome.state_.template emplace<1>(std::forward<Args>(args)...);
    return outcome;
  }
  static Outcome from_exception(std::exception_ptr error) {
    Outcome outcome;
    outcome.state_.template emplace<2>(std::move(error));
    return outcome;
  }

  bool ready() const { return state_.index() != 0; }
  bool has_value() const { return state_.index() == 1; }
  std::exception_ptr exception() const {
    return state_.index() == 2 ? std::get<2>(state_) : nullptr;
  }

  // The value, moved out; rethrows the failure. Precondition: ready().
  decltype(auto) value() {
    if (state_.index() == 2) std::rethrow_exception(std::get<2>(state_));
    if constexpr (std::is_void_v<T>) {
      return;
    } else {
      return std::move(std::get<1>(state_));
    }
  }

  // OK, or the failure as a status (what() of a std::exception, kUnknown).
  absl::Status status() const;

 private:
  std::variant<std::monostate, Stored, std::exception_ptr> state_;
};

// An exception that carries an absl::Status, for coroutine APIs that return a
// value and must still report a runtime failure (offload's queue bound, a
// reactor stopped before its task finished).
class StatusError : public std::exception {
 public:
  explicit StatusError(absl::Status status)
      : status_(std::move(status)), message_(status_.ToString()) {}
  const absl::Status& status() const { return status_; }
  const char* what() const noexcept override { return message_.c_str(); }

 private:
  absl::Status status_;
  std::string message_;
};

template <typename T>
absl::Status Outcome<T>::status() const {
  if (state_.index() != 2) return absl::OkStatus();
  try {
    std::rethrow_exception(std::get<2>(state_));
  } catch (const StatusError& e) {
    return e.status();
  } catch (const std::exception& e) {
    return absl::UnknownError(e.what());
  } catch (...) {
    return absl::UnknownError("non-standard exception");
  }
}

}  // namespace gale

#endif  // GALE_REACTOR_OUTCOME_H_
