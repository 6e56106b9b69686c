// errno_status(): a failed system call as an absl::Status. The code is
// Abseil's mapping of the errno (EADDRINUSE → kUnavailable, ECONNREFUSED →
// kUnavailable, EMFILE → kResourceExhausted, ...); the message names the call,
// what it was applied to, and strerror.
//
//   if (::bind(fd, address.get(), address.length()) != 0)
//     return gale::errno_status(errno, "bind", address.to_string());
//   // UNAVAILABLE: "bind 0.0.0.0:8888: Address already in use"
//
// Thread contract: thread-safe.
#ifndef GALE_NET_ERRNO_STATUS_H_
#define GALE_NET_ERRNO_STATUS_H_

#include <string_view>

#include "absl/status/status.h"

namespace gale {

// Debian's Abseil has a string_view of its own (ABSL_USES_STD_STRING_VIEW is
// off); these cross between it and std::string_view without a copy.
inline absl::string_view to_absl(std::string_view text) {
  return absl::string_view(text.data(), text.size());
}
inline std::string_view from_absl(absl::string_view text) {
  return std::string_view(text.data(), text.size());
}

// `call` failed with `error`; `subject` (an address, a host) is named when
// given: "<call> <subject>: <strerror>".
absl::Status errno_status(int error, std::string_view call,
                          std::string_view subject = {});

}  // namespace gale

#endif  // GALE_NET_ERRNO_STATUS_H_
