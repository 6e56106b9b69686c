// Percent-decoding of URI components (RFC 3986 §2.1) and the splitting of a
// query string into name/value pairs (the application/x-www-form-urlencoded
// convention: '&' between pairs, '=' inside one, '+' for a space).
//
//   std::string path;
//   if (!gale::http::percent_decode(head.path, &path, false)) {
//     // answer 400: "%zz" is not an escape
//   }
//   std::vector<std::pair<std::string, std::string>> args;
//   gale::http::parse_query("q=a+b&lang=en%2Dgb", &args);
//   // args == {{"q", "a b"}, {"lang", "en-gb"}}
//
// Decode after splitting, never before: "%2F" decodes to '/', "%26" to '&',
// and the decoded text may hold any byte (NUL included), so it must not be
// split or used as a file name without further checks.
//
// Thread contract: none (pure functions).
#ifndef GALE_HTTP_PERCENT_H_
#define GALE_HTTP_PERCENT_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gale::http {

// Replaces *out with `in`, each "%XX" (two hex digits, either case) turned
// into its byte and, when `plus_as_space`, each '+' into a space. False (and
// *out unspecified) when a '%' is not followed by two hex digits.
bool percent_decode(std::string_view in, std::string* out, bool plus_as_space);

// Replaces *args with the pairs of `query` (without its '?'), in order:
// split on '&', then on the first '='; names and values percent-decoded with
// '+' as space. "a" gives {"a", ""}; empty pairs ("a&&b", a trailing '&')
// are skipped. False (and *args unspecified) on a malformed escape.
bool parse_query(std::string_view query,
                 std::vector<std::pair<std::string, std::string>>* args);

}  // namespace gale::http

#endif  // GALE_HTTP_PERCENT_H_
