// Actor: the base of a user's actor class — state owned by one reactor
// thread, changed only by its own message handlers, so it needs no locks.
// Handlers are public `handle(M)` overloads, one per message type (see
// actor_ref.h); lifecycle hooks are virtual.
//
//   struct Ping { int k; };
//   class Pong : public gale::Actor {
//    public:
//     int handle(Ping ping) { return ping.k; }          // ask(Ping) → k
//     void on_start() override { std::puts("pong up"); }
//   };
//
//   class Boss : public gale::Actor {
//    public:
//     void on_start() override {
//       pong_ = spawn<Pong>();                           // a child, same
//       reactor watch(pong_);                                    // on_down
//       when it ends
//     }
//     gale::Task<int> handle(Go) { co_return co_await pong_.ask(Ping{7}); }
//     void on_down(const gale::Down& down) override { stop(); }
//    private:
//     gale::ActorRef<Pong> pong_;
//   };
//
// Lifecycle: the constructor and on_start run on the actor's reactor; then
// messages, a bounded batch per turn; then on_stop (after stop(), a Stop from
// outside, a supervision decision, or the runtime's shutdown). A handler that
// throws is reported to the reactor's exception handler and handled by the
// parent's SupervisionPolicy (supervision.h); the actor object is rebuilt from
// its spawn arguments on restart.
//
// Thread contract: every member is Reactor thread only (the actor's own).
#ifndef GALE_ACTORS_ACTOR_H_
#define GALE_ACTORS_ACTOR_H_

#include <cstdint>
#include <utility>

#include "actors/actor_ref.h"
#include "actors/internal/actor_cell.h"
#include "actors/spawn_options.h"
#include "actors/supervision.h"
#include "reactor/reactor.h"
#include "reactor/task.h"

namespace gale {

class Runtime;

class Actor {
 public:
  // Reads its cell from the spawn in progress: an Actor is built by spawn only.
  Actor();
  virtual ~Actor() = default;
  Actor(const Actor&) = delete;
  Actor& operator=(const Actor&) = delete;

  // Called once the actor is built, before any message.
  virtual void on_start() {}
  // Called once when the actor stops (and before a restart replaces it).
  virtual void on_stop() {}
  // A watched actor terminated (see watch).
  virtual void on_down(const Down& /*notice*/) {}

  uint64_t id() const;
  Reactor& reactor() const;
  Runtime& runtime() const;

 protected:
  // Stops this actor once the current handler returns; queued messages are
  // turned away (asks fail with kUnavailable).
  void stop();

  // Spawns a child supervised by this actor: on this reactor unless
  // `options.placement` says otherwise.
  template <typename B, typename... Args>
  requires(!std::is_same_v<std::remove_cvref_t<Args>, SpawnOptions> &&
           ...) ActorRef<B> spawn(Args&&... args) {
    return spawn<B>(SpawnOptions{}, std::forward<Args>(args)...);
  }
  template <typename B, typename... Args>
  ActorRef<B> spawn(SpawnOptions options, Args&&... args);

  // Delivers a Down notice to on_down when `target` terminates (at once if
  // it already has).
  template <typename B>
  void watch(const ActorRef<B>& target) {
    target.cell()->send(new internal::WatchMessage(cell_, target.id()));
  }

  // Runs `task` on this actor's reactor beside its handlers: they interleave
  // at the task's await points, on one thread, so the state needs no locks
  // (a connection actor reads its socket in a task and still takes
  // messages). A task that throws is handled like a failed handler. When the
  // actor stops, its tasks are cancelled (their await throws
  // CancelledError) and the actor object is destroyed only after the last
  // one ended. An actor with tasks still running is stopped rather than
  // restarted by its supervisor.
  void start_task(Task<void> task,
                  std::source_location where = std::source_location::current());

  // A reference to this actor: `ActorRef<Me> me = self(this);`.
  template <typename A>
  static ActorRef<A> self(A* actor) {
    return ActorRef<A>::from_cell(static_cast<Actor*>(actor)->cell_);
  }

 private:
  friend class internal::ActorCell;
  internal::ActorCell* cell_;
};

}  // namespace gale

#include "actors/internal/spawn_cell.h"

namespace gale {

template <typename B, typename... Args>
ActorRef<B> Actor::spawn(SpawnOptions options, Args&&... args) {
  return internal::spawn_cell<B>(runtime(), cell_, std::move(options),
                                 std::forward<Args>(args)...);
}

}  // namespace gale

#endif  // GALE_ACTORS_ACTOR_H_
