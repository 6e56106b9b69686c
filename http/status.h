// reason_phrase(): the reason phrase of an HTTP status code (RFC 9110 §15),
// as written in a status line.
//
//   std::string_view phrase = gale::http::reason_phrase(404);  // "Not Found"
//
// Thread contract: thread-safe.
#ifndef GALE_HTTP_STATUS_H_
#define GALE_HTTP_STATUS_H_

#include <string_view>

namespace gale::http {

// "Unknown" for a code RFC 9110 does not name.
std::string_view reason_phrase(int status);

}  // namespace gale::http

#endif  // GALE_HTTP_STATUS_H_
