// SpawnOptions and Placement: where a new actor lives and how it is
// supervised.
//
//   gale::spawn<Worker>(runtime, gale::SpawnOptions::on(1));  // reactor 1
//   gale::spawn<Worker>(runtime);                             // default rule
//   gale::SpawnOptions options;
//   options.supervision = policy;                             // see below
//   gale::spawn<Worker>(runtime, options, worker_args...);
//
// The default rule is locality first, as in Seastar: an actor spawned on one
// of the runtime's reactor threads lives on that reactor; one spawned from
// any other thread goes round robin.
//
// Thread contract: plain values.
#ifndef GALE_ACTORS_SPAWN_OPTIONS_H_
#define GALE_ACTORS_SPAWN_OPTIONS_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <utility>

#include "actors/supervision.h"

namespace gale {

class Placement {
 public:
  // The caller's reactor if it is one of the runtime's, else round robin.
  static Placement local() { return Placement(Kind::kLocal, 0); }
  static Placement round_robin() { return Placement(Kind::kRoundRobin, 0); }
  // Reactor `index` of the runtime (0..size()-1).
  static Placement on(size_t index) { return Placement(Kind::kIndex, index); }

  enum class Kind : uint8_t { kLocal, kRoundRobin, kIndex };
  Kind kind() const { return kind_; }
  size_t index() const { return index_; }

 private:
  Placement(Kind kind, size_t index) : kind_(kind), index_(index) {}
  Kind kind_;
  size_t index_;
};

struct SpawnOptions {
  Placement placement = Placement::local();
  // How the parent treats this child's failures; unset: the default policy
  // (for top-level actors too, supervised by the runtime).
  std::optional<SupervisionPolicy> supervision;
  // Messages handled per turn before the actor yields its reactor, so one hot
  // actor cannot starve the others.
  uint32_t batch = 64;

  // Shorthands for the common cases.
  static SpawnOptions on(size_t reactor_index) {
    SpawnOptions options;
    options.placement = Placement::on(reactor_index);
    return options;
  }
  static SpawnOptions supervised(SupervisionPolicy policy) {
    SpawnOptions options;
    options.supervision = std::move(policy);
    return options;
  }
};

}  // namespace gale

#endif  // GALE_ACTORS_SPAWN_OPTIONS_H_
