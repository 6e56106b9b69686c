// The user's messages in their envelopes: a tell carries the message, an ask
// also carries the reply to fulfil. The handler is found at compile time —
// `A::handle(M)` — so a send costs one virtual call on arrival and no lookup.
// Internal.
//
// Thread contract: as Envelope.
#ifndef GALE_ACTORS_INTERNAL_MESSAGES_H_
#define GALE_ACTORS_INTERNAL_MESSAGES_H_

#include <exception>
#include <type_traits>
#include <utility>

#include "actors/internal/ask_state.h"
#include "actors/internal/envelope.h"
#include "reactor/outcome.h"
#include "reactor/task.h"

namespace gale {

class Actor;

namespace internal {

// What A's handler for M returns.
template <typename A, typename M>
using HandlerResult = decltype(std::declval<A&>().handle(std::declval<M&&>()));

template <typename A, typename M>
concept Handles = requires(A& actor, M&& message) {
  actor.handle(std::move(message));
};

template <typename T>
struct TaskValue {
  using Value = void;
  static constexpr bool kIsTask = false;
};
template <typename T>
struct TaskValue<Task<T>> {
  using Value = T;
  static constexpr bool kIsTask = true;
};

// What an ask of M gets back: the handler's result, or its Task's value.
template <typename A, typename M>
using ReplyOf =
    std::conditional_t<TaskValue<HandlerResult<A, M>>::kIsTask,
                       typename TaskValue<HandlerResult<A, M>>::Value,
                       HandlerResult<A, M>>;

// GCC 12 warns (-Wsubobject-linkage) when a coroutine template of a header is
// instantiated with a type from an anonymous namespace: the frame type it
// invents "has a field whose type uses the anonymous namespace". The frame
// never leaves the translation unit that instantiates it, so the warning is
// spurious; without this, a handler returning Task<LocalType> would not build.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wsubobject-linkage"

template <typename T>
Task<void> discard_value(Task<T> task) {
  co_await std::move(task);
}

template <typename A, typename M>
class TellMessage final : public Envelope {
 public:
  explicit TellMessage(M&& message) : message_(std::move(message)) {}
  explicit TellMessage(const M& message) : message_(message) {}

  Task<void> deliver(Actor& actor) override {
    using Result = HandlerResult<A, M>;
    if constexpr (TaskValue<Result>::kIsTask) {
      Task<void> handler =
          discard_value(static_cast<A&>(actor).handle(std::move(message_)));
      return handler;
    } else {
      static_cast<A&>(actor).handle(std::move(message_));
      return {};
    }
  }
  void reject(const absl::Status&) override {}  // a tell has no one to tell

 private:
  M message_;
};

// A coroutine handler's value goes to the ask; its exception propagates (the
// cell reports it, then fails the ask through the envelope).
template <typename R>
Task<void> reply_on_success(Task<R> handler, AskReply<R>* reply) {
  if constexpr (std::is_void_v<R>) {
    co_await std::move(handler);
    reply->complete(Outcome<R>::from_value());
  } else {
    reply->complete(Outcome<R>::from_value(co_await std::move(handler)));
  }
}

#pragma GCC diagnostic pop

template <typename A, typename M, typename R>
class AskMessage final : public Envelope {
 public:
  template <typename Given>
  AskMessage(Given&& message, AskState<R>* state)
      : message_(std::forward<Given>(message)), reply_(state) {}

  Task<void> deliver(Actor& actor) override {
    A& target = static_cast<A&>(actor);
    if constexpr (TaskValue<HandlerResult<A, M>>::kIsTask) {
      return reply_on_success(target.handle(std::move(message_)), &reply_);
    } else {
      if constexpr (std::is_void_v<R>) {
        target.handle(std::move(message_));
        reply_.complete(Outcome<R>::from_value());
      } else {
        reply_.complete(
            Outcome<R>::from_value(target.handle(std::move(message_))));
      }
      return {};
    }
  }
  void fail(const std::exception_ptr& error) override { reply_.fail(error); }
  void reject(const absl::Status& why) override { reply_.fail(why); }

 private:
  M message_;
  AskReply<R> reply_;
};

}  // namespace internal
}  // namespace gale

#endif  // GALE_ACTORS_INTERNAL_MESSAGES_H_
