// ActorCell: everything the runtime keeps for one actor — its home reactor,
// its mailbox, its lifecycle state, and the actor object itself, built in
// place from the spawn arguments (so a restart can build it again). An
// ActorRef is a counted reference to a cell; the cell outlives its actor for
// as long as references remain, and turns messages away once the actor is
// gone. Internal.
//
// A message in flight (an InlineTell, a CrossDelivery) holds no reference: a
// count written by sender and receiver alike would cross cores with every
// message (and a locked instruction on either side costs as much again).
// Senders hold a reference while they send. When the last reference goes, the
// cell is handed to its home reactor's Reclaimer, which frees it once every
// callback posted to the reactor before then has run — every message its
// senders sent while they held their references.
//
// Lifecycle (all on the home reactor's thread):
//   spawn → [start posted] → kRunning: on_start, then messages, a bounded
//   batch per turn → terminate: on_stop, queued messages rejected, watchers
//   and parent told, the "life" reference released.
//
// Thread contract: send(), ref(), unref(), id() and home() are thread-safe;
// everything else is Reactor thread only (the home reactor's).
#ifndef GALE_ACTORS_INTERNAL_ACTOR_CELL_H_
#define GALE_ACTORS_INTERNAL_ACTOR_CELL_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <new>
#include <optional>
#include <source_location>
#include <tuple>
#include <type_traits>
#include <utility>

#include "absl/status/status.h"
#include "actors/internal/envelope.h"
#include "actors/internal/live_actors.h"
#include "actors/internal/mailbox.h"
#include "actors/internal/messages.h"
#include "actors/supervision.h"
#include "reactor/reactor.h"
#include "reactor/task.h"

namespace gale {

class Actor;
class Runtime;

namespace internal {

struct CellExtras;
class CellRef;
class TaskLease;

// The cell whose actor is being constructed on this thread: how Actor's
// default constructor finds its cell without the user passing it along.
inline thread_local class ActorCell* t_constructing_cell = nullptr;

class ActorCell : public LiveActor {
 public:
  ActorCell(Reactor& home, Runtime& runtime, uint32_t batch);
  ActorCell(const ActorCell&) = delete;
  ActorCell& operator=(const ActorCell&) = delete;

  // ---- Any thread
  void ref() { refs_.fetch_add(1, std::memory_order_relaxed); }
  void unref() {
    if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      last_reference_gone();
    }
  }
  uint64_t id() const { return id_; }
  Reactor& home() const { return *home_; }
  Runtime& runtime() const { return *runtime_; }

  // Hands `envelope` to the actor through its home reactor: the ready queue
  // from the home thread, the inbound queue from anywhere else. One channel
  // per sending thread, so its messages arrive in the order sent. Takes
  // ownership. The caller holds a reference.
  void send(Envelope* envelope);

  // Sends a small tell by value inside the posted callback itself, through the
  // same channel as send(): no envelope is allocated unless the actor has
  // other mail or is busy when it arrives. The caller holds a reference.
  template <typename A, typename M>
  void send_inline(M&& message, std::source_location where);

  // Posts the actor's construction to its home reactor. Called once, by
  // spawn, after the supervision links are set.
  void post_start();

  // ---- Home thread only
  // Before post_start, on the spawning thread: the supervisor link.
  void set_parent(ActorCell* parent, std::optional<SupervisionPolicy> policy);
  void enqueue(Envelope* envelope);
  // From a delivery callback of its own: enqueues and, if idle, runs a turn.
  void enqueue_and_run(Envelope* envelope);
  // From an inline tell's callback: handles `message` at once if the actor is
  // idle with an empty mailbox, else queues it in an envelope.
  template <typename A, typename M>
  void receive_inline(M&& message, std::source_location where);
  Actor* actor() const { return actor_; }

  // Stops the actor once the message being handled (if any) returns.
  void request_stop(ExitReason reason);

  // Runs `task` for the actor (Actor::start_task): cancelled when the actor
  // stops, which destroys the actor object only once every such task ended.
  void start_task(Task<void> task, std::source_location where);
  // One of those tasks' frames went (internal::TaskLease).
  void task_ended();

  void add_child(ActorCell* child);
  void remove_child(ActorCell* child);
  void add_watcher(ActorCell* watcher);

  bool terminated() const { return state_ == State::kTerminated; }

  // The cell of a live actor.
  static ActorCell& of(Actor& actor);

  // The runtime's shutdown (see LiveActors).
  void terminate_for_shutdown() override;

 protected:
  ~ActorCell() override;

  // Builds the actor in the cell's storage (may throw) / destroys it.
  virtual Actor* construct() = 0;
  virtual void destroy_actor() = 0;
  // False when the spawn arguments could only be moved in once.
  virtual bool restartable() const = 0;

 private:
  enum class State : uint8_t { kCreated, kRunning, kTerminated };
  class StartActor;
  class RunMailbox;
  class CrossDelivery;

