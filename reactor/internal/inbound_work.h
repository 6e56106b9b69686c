// InboundWork: a Work as the reactor's cross-thread queue holds it. Internal.
//
// The queue moves each item out into the reactor's dequeue batch and destroys
// it at once. InboundWork's moves use Callback::relocate_from_queue, which
// leaves a source whose destruction is a no-op (most posted lambdas: pointers
// and integers) unwritten, so the reactor reading its inbound queue writes
// nothing to the slots it reads: with a plain Work, clearing each moved-from
// slot sent its cache line back to the posting core, whose next enqueue then
// waited for it (bench/actors pingpong_cross).
//
// A moved-from InboundWork is fit only for destruction; nothing else but the
// queue and the batch handles one.
#ifndef GALE_REACTOR_INTERNAL_INBOUND_WORK_H_
#define GALE_REACTOR_INTERNAL_INBOUND_WORK_H_

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

  // Into the reactor's dequeue batch, whose slots are normally empty (the
  // reactor clears each after its run); a callable still there is destroyed.
  InboundWork& operator=(InboundWork&& other) noexcept {
    fn.relocate_from_queue(other.fn);
    where = other.where;
    return *this;
  }

  InboundWork(const InboundWork&) = delete;
  InboundWork& operator=(const InboundWork&) = delete;
  ~InboundWork() = default;

  Callback fn;
  std::source_location where;
};

}  // namespace gale::internal

#endif  // GALE_REACTOR_INTERNAL_INBOUND_WORK_H_
