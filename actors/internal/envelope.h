// Envelope: one message on its way to an actor, with what its sender waits
// for (nothing for tell, a reply for ask). Allocated once (by the sender, or
// by the target for a small tell that arrives while the actor is busy), moved
// through the reactor's queues as a pointer, linked into the mailbox
// intrusively and freed by the target after the handler ran. Internal.
//
// Thread contract: built on the sending thread; delivered, rejected and
// destroyed on the target actor's reactor thread (or, dropped unrun during a
// runtime teardown, on the thread destroying that reactor).
#ifndef GALE_ACTORS_INTERNAL_ENVELOPE_H_
#define GALE_ACTORS_INTERNAL_ENVELOPE_H_

#include <exception>
#include <source_location>

#include "absl/status/status.h"
#include "reactor/task.h"

namespace gale {

class Actor;

namespace internal {

class Envelope {
 public:
  virtual ~Envelope() = default;

  // Runs the message's handler on `actor`. A coroutine handler returns its
  // Task (the mailbox waits for it, and keeps this envelope, until it ends);
  // a plain one returns an empty Task. What the handler throws propagates,
  // the sender's ask untouched: the cell reports it, then calls fail().
  virtual Task<void> deliver(Actor& actor) = 0;

  // The handler threw `error`: fails the sender's ask with it.
  virtual void fail(const std::exception_ptr& /*error*/) {}

  // The message will never be handled (its actor is gone or stopping): fails
  // the sender's ask with `why`. Tells are dropped.
  virtual void reject(const absl::Status& why) = 0;

  Envelope* next = nullptr;  // the mailbox's link
  // Where it was sent (tell, ask): what a failure report names.
  std::source_location sent_from;
};

}  // namespace internal
}  // namespace gale

#endif  // GALE_ACTORS_INTERNAL_ENVELOPE_H_
