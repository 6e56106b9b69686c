// GALE_RETURN_IF_ERROR: returns early from a function that returns absl::Status
// or absl::StatusOr<T> when an expression yields a non-OK status. Abseil
// 20220623 ships no status macros, so Gale keeps this one.
//
//   absl::Status open_all() {
//     GALE_RETURN_IF_ERROR(open_listener());
//     return open_wakeup_fd();
//   }
#ifndef GALE_REACTOR_STATUS_MACROS_H_
#define GALE_REACTOR_STATUS_MACROS_H_

#include "absl/status/status.h"

#define GALE_RETURN_IF_ERROR(expr)               \
  do {                                           \
    ::absl::Status gale_status_ = (expr);        \
    if (!gale_status_.ok()) return gale_status_; \
  } while (false)

#endif  // GALE_REACTOR_STATUS_MACROS_H_
