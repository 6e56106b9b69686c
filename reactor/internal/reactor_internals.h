// ReactorInternals: the few private parts of a Reactor that the coroutine layer
// of reactor/ needs (the list of running task chains, the exception handler).
// Internal. (The runtime's lanes between reactors are internal::PeerLanes, in
// reactor.h.)
//
// Thread contract: Reactor thread only.
#ifndef GALE_REACTOR_INTERNAL_REACTOR_INTERNALS_H_
#define GALE_REACTOR_INTERNAL_REACTOR_INTERNALS_H_

#include <source_location>

#include "reactor/internal/root_task_list.h"
#include "reactor/reactor.h"

namespace gale::internal {

struct ReactorInternals {
  static RootTaskList& root_tasks(Reactor& reactor) {
    return reactor.root_tasks_;
  }

  // Reports the exception being handled (call inside a catch block) as if a
  // callback scheduled at `where` had thrown it.
  static void report_failure(Reactor& reactor, std::source_location where) {
    reactor.report_exception(where);
  }
};

}  // namespace gale::internal

#endif  // GALE_REACTOR_INTERNAL_REACTOR_INTERNALS_H_