  void start();
  void abandon();
  void schedule();
  void run_mailbox();
  void handle(Envelope* envelope);
  Task<void> await_handler(CellRef self, Task<void> handler);
  static Task<void> own_task(Task<void> task, std::source_location where,
                             TaskLease lease);
  void destroy_actor_when_tasks_end();
  void handler_finished();
  void defer_failure(std::exception_ptr error, std::source_location where);
  void after_handler();
  void apply_deferred_failure();
  // Reports `error` (naming `where` the failed message was sent from) and
  // applies the supervision policy.
  void on_failure(const std::exception_ptr& error,
                  std::source_location where = std::source_location::current());
  void report(std::exception_ptr error, std::source_location where);
  void supervise(const std::exception_ptr& error, std::source_location where);
  void escalate_to(const CellRef& parent, std::exception_ptr error,
                   std::source_location where);
  Directive decide(const std::exception_ptr& error);
  const SupervisionPolicy& policy_in_force() const;
  bool within_restart_intensity();
  void restart();
  bool build_actor();
  void call_on_stop();
  void terminate(const ExitReason& reason);
  void release_life();
  bool idle() const {
    return state_ == State::kRunning && !scheduled_ && !handling_ && !busy_ &&
           mailbox_.empty();
  }
  void notify_links(const ExitReason& reason);
  void reject_queued(const absl::Status& why);
  CellExtras& extras();
  void last_reference_gone();
  static void check_layout();

  // The fields come in three groups, so that a message's sender and its
  // receiver on another core never share a written cache line: what senders
  // touch (per message they read home_; refs_ changes as references are
  // copied and dropped), what neither touches per message, and what the home
  // thread touches per message. The middle group (padded) holds the other two
  // a cache line apart; check_layout() makes sure.

  // Senders.
  Reactor* home_;
  std::atomic<int> refs_{1};  // the actor's life; spawn adds the caller's
  // Neither, per message.
  uint32_t tasks_ = 0;  // started by start_task and not yet ended
  uint64_t id_;
  Runtime* runtime_;
  std::unique_ptr<CellExtras> extras_;    // supervision, links: most have none
  std::shared_ptr<Reclaimer> reclaimer_;  // home_'s, which frees the cell
  std::byte cache_line_gap_[24];
  // The home thread, per message.
  Actor* actor_ = nullptr;
  Mailbox mailbox_;
  Envelope* in_progress_ = nullptr;  // a coroutine handler's message
  uint32_t batch_;
  State state_ = State::kCreated;
  bool scheduled_ = false;  // a RunMailbox is queued on the home reactor
  bool handling_ = false;   // inside a handler (or on_start)
  bool busy_ = false;       // a coroutine handler is suspended
  bool stop_requested_ = false;
  bool failure_deferred_ = false;  // see defer_failure
};

// Small enough to travel inside the reactor's callback (with the cell and the
// sender's source location): tells of such messages allocate nothing.
template <typename M>
inline constexpr bool kTravelsInline =
    sizeof(M) <= 16 &&
    alignof(M) <= 8 && std::is_nothrow_move_constructible_v<M>;

// The posted callback of an inline tell. It holds no reference to the cell,
// which outlives it (see the header comment); dropped unrun, it destroys the
// message without touching the cell.
template <typename A, typename M>
class InlineTell {
 public:
  template <typename Given>
  InlineTell(ActorCell* cell, std::source_location where, Given&& message)
      : cell_(cell), where_(where), message_(std::forward<Given>(message)) {}
  InlineTell(InlineTell&& other) noexcept = default;
  InlineTell& operator=(InlineTell&&) = delete;
  void operator()() {
    cell_->receive_inline<A, M>(std::move(message_), where_);
  }

 private:
  ActorCell* cell_;
  std::source_location where_;
  M message_;
};

template <typename A, typename M>
void ActorCell::send_inline(M&& message, std::source_location where) {
  using Message = std::remove_cvref_t<M>;
  home_->post(InlineTell<A, Message>(this, where, std::forward<M>(message)),
              where);
}

template <typename A, typename M>
void ActorCell::receive_inline(M&& message, std::source_location where) {
  using Message = std::remove_cvref_t<M>;
  if (!idle()) {  // behind other mail (or not started, or gone): an envelope
    auto* envelope = new TellMessage<A, Message>(std::forward<M>(message));
    envelope->sent_from = where;
    enqueue(envelope);
    return;
  }
  handling_ = true;
  std::exception_ptr failure;
  try {
    static_cast<A&>(*actor_).handle(std::forward<M>(message));
  } catch (...) {
    failure = std::current_exception();
  }
  handling_ = false;
  if (failure) {
    report(failure, where);
    supervise(failure, where);
  }
  if (failure_deferred_ || stop_requested_) [[unlikely]]
    after_handler();
}

// The cell of an actor of type A spawned with arguments Args.
template <typename A, typename... Args>
class ActorCellOf final : public ActorCell {
 public:
  template <typename... Given>
  ActorCellOf(Reactor& home, Runtime& runtime, uint32_t batch, Given&&... args)
      : ActorCell(home, runtime, batch), args_(std::forward<Given>(args)...) {}

 protected:
  Actor* construct() override {
    A* actor;
    if constexpr (kCopyable) {
      actor = std::apply(
          [this](const auto&... args) { return new (&storage_) A(args...); },
          args_);
    } else {
      actor = std::apply(
          [this](auto&... args) {
            return new (&storage_) A(std::move(args)...);
          },
          args_);
    }
    return actor;
  }
  void destroy_actor() override {
    std::launder(reinterpret_cast<A*>(&storage_))->~A();
  }
  bool restartable() const override { return kCopyable; }

 private:
  static constexpr bool kCopyable =
      (std::is_copy_constructible_v<std::decay_t<Args>> && ...);
  std::tuple<std::decay_t<Args>...> args_;
  alignas(A) std::byte storage_[sizeof(A)];
};

}  // namespace internal
}  // namespace gale

#endif  // GALE_ACTORS_INTERNAL_ACTOR_CELL_H_
