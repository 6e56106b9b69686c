// InboundWork: a Work as the reactor's cross-thread queue holds it, and
// DequeuedWork: one taken from the queue into the reactor's batch. Internal.
//
// The queue moves each item out into the reactor's dequeue batch and destroys
// it at once. Both moves use Callback::relocate_from_queue, which leaves a
// source whose destruction is a no-op (most posted lambdas: pointers and
// integers) unwritten, so the reactor reading its inbound queue writes nothing
// to the slots it reads: with a plain Work, clearing each moved-from slot sent
// its cache line back to the posting core, whose next enqueue then waited for
// it (bench/actors pingpong_cross).
//
// A moved-from InboundWork is fit only for destruction; nothing else but the
// queue and the batch handles one.
#ifndef GALE_REACTOR_INTERNAL_INBOUND_WORK_H_
#define GALE_REACTOR_INTERNAL_INBOUND_WORK_H_

#include <cstdint>
#include <source_location>
#include <utility>

#include "reactor/callback.h"

namespace gale::internal {

struct InboundWork {
  InboundWork() = default;
  InboundWork(Callback&& callback, std::source_location scheduled_at) noexcept
      : fn(std::move(callback)), where(scheduled_at) {}

  InboundWork(InboundWork&& other) noexcept : where(other.where) {
    fn.relocate_from_queue(other.fn);
  }

  // Items leave the queue only into a DequeuedWork.
  InboundWork& operator=(InboundWork&&) = delete;
  InboundWork(const InboundWork&) = delete;
  InboundWork& operator=(const InboundWork&) = delete;
  ~InboundWork() = default;

  Callback fn;
  std::source_location where;
};

// An entry of the reactor's dequeue batch. Besides the callable it keeps the
// address of the queue slot it came from: a producer that posts one item at a
// time (a ping-pong) writes its next one in the slot after the last one taken,
// which the reactor fetches ahead of the dequeue
// (Reactor::prefetch_next_inbound).
struct DequeuedWork {
  // The queue's bulk dequeue assigns each item it takes. The batch's entries
  // are normally empty (the reactor clears each after its run); a callable
  // still there is destroyed.
  DequeuedWork& operator=(InboundWork&& from) noexcept {
    fn.relocate_from_queue(from.fn);
    where = from.where;
    slot = &from;
    return *this;
  }

  // The address where the item after this one probably is: the next slot of
  // the same block. A guess, to prefetch and never to dereference (so an
  // integer): the slot may be past the block's end, unwritten, or another
  // producer's. 0 before the first assignment.
  uintptr_t next_slot() const {
    if (slot == nullptr) return 0;
    return reinterpret_cast<uintptr_t>(slot) + sizeof(InboundWork);
  }

  Callback fn;
  std::source_location where;
  // The queue slot the item came from, destroyed since: an address only.
  const void* slot = nullptr;
};

}  // namespace gale::internal

#endif  // GALE_REACTOR_INTERNAL_INBOUND_WORK_H_
