// RequestParser: a strict, incremental, zero-copy parser of HTTP/1.0 and
// HTTP/1.1 request heads (RFC 9112 §2-§7, RFC 9110). Pure function of the
// bytes: no reactor, no I/O, no allocation per request once the head's header
// vector has grown.
//
//   gale::http::RequestParser parser(gale::http::ParserLimits{});
//   gale::http::RequestHead head;
//   std::string buffered;  // received and not yet consumed
//   // ... after each read appended to `buffered`:
//   gale::http::ParseResult result = parser.parse(buffered, &head);
//   switch (result.kind) {
//     case gale::http::ParseResult::Kind::kIncomplete:
//       break;  // read more and call again, with the longer buffer
//     case gale::http::ParseResult::Kind::kError:
//       // answer result.status ("400 Bad Request", ...) and close
//       break;
//     case gale::http::ParseResult::Kind::kComplete:
//       // use `head` (views into `buffered`), read the body per head.body,
//       // then erase result.head_bytes (+ body) and parse the next request
//       break;
//   }
//
// Incremental: a call with a longer buffer (the same bytes, more appended)
// only scans the new bytes for the end of the head, and successive prefixes of
// a request give kIncomplete until the one that decides the outcome, which
// gives the same result as a single call with the whole request. The parser
// forgets that state after kComplete and kError (the next call starts a new
// request at buffered[0]) or on reset().
//
// Strict where leniency enables request smuggling or cache poisoning: bare CR
// or LF, obs-fold, whitespace before the colon, a Content-Length that is not
// one clean number, Transfer-Encoding with Content-Length or in HTTP/1.0, a
// missing or repeated Host: all are errors (400), never guessed at. Limits
// are checked while the head is still incomplete, so an endless request line
// or head is rejected as soon as it passes the limit.
//
// Thread contract: none of its own (a value owned by one connection).
#ifndef GALE_HTTP_REQUEST_PARSER_H_
#define GALE_HTTP_REQUEST_PARSER_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "http/request_head.h"

namespace gale::http {

// Every limit of the request head, with the status answered past it.
struct ParserLimits {
  // Longest request-line, without its CRLF; longer → 414 URI Too Long.
  size_t max_request_line = 8192;
  // Longest head, from the first byte (leading empty lines included) through
  // the final CRLF CRLF; longer → 431 Request Header Fields Too Large.
  size_t max_head_bytes = 16384;
  // Most field lines; more → 431.
  size_t max_headers = 100;
  // Largest Content-Length accepted; larger → 413 Content Too Large. (The
  // same bound for chunked bodies is ChunkedDecoder's max_body.)
  uint64_t max_body = uint64_t{16} << 20;
};

struct ParseResult {
  enum class Kind { kIncomplete, kComplete, kError };
  Kind kind = Kind::kIncomplete;
  // kComplete: bytes of the head, through the final CRLF CRLF; the body (if
  // any) starts at buffered[head_bytes].
  size_t head_bytes = 0;
  // kError: the status to answer (400, 414, 431, 413, 501, 505) and why, as
  // a static string short enough for a reason phrase or a log line.
  int status = 0;
  std::string_view reason;
};

class RequestParser {
 public:
  // Empty lines (CRLF) tolerated before a request-line (RFC 9112 §2.2: some
  // clients send one after a POST body); one more is an error.
  static constexpr int kMaxLeadingEmptyLines = 4;

  explicit RequestParser(ParserLimits limits = {});

  // Parses the request starting at buffered[0]. On kComplete, *head holds
  // views into `buffered`; on kIncomplete *head is untouched; on kError it is
  // unspecified. Between calls that return kIncomplete, `buffered` must keep
  // its bytes (it may move, and grow at the end).
  ParseResult parse(std::string_view buffered, RequestHead* head);

  // Forgets how far the current request was scanned: the next parse() starts
  // afresh. Needed only when abandoning a request parse() has not finished.
  void reset();

  const ParserLimits& limits() const { return limits_; }

 private:
  // Finds the end of the head in buffered[scanned_..]; fills *result with an
  // error or the head's size, or leaves it kIncomplete.
  void scan(std::string_view buffered, size_t start, ParseResult* result);
  ParseResult parse_head(std::string_view head_bytes, size_t start,
                         RequestHead* head) const;

  ParserLimits limits_;
  // Bytes of the current request already scanned for LFs (0: none).
  size_t scanned_ = 0;
  // Index of the LF that ends the request-line, once scanned (0: not yet).
  size_t request_line_end_ = 0;
};

}  // namespace gale::http

#endif  // GALE_HTTP_REQUEST_PARSER_H_
