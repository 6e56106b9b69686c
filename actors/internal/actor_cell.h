// ActorCell: everything the runtime keeps for one actor — its home reactor,
// its mailbox, its lifecycle state, and the actor object itself, built in
// place from the spawn arguments (so a restart can build it again). An
// ActorRef is a counted reference to a cell; the cell outlives its actor for
// as long as references remain, and turns messages away once the actor is
// gone. Internal.
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
#include "actors/supervision.h"
#include "reactor/reactor.h"

namespace gale {

class Actor;
class Runtime;

namespace internal {

struct CellExtras;
class CellRef;

// The cell whose actor is being constructed on this thread: how Actor's
// default constructor finds its cell without the user passing it along.
inline thread_local class ActorCell* t_constructing_cell = nullptr;

class ActorCell : public LiveActor {
 public:
  // Default messages handled per turn before the actor yields its reactor.
  static constexpr uint32_t kDefaultBatch = 64;

  ActorCell(Reactor& home, Runtime& runtime, uint32_t batch);
  ActorCell(const ActorCell&) = delete;
  ActorCell& operator=(const ActorCell&) = delete;

  // ---- Any thread
  void ref() { refs_.fetch_add(1, std::memory_order_relaxed); }
  void unref() {
    if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
  }
  uint64_t id() const { return id_; }
  Reactor& home() const { return *home_; }
  Runtime& runtime() const { return *runtime_; }

  // Hands `envelope` to the actor: straight into the mailbox on the home
  // thread, through the home reactor's inbound queue from anywhere else (per
  // sending thread FIFO). Takes ownership.
  void send(Envelope* envelope);

  // Posts the actor's construction to its home reactor. Called once, by
  // spawn, after the supervision links are set.
  void post_start();

  // ---- Home thread only
  // Before post_start, on the spawning thread: the supervisor link.
  void set_parent(ActorCell* parent, std::optional<SupervisionPolicy> policy);
  void enqueue(Envelope* envelope);
  // From a delivery callback of its own: enqueues and, if idle, runs a turn.
  void enqueue_and_run(Envelope* envelope);
  Actor* actor() const { return actor_; }

  // Stops the actor once the message being handled (if any) returns.
  void request_stop(ExitReason reason);

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
  Task<void> await_handler(Task<void> handler);
  void handler_finished();
  // Reports `error` (naming `where` the failed message was sent from) and
  // applies the supervision policy.
  void on_failure(std::exception_ptr error,
                  std::source_location where = std::source_location::current());
  void report(std::exception_ptr error, std::source_location where);
  void supervise(std::exception_ptr error, std::source_location where);
  void escalate_to(const CellRef& parent, std::exception_ptr error,
                   std::source_location where);
  Directive decide(std::exception_ptr error);
  bool within_restart_intensity();
  void restart();
  bool build_actor();
  void call_on_stop();
  void terminate(ExitReason reason);
  void release_life();
  void notify_links(const ExitReason& reason);
  void reject_queued(const absl::Status& why);
  CellExtras& extras();

  std::atomic<int> refs_{1};  // the actor's life; spawn adds the caller's
  State state_ = State::kCreated;
  bool scheduled_ = false;  // a RunMailbox is queued on the home reactor
  bool handling_ = false;   // inside a handler (or on_start)
  bool busy_ = false;       // a coroutine handler is suspended
  bool stop_requested_ = false;
  uint32_t batch_;
  uint64_t id_;
  Reactor* home_;
  Runtime* runtime_;
  Actor* actor_ = nullptr;
  Mailbox mailbox_;
  Envelope* in_progress_ = nullptr;     // a coroutine handler's message
  std::unique_ptr<CellExtras> extras_;  // supervision, links: most have none
};

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
