// ActorRef<A>: the address of an actor of type A — cheap to copy, safe to use
// from any thread, valid after the actor is gone (messages to a stopped actor
// are turned away cleanly: a tell is dropped, an ask fails with kUnavailable).
//
//   struct Add { int amount; };
//   struct Total {};
//   class Counter : public gale::Actor {
//    public:
//     void handle(Add add) { total_ += add.amount; }
//     int handle(Total) { return total_; }            // a reply for ask
//    private:
//     int total_ = 0;
//   };
//
//   gale::ActorRef<Counter> counter = gale::spawn<Counter>(runtime);
//   counter.tell(Add{2});
//   int total = co_await counter.ask(Total{});          // 2
//
// Messages are typed and moved, never copied: tell and ask take the message by
// forwarding reference; a non-trivially-copyable lvalue does not compile —
// std::move it. A tell of a small message (16 bytes or less, nothrow-movable)
// travels inside the reactor's queued callback and allocates nothing; any
// other send allocates one envelope and moves the message into it.
// The handler is `A::handle(M)`, public, chosen at compile time; it may return
// a value (the ask's reply), void, or a Task<R> (a coroutine handler: the actor
// handles nothing else until it finishes).
//
// Ordering: messages from one sending thread to one actor are handled in the
// order sent (per-sender FIFO): each sending thread has one channel to the
// target's reactor — its ready queue from the same reactor, its lock-free
// inbound queue from any other thread. A message that finds its actor idle is
// handled on arrival; otherwise it waits in the mailbox.
//
// GCC 12 caveat: inside a coroutine, `co_await ref.ask(Msg{...})` with a
// message that has a non-trivial destructor (a std::string, a vector, an
// ActorRef member) destroys the temporary twice — a compiler bug, not Gale's.
// Build the message in a named local and `co_await ref.ask(std::move(msg))`.
//
// Thread contract: every method is thread-safe. An ask's future must be
// consumed on a reactor thread (co_await, then) or with Future::get() on a
// thread without a reactor. Refs must not be used after their Runtime is
// destroyed.
#ifndef GALE_ACTORS_ACTOR_REF_H_
#define GALE_ACTORS_ACTOR_REF_H_

#include <chrono>
#include <cstdint>
#include <source_location>
#include <type_traits>
#include <utility>

#include "actors/internal/actor_cell.h"
#include "actors/internal/ask_state.h"
#include "actors/internal/messages.h"
#include "actors/internal/system_messages.h"
#include "reactor/clock.h"
#include "reactor/future.h"

namespace gale {

// How long an ask waits for its reply unless told otherwise.
inline constexpr Duration kDefaultAskTimeout = std::chrono::seconds(5);

namespace internal {
// Moved, never copied: lvalues only for trivially copyable messages.
template <typename M>
concept Sendable = !std::is_lvalue_reference_v<M> ||
                   std::is_trivially_copyable_v<std::remove_cvref_t<M>>;
}  // namespace internal

template <typename A>
class ActorRef {
 public:
  // An empty reference (valid() is false).
  ActorRef() = default;

  bool valid() const { return static_cast<bool>(cell_); }
  explicit operator bool() const { return valid(); }

  // Unique for the process's lifetime. Thread-safe.
  uint64_t id() const { return cell_->id(); }

  // The reactor the actor lives on. Thread-safe.
  Reactor& reactor() const { return cell_->home(); }

  // Sends `message` to A::handle; fire and forget. Thread-safe.
  template <typename M>
  requires internal::Sendable<M> && internal::Handles<A, std::remove_cvref_t<M>>
  void tell(M&& message, std::source_location where =
                             std::source_location::current()) const {
    using Message = std::remove_cvref_t<M>;
    if constexpr (internal::kTravelsInline<Message> &&
                  !internal::TaskValue<
                      internal::HandlerResult<A, Message>>::kIsTask) {
      cell_->send_inline<A>(std::forward<M>(message), where);
    } else {
      auto* envelope =
          new internal::TellMessage<A, Message>(std::forward<M>(message));
      envelope->sent_from = where;
      cell_->send(envelope);
    }
  }

  // Sends `message` and returns the future of A::handle's result. It fails
  // with StatusError(kDeadlineExceeded) after `timeout`, with kUnavailable if
  // the actor is stopped (or stops before handling it), and with the
  // handler's exception if it throws. Thread-safe.
  template <typename M>
  requires internal::Sendable<M> && internal::Handles<A, std::remove_cvref_t<M>>
  auto ask(M&& message, Duration timeout = kDefaultAskTimeout,
           std::source_location where = std::source_location::current()) const {
    using Message = std::remove_cvref_t<M>;
    using Reply = internal::ReplyOf<A, Message>;
    Reactor* asker = Reactor::current();
    Reactor& timer_home = asker != nullptr ? *asker : cell_->home();
    auto* state = new internal::AskState<Reply>(timer_home);
    Future<Reply> future = state->get_future();
    const TimePoint deadline = saturating_add(Clock::now(), timeout);
    state->arm(deadline, timeout);  // posted ahead of the message if remote
    auto* envelope = new internal::AskMessage<A, Message, Reply>(
        std::forward<M>(message), state);
    envelope->sent_from = where;
    cell_->send(envelope);
    return future;
  }

  // Stops the actor after the messages already sent from this thread (an
  // Erlang exit / Akka PoisonPill): on_stop runs, later messages are turned
  // away, watchers get a Down notice with an OK reason. Thread-safe.
  void stop() const {
    cell_->send(new internal::StopMessage(absl::OkStatus()));
  }

  friend bool operator==(const ActorRef& a, const ActorRef& b) {
    return a.cell_.get() == b.cell_.get();
  }

  // A new reference to `cell`. Internal: for spawn and Actor::self.
  static ActorRef from_cell(internal::ActorCell* cell) {
    ActorRef ref;
    ref.cell_ = internal::CellRef(cell);
    return ref;
  }
  internal::ActorCell* cell() const { return cell_.get(); }

 private:
  internal::CellRef cell_;
};

}  // namespace gale

#endif  // GALE_ACTORS_ACTOR_REF_H_
