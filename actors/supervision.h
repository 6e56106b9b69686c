// Supervision: what happens to an actor whose handler throws. The decision
// is its parent's (the actor that spawned it), Erlang's one-for-one: only the
// failing child is restarted, stopped or escalated, and a child that fails
// too often in a window is stopped and its failure escalated (OTP's restart
// intensity), so a crash loop cannot spin forever.
//
//   class Boss : public gale::Actor {
//    public:
//     void on_start() override {
//       gale::SupervisionPolicy policy;
//       policy.max_restarts = 3;                        // at most 3 restarts
//       policy.within = std::chrono::seconds(1);        // in any 1 s window
//       worker_ = spawn<Worker>(gale::SpawnOptions::supervised(policy));
//     }
//   };
//
// A top-level actor (spawned from outside any actor) is supervised by the
// runtime with the default policy; escalating from the top stops it. Every
// failure is also reported to the reactor's exception handler.
//
// Thread contract: plain values, copied into each child when it is spawned.
#ifndef GALE_ACTORS_SUPERVISION_H_
#define GALE_ACTORS_SUPERVISION_H_

#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>

#include "absl/status/status.h"
#include "reactor/clock.h"

namespace gale {

enum class Directive {
  kResume,    // keep the actor and its state; drop the failed message
  kRestart,   // replace the actor by a fresh instance built from its spawn
              // arguments (on_stop, then on_start); its mailbox is kept
  kStop,      // stop the actor (on_stop); queued messages fail
  kEscalate,  // stop the actor and fail its parent with the same exception
};

struct SupervisionPolicy {
  // The directive for a failure; `decide`, if set, chooses per exception.
  Directive directive = Directive::kRestart;
  std::function<Directive(std::exception_ptr)> decide;

  // Restart intensity: the (max_restarts + 1)-th restart within `within`
  // stops the child and escalates instead.
  int max_restarts = 3;
  Duration within = std::chrono::seconds(5);
};

// Why an actor terminated: OK for a normal stop, the failure otherwise.
using ExitReason = absl::Status;

// The termination notice a watcher receives (Actor::on_down).
struct Down {
  uint64_t actor_id = 0;
  ExitReason reason;
};

}  // namespace gale

#endif  // GALE_ACTORS_SUPERVISION_H_
