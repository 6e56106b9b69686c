#include "net/errno_status.h"

#include "absl/strings/str_cat.h"

namespace gale {

absl::Status errno_status(int error, std::string_view call,
                          std::string_view subject) {
  // ErrnoToStatus appends ": <strerror>" itself (thread-safely).
  return absl::ErrnoToStatus(
      error, subject.empty()
                 ? std::string(call)
                 : absl::StrCat(to_absl(call), " ", to_absl(subject)));
}

}  // namespace gale
