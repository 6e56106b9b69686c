// spawn<A>(runtime, args...): starts an actor of type A, built on its reactor
// from `args` (kept, so a supervised restart can build it again), and returns
// its reference at once; messages sent before it is up wait in its mailbox.
//
//   gale::RuntimeOptions options;
//   options.reactors = 2;
//   auto runtime = gale::Runtime::start(options).value();
//   gale::ActorRef<Counter> counter = gale::spawn<Counter>(*runtime);
//   auto pinned = gale::spawn<Counter>(*runtime, gale::SpawnOptions::on(1));
//   counter.tell(Add{1});
//   int total = counter.ask(Total{}).get();   // from main: blocks
//
// Placement by default: on the calling reactor when called from one of the
// runtime's reactor threads, round robin from any other thread (see
// spawn_options.h). Inside an actor, Actor::spawn makes a supervised child.
//
// Thread contract: Thread-safe.
#ifndef GALE_ACTORS_SPAWN_H_
#define GALE_ACTORS_SPAWN_H_

#include <type_traits>
#include <utility>

#include "actors/actor.h"
#include "actors/actor_ref.h"
#include "actors/internal/spawn_cell.h"
#include "actors/runtime.h"
#include "actors/spawn_options.h"

namespace gale {

template <typename A, typename... Args>
requires(!std::is_same_v<std::remove_cvref_t<Args>, SpawnOptions> &&
         ...) ActorRef<A> spawn(Runtime& runtime, Args&&... args) {
  return internal::spawn_cell<A>(runtime, nullptr, SpawnOptions{},
                                 std::forward<Args>(args)...);
}

template <typename A, typename... Args>
ActorRef<A> spawn(Runtime& runtime, SpawnOptions options, Args&&... args) {
  return internal::spawn_cell<A>(runtime, nullptr, std::move(options),
                                 std::forward<Args>(args)...);
}

}  // namespace gale

#endif  // GALE_ACTORS_SPAWN_H_
