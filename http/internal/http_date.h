// http_date(): the current time as an HTTP Date header value (IMF-fixdate,
// "Sun, 06 Nov 1994 08:49:37 GMT"), formatted at most once a second per
// thread — a reactor answering 100k requests a second formats it once, not
// 100k times. Internal.
//
//   out.append("Date: ").append(gale::http::internal::http_date());
//
// Thread contract: thread-safe (one cache per thread).
#ifndef GALE_HTTP_INTERNAL_HTTP_DATE_H_
#define GALE_HTTP_INTERNAL_HTTP_DATE_H_

#include <string_view>

namespace gale::http::internal {

std::string_view http_date();

}  // namespace gale::http::internal

#endif  // GALE_HTTP_INTERNAL_HTTP_DATE_H_
