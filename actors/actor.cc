#include "actors/actor.h"

#include "actors/runtime.h"
#include "reactor/check.h"

namespace gale {

Actor::Actor() : cell_(internal::t_constructing_cell) {
  GALE_CHECK(cell_ != nullptr,
             "a gale::Actor can only be built by spawn<A>(...)");
}

uint64_t Actor::id() const { return cell_->id(); }
Reactor& Actor::reactor() const { return cell_->home(); }
Runtime& Actor::runtime() const { return cell_->runtime(); }
void Actor::stop() { cell_->request_stop(absl::OkStatus()); }

void Actor::start_task(Task<void> task, std::source_location where) {
  cell_->start_task(std::move(task), where);
}

namespace internal {

Reactor& choose_home(Runtime& runtime, const Placement& placement) {
  switch (placement.kind()) {
    case Placement::Kind::kIndex:
      GALE_CHECK(placement.index() < runtime.size(),
                 "Placement::on(index): no such reactor in this runtime");
      return runtime.reactor(placement.index());
    case Placement::Kind::kLocal:
      if (Reactor* current = Reactor::current(); current != nullptr) {
        for (size_t i = 0; i < runtime.size(); ++i) {
          if (&runtime.reactor(i) == current) return *current;
        }
      }
      return runtime.next_reactor();
    case Placement::Kind::kRoundRobin:
      return runtime.next_reactor();
  }
  return runtime.next_reactor();
}

}  // namespace internal
}  // namespace gale
