// detached(): a copy of an absl::Status that shares nothing with the original.
// A status crossing threads is copied this way because Debian's Abseil is not
// built with ThreadSanitizer: the reference count of a shared status rep is
// dropped inside the uninstrumented library, so TSan would see its final
// delete on one thread race with a copy made on another. A fresh rep per
// crossing costs one allocation on a path that is already rare (a failure, a
// termination notice) and keeps TSan's reports meaningful. Internal.
//
// Thread contract: a pure function.
#ifndef GALE_ACTORS_INTERNAL_DETACHED_STATUS_H_
#define GALE_ACTORS_INTERNAL_DETACHED_STATUS_H_

#include "absl/status/status.h"

namespace gale::internal {

inline absl::Status detached(const absl::Status& status) {
  if (status.ok()) return absl::OkStatus();
  return absl::Status(status.code(), status.message());
}

}  // namespace gale::internal

#endif  // GALE_ACTORS_INTERNAL_DETACHED_STATUS_H_
