// spawn_cell: how every spawn builds an actor's cell, links it to its parent
// and posts its start to the chosen reactor. Internal.
//
// Thread contract: Thread-safe (a parent's links are touched only from the
// parent's own thread, where Actor::spawn runs).
#ifndef GALE_ACTORS_INTERNAL_SPAWN_CELL_H_
#define GALE_ACTORS_INTERNAL_SPAWN_CELL_H_

#include <type_traits>
#include <utility>

#include "actors/actor_ref.h"
#include "actors/internal/actor_cell.h"
#include "actors/spawn_options.h"

namespace gale {

class Actor;
class Runtime;

namespace internal {

// The reactor `placement` picks in `runtime`, from the calling thread.
Reactor& choose_home(Runtime& runtime, const Placement& placement);

template <typename A, typename... Args>
ActorRef<A> spawn_cell(Runtime& runtime, ActorCell* parent,
                       SpawnOptions options, Args&&... args) {
  static_assert(std::is_base_of_v<Actor, A>,
                "spawn<A>: A must derive publicly from gale::Actor");
  Reactor& home = choose_home(runtime, options.placement);
  auto* cell = new ActorCellOf<A, Args...>(home, runtime, options.batch,
                                           std::forward<Args>(args)...);
  if (parent != nullptr || options.supervision.has_value()) {
    cell->set_parent(parent, std::move(options.supervision));
  }
  ActorRef<A> ref = ActorRef<A>::from_cell(cell);
  cell->post_start();
  return ref;
}

}  // namespace internal
}  // namespace gale

#endif  // GALE_ACTORS_INTERNAL_SPAWN_CELL_H_
