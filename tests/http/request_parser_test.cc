// RequestParser: every rule of the head grammar with a request it accepts and
// one it rejects; limits at and one past the boundary; every request is also
// fed byte by byte and as every prefix, which must agree with one call.
#include "http/request_parser.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>

#include "http/request_head.h"

namespace gale::http {
namespace {

using namespace std::string_view_literals;
using Kind = ParseResult::Kind;
using BodyKind = RequestHead::BodyKind;

// Every field of a head, as text: heads compare equal when these do.
std::string describe(const RequestHead& head) {
  std::string out;
  out += std::string(head.method_text) + "|" +
         std::to_string(static_cast<int>(head.method)) + "|" +
         std::string(head.target) + "|" + std::string(head.path) + "|" +
         std::string(head.query) + "|" + std::to_string(head.version_minor) +
         "|" + std::to_string(static_cast<int>(head.body)) + "|" +
         std::to_string(head.content_length) + "|" +
         std::to_string(head.keep_alive) + "|" +
         std::to_string(head.expect_continue) + "|" + std::string(head.host);
  for (const Header& header : head.headers) {
    out += "|" + std::string(header.name) + ":" + std::string(header.value);
  }
  return out;
}

// The first outcome of `actual` must be `expected`, head included.
void expect_same_outcome(const ParseResult& actual, const RequestHead& head,
                         const ParseResult& expected,
                         const RequestHead& expected_head) {
  EXPECT_EQ(actual.kind, expected.kind);
  EXPECT_EQ(actual.status, expected.status);
  EXPECT_EQ(actual.reason, expected.reason);
  EXPECT_EQ(actual.head_bytes, expected.head_bytes);
  if (actual.kind == Kind::kComplete) {
    EXPECT_EQ(describe(head), describe(expected_head));
  }
}

// Feeds `text` to one parser a byte at a time (the buffer grows, and may
// move, between calls) and, for short texts, every prefix to a fresh parser:
// each must say kIncomplete until the prefix that decides, and then exactly
// what one call with the whole text says.
void expect_incremental_agrees(std::string_view text, ParserLimits limits) {
  RequestParser whole_parser(limits);
  RequestHead whole;
  ParseResult expected = whole_parser.parse(text, &whole);

  RequestParser parser(limits);
  RequestHead head;
  std::string buffer;
  ParseResult result;
  for (size_t i = 0; i < text.size(); ++i) {
    buffer.push_back(text[i]);
    result = parser.parse(buffer, &head);
    if (result.kind == Kind::kIncomplete) continue;
    SCOPED_TRACE("decided at prefix " + std::to_string(i + 1));
    expect_same_outcome(result, head, expected, whole);
    break;
  }
  if (result.kind == Kind::kIncomplete) {
    EXPECT_EQ(expected.kind, Kind::kIncomplete);
  }

  if (text.size() > 2048) return;  // quadratic below
  bool decided = false;
  for (size_t n = 0; n <= text.size(); ++n) {
    RequestParser fresh(limits);
    result = fresh.parse(text.substr(0, n), &head);
    if (result.kind == Kind::kIncomplete) {
      ASSERT_FALSE(decided) << "undecided again at prefix " << n;
      continue;
    }
    decided = true;
    SCOPED_TRACE("fresh parser, prefix " + std::to_string(n));
    expect_same_outcome(result, head, expected, whole);
  }
}

// The status a request is answered with: 0 when it parses, -1 when more
// bytes are needed. Also checks the incremental paths agree.
int status_of(std::string_view text, ParserLimits limits = {}) {
  expect_incremental_agrees(text, limits);
  RequestParser parser(limits);
  RequestHead head;
  ParseResult result = parser.parse(text, &head);
  switch (result.kind) {
    case Kind::kIncomplete:
      return -1;
    case Kind::kComplete:
      EXPECT_EQ(result.head_bytes, text.size());
      return 0;
    case Kind::kError:
      EXPECT_GE(result.status, 400);
      EXPECT_LT(result.status, 600);
      EXPECT_FALSE(result.reason.empty());
      return result.status;
  }
  return -2;
}

// Parses a request that must be complete. The head's views point into a
// copy of `text` kept until the test program exits, so callers may pass
// temporaries.
RequestHead parse_ok(std::string_view text, ParserLimits limits = {}) {
  static std::deque<std::string> kept;  // a deque never moves its elements
  const std::string& bytes = kept.emplace_back(text);
  expect_incremental_agrees(bytes, limits);
  RequestParser parser(limits);
  RequestHead head;
  ParseResult result = parser.parse(bytes, &head);
  EXPECT_EQ(result.kind, Kind::kComplete)
      << result.status << " " << result.reason << " for " << text;
  EXPECT_EQ(result.head_bytes, bytes.size());
  return head;
}

// A GET with Host and the given field lines (each ending in CRLF).
std::string get_with(std::string_view fields) {
  return "GET / HTTP/1.1\r\nHost: example.com\r\n" + std::string(fields) +
         "\r\n";
}

// ---- request-line ----

TEST(RequestParserTest, SimpleGetFillsEveryField) {
  RequestHead head = parse_ok(
      "GET /index.html?a=1&b=2 HTTP/1.1\r\n"
      "Host: example.com:8080\r\n"
      "User-Agent: test\r\n"
      "\r\n");
  EXPECT_EQ(head.method, Method::kGet);
  EXPECT_EQ(head.method_text, "GET");
  EXPECT_EQ(head.target, "/index.html?a=1&b=2");
  EXPECT_EQ(head.path, "/index.html");
  EXPECT_EQ(head.query, "a=1&b=2");
  EXPECT_EQ(head.version_minor, 1);
  ASSERT_EQ(head.headers.size(), 2u);
  EXPECT_EQ(head.headers[0].name, "Host");
  EXPECT_EQ(head.headers[0].value, "example.com:8080");
  EXPECT_EQ(head.headers[1].name, "User-Agent");
  EXPECT_EQ(head.host, "example.com:8080");
  EXPECT_EQ(head.body, BodyKind::kNone);
  EXPECT_EQ(head.content_length, 0u);
  EXPECT_TRUE(head.keep_alive);
  EXPECT_FALSE(head.expect_continue);
}

TEST(RequestParserTest, PathWithoutQueryHasEmptyQuery) {
  RequestHead head = parse_ok(get_with(""));
  EXPECT_EQ(head.path, "/");
  EXPECT_EQ(head.query, "");
  RequestHead marked = parse_ok("GET /a? HTTP/1.0\r\n\r\n");
  EXPECT_EQ(marked.path, "/a");
  EXPECT_EQ(marked.query, "");
}

TEST(RequestParserTest, LeadingEmptyLinesAreSkippedAndCounted) {
  std::string text = "\r\n\r\n" + get_with("");
  RequestParser parser(ParserLimits{});
  RequestHead head;
  ParseResult result = parser.parse(text, &head);
  ASSERT_EQ(result.kind, Kind::kComplete);
  EXPECT_EQ(result.head_bytes, text.size());  // consumed with the head
  EXPECT_EQ(head.method_text, "GET");
  EXPECT_EQ(status_of(text), 0);
  EXPECT_EQ(status_of("\r\n\r\n\r\n\r\n" + get_with("")), 0);
}

TEST(RequestParserTest, TooManyOrBrokenLeadingEmptyLinesAre400) {
  EXPECT_EQ(status_of("\r\n\r\n\r\n\r\n\r\n" + get_with("")), 400);
  EXPECT_EQ(status_of("\n" + get_with("")), 400);
  EXPECT_EQ(status_of("\r" + get_with("")), 400);
  EXPECT_EQ(status_of("\r\n"), -1);
  EXPECT_EQ(status_of("\r"), -1);
}

TEST(RequestParserTest, KnownAndOtherMethods) {
  struct {
    const char* text;
    Method method;
  } cases[] = {{"GET", Method::kGet},         {"HEAD", Method::kHead},
               {"POST", Method::kPost},       {"PUT", Method::kPut},
               {"PATCH", Method::kPatch},     {"DELETE", Method::kDelete},
               {"OPTIONS", Method::kOptions}, {"TRACE", Method::kTrace},
               {"PURGE", Method::kOther},     {"get", Method::kOther},
               {"M-SEARCH", Method::kOther}};
  for (const auto& c : cases) {
    RequestHead head =
        parse_ok(std::string(c.text) + " / HTTP/1.1\r\nHost: h\r\n\r\n");
    EXPECT_EQ(head.method, c.method) << c.text;
    EXPECT_EQ(head.method_text, c.text);
    if (c.method != Method::kOther) {
      EXPECT_EQ(method_name(c.method), c.text);
    }
    EXPECT_EQ(method_from(c.text), c.method);
  }
  EXPECT_EQ(method_name(Method::kConnect), "CONNECT");
  EXPECT_EQ(method_name(Method::kOther), "");
}

TEST(RequestParserTest, HeadRequestParses) {
  RequestHead head = parse_ok("HEAD /file HTTP/1.1\r\nHost: h\r\n\r\n");
  EXPECT_EQ(head.method, Method::kHead);
  EXPECT_EQ(head.path, "/file");
  EXPECT_EQ(head.body, BodyKind::kNone);
}

TEST(RequestParserTest, MethodThatIsNotATokenIs400) {
  EXPECT_EQ(status_of("GE(T / HTTP/1.1\r\nHost: h\r\n\r\n"), 400);
  EXPECT_EQ(status_of("GE\"T / HTTP/1.1\r\nHost: h\r\n\r\n"), 400);
  EXPECT_EQ(status_of(" GET / HTTP/1.1\r\nHost: h\r\n\r\n"), 400);
  EXPECT_EQ(status_of("GET\r\nHost: h\r\n\r\n"), 400);
  EXPECT_EQ(status_of("GET\t/ HTTP/1.1\r\nHost: h\r\n\r\n"), 400);
}

TEST(RequestParserTest, OneSpaceBetweenPartsElse400) {
  EXPECT_EQ(status_of("GET  / HTTP/1.1\r\nHost: h\r\n\r\n"), 400);
  EXPECT_EQ(status_of("GET /  HTTP/1.1\r\nHost: h\r\n\r\n"), 400);
  EXPECT_EQ(status_of("GET / HTTP/1.1 \r\nHost: h\r\n\r\n"), 400);
  EXPECT_EQ(status_of("GET /\r\nHost: h\r\n\r\n"), 400);
  EXPECT_EQ(status_of("GET / a HTTP/1.1\r\nHost: h\r\n\r\n"), 400);
  EXPECT_EQ(status_of("GET / HTTP/1.1\r\nHost: h\r\n\r\n"), 0);
}

TEST(RequestParserTest, Http10And11AreServed) {
  EXPECT_EQ(parse_ok("GET / HTTP/1.0\r\n\r\n").version_minor, 0);
  EXPECT_EQ(parse_ok("GET / HTTP/1.1\r\nHost: h\r\n\r\n").version_minor, 1);
}

TEST(RequestParserTest, OtherWellFormedVersionsAre505) {
  for (const char* version :
       {"HTTP/2.0", "HTTP/1.2", "HTTP/3.0", "HTTP/0.9", "HTTP/1.9"}) {
    EXPECT_EQ(status_of(std::string("GET / ") + version + "\r\n\r\n"), 505)
        << version;
  }
}

TEST(RequestParserTest, MalformedVersionsAre400) {
  for (const char* version :
       {"http/1.1", "HTTP/1", "HTTP/1.", "HTTP/11.1", "HTTP/1.10", "HTTP/1,1",
        "HTTPS/1.1", "HTTP/a.b", "HTTP1.1", "", "HTTP/2"}) {
    EXPECT_EQ(
        status_of(std::string("GET / ") + version + "\r\nHost: h\r\n\r\n"), 400)
        << version;
  }
}

// ---- request-target ----

TEST(RequestParserTest, AbsoluteFormGivesPathQueryAndHost) {
  RequestHead head = parse_ok(
      "GET http://example.org:81/p/q?x=1 HTTP/1.1\r\n"
      "Host: other.example\r\n\r\n");
  EXPECT_EQ(head.target, "http://example.org:81/p/q?x=1");
  EXPECT_EQ(head.path, "/p/q");
  EXPECT_EQ(head.query, "x=1");
  EXPECT_EQ(head.host, "example.org:81");  // the target wins over Host
  EXPECT_EQ(head.find("host")->value, "other.example");

  RequestHead secure =
      parse_ok("GET HTTPS://h.example/ HTTP/1.1\r\nHost: h.example\r\n\r\n");
  EXPECT_EQ(secure.path, "/");
  EXPECT_EQ(secure.host, "h.example");
}

TEST(RequestParserTest, AbsoluteFormWithoutPathHasRootPath) {
  RequestHead head = parse_ok("GET http://h HTTP/1.1\r\nHost: h\r\n\r\n");
  EXPECT_EQ(head.path, "/");
  EXPECT_EQ(head.path.data(), static_cast<const char*>(kRootPath));
  EXPECT_EQ(head.query, "");
  RequestHead query = parse_ok("GET http://h?a=b HTTP/1.1\r\nHost: h\r\n\r\n");
  EXPECT_EQ(query.path, "/");
  EXPECT_EQ(query.query, "a=b");
  EXPECT_EQ(query.host, "h");
}

TEST(RequestParserTest, InvalidAbsoluteFormsAre400) {
  EXPECT_EQ(status_of("GET http:///p HTTP/1.1\r\nHost: h\r\n\r\n"), 400);
  EXPECT_EQ(status_of("GET http:// HTTP/1.1\r\nHost: h\r\n\r\n"), 400);
  EXPECT_EQ(status_of("GET http://u@h/ HTTP/1.1\r\nHost: h\r\n\r\n"), 400);
  EXPECT_EQ(status_of("GET ftp://h/ HTTP/1.1\r\nHost: h\r\n\r\n"), 400);
  EXPECT_EQ(status_of("GET http:/h/ HTTP/1.1\r\nHost: h\r\n\r\n"), 400);
  EXPECT_EQ(status_of("GET http://h:8x/ HTTP/1.1\r\nHost: h\r\n\r\n"), 400);
}

TEST(RequestParserTest, AuthorityFormOnlyWithConnect) {
  RequestHead head = parse_ok(
      "CONNECT server.example:443 HTTP/1.1\r\nHost: server.example:443\r\n"
      "\r\n");
  EXPECT_EQ(head.method, Method::kConnect);
  EXPECT_EQ(head.target, "server.example:443");
  EXPECT_EQ(head.path, "");
  EXPECT_EQ(head.host, "server.example:443");
  EXPECT_EQ(parse_ok("CONNECT [::1]:80 HTTP/1.1\r\nHost: h\r\n\r\n").target,
            "[::1]:80");

  EXPECT_EQ(status_of("GET server.example:443 HTTP/1.1\r\nHost: h\r\n\r\n"),
            400);
  EXPECT_EQ(status_of("CONNECT / HTTP/1.1\r\nHost: h\r\n\r\n"), 400);
  EXPECT_EQ(status_of("CONNECT server.example HTTP/1.1\r\nHost: h\r\n\r\n"),
            400);  // the port is required
  EXPECT_EQ(status_of("CONNECT h: HTTP/1.1\r\nHost: h\r\n\r\n"), 400);
  EXPECT_EQ(status_of("CONNECT http://h:1/ HTTP/1.1\r\nHost: h\r\n\r\n"), 400);
  EXPECT_EQ(status_of("CONNECT * HTTP/1.1\r\nHost: h\r\n\r\n"), 400);
}

TEST(RequestParserTest, AsteriskFormOnlyWithOptions) {
  RequestHead head = parse_ok("OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n");
  EXPECT_EQ(head.method, Method::kOptions);
  EXPECT_EQ(head.path, "*");
  EXPECT_EQ(head.query, "");
  EXPECT_EQ(parse_ok("OPTIONS /x HTTP/1.1\r\nHost: h\r\n\r\n").path, "/x");

  EXPECT_EQ(status_of("GET * HTTP/1.1\r\nHost: h\r\n\r\n"), 400);
  EXPECT_EQ(status_of("OPTIONS *x HTTP/1.1\r\nHost: h\r\n\r\n"), 400);
}

TEST(RequestParserTest, TargetInNoFormIs400) {
  EXPECT_EQ(status_of("GET index.html HTTP/1.1\r\nHost: h\r\n\r\n"), 400);
  EXPECT_EQ(status_of("GET ?a HTTP/1.1\r\nHost: h\r\n\r\n"), 400);
}

TEST(RequestParserTest, TargetWithCtlDelNonAsciiOrFragmentIs400) {
  EXPECT_EQ(status_of("GET /a\0b HTTP/1.1\r\nHost: h\r\n\r\n"sv), 400);
  EXPECT_EQ(status_of("GET /a\x01 HTTP/1.1\r\nHost: h\r\n\r\n"), 400);
  EXPECT_EQ(status_of("GET /a\x7f HTTP/1.1\r\nHost: h\r\n\r\n"), 400);
  EXPECT_EQ(status_of("GET /caf\xc3\xa9 HTTP/1.1\r\nHost: h\r\n\r\n"), 400);
  EXPECT_EQ(status_of("GET /a#frag HTTP/1.1\r\nHost: h\r\n\r\n"), 400);
  EXPECT_EQ(status_of("GET /a\tb HTTP/1.1\r\nHost: h\r\n\r\n"), 400);
  // Everything else visible is left to whoever reads the path.
  RequestHead head = parse_ok(
      "GET /a%20b/c;d=e,f@g:h!$'()*+~[]|{} HTTP/1.1\r\nHost: h\r\n\r\n");
  EXPECT_EQ(head.path, "/a%20b/c;d=e,f@g:h!$'()*+~[]|{}");
}

// ---- line endings ----

TEST(RequestParserTest, BareLfAnywhereIs400) {
  EXPECT_EQ(status_of("GET / HTTP/1.1\nHost: h\r\n\r\n"), 400);
  EXPECT_EQ(status_of("GET / HTTP/1.1\r\nHost: h\n\r\n"), 400);
  EXPECT_EQ(status_of("GET / HTTP/1.1\r\nHost: h\r\n\n"), 400);
  EXPECT_EQ(status_of("GET / HTTP/1.1\r\nHost: h\r\nA: b\nc\r\n\r\n"), 400);
  EXPECT_EQ(status_of("GET / HTTP/1.0\n\n"), 400);
}

TEST(RequestParserTest, BareLfIsRejectedBeforeTheHeadEnds) {
  RequestParser parser(ParserLimits{});
  RequestHead head;
  ParseResult result = parser.parse("GET / HTTP/1.1\nHost:", &head);
  EXPECT_EQ(result.kind, Kind::kError);
  EXPECT_EQ(result.status, 400);
  EXPECT_EQ(result.reason, "bare LF");
}

TEST(RequestParserTest, BareCrAnywhereIs400) {
  EXPECT_EQ(status_of("GET / HTTP/1.1\r\nHost: h\rX: y\r\n\r\n"), 400);
  EXPECT_EQ(status_of("GET /\r HTTP/1.1\r\nHost: h\r\n\r\n"), 400);
  EXPECT_EQ(status_of("GET / HTTP/1.1\r\r\nHost: h\r\n\r\n"), 400);
  EXPECT_EQ(status_of("GET / HTTP/1.1\r\nHo\rst: h\r\n\r\n"), 400);
  RequestParser parser(ParserLimits{});
  RequestHead head;
  ParseResult result =
      parser.parse("GET / HTTP/1.1\r\nHost: h\r\nA: b\rc\r\n\r\n", &head);
  EXPECT_EQ(result.status, 400);
  EXPECT_EQ(result.reason, "bare CR");
}

// ---- limits ----

TEST(RequestParserTest, RequestLineAtTheLimitParsesOnePastIs414) {
  ParserLimits limits;
  limits.max_request_line = 64;
  std::string at = "GET /" + std::string(64 - 14, 'a') + " HTTP/1.0";
  ASSERT_EQ(at.size(), 64u);
  EXPECT_EQ(status_of(at + "\r\n\r\n", limits), 0);
  std::string past = "GET /" + std::string(64 - 13, 'a') + " HTTP/1.0";
  EXPECT_EQ(status_of(past + "\r\n\r\n", limits), 414);
}

TEST(RequestParserTest, LongRequestLineIs414BeforeItsEnd) {
  ParserLimits limits;
  limits.max_request_line = 64;
  RequestParser parser(limits);
  RequestHead head;
  std::string line = "GET /" + std::string(60, 'a');  // 65 bytes, no CRLF
  ParseResult result = parser.parse(line.substr(0, 65), &head);
  EXPECT_EQ(result.kind, Kind::kIncomplete);  // the next byte may be the CR
  line += 'a';
  result = parser.parse(line, &head);
  EXPECT_EQ(result.kind, Kind::kError);
  EXPECT_EQ(result.status, 414);
  // With the default limit, a request-line that never ends.
  EXPECT_EQ(status_of("GET /" + std::string(9000, 'a')), 414);
}

TEST(RequestParserTest, HeadAtTheLimitParsesOnePastIs431) {
  ParserLimits limits;
  limits.max_head_bytes = 256;
  std::string start = "GET / HTTP/1.1\r\nHost: h\r\nX: ";
  std::string at =
      start + std::string(256 - start.size() - 4, 'v') + "\r\n\r\n";
  ASSERT_EQ(at.size(), 256u);
  EXPECT_EQ(status_of(at, limits), 0);
  std::string past =
      start + std::string(256 - start.size() - 3, 'v') + "\r\n\r\n";
  EXPECT_EQ(status_of(past, limits), 431);
}

TEST(RequestParserTest, LongHeadIs431BeforeItsEnd) {
  ParserLimits limits;
  limits.max_head_bytes = 256;
  RequestParser parser(limits);
  RequestHead head;
  std::string text = "GET / HTTP/1.1\r\nHost: h\r\nX: ";
  text += std::string(255 - text.size(), 'v');
  EXPECT_EQ(parser.parse(text, &head).kind, Kind::kIncomplete);
  text += 'v';  // 256 bytes and no end: the head can only be longer
  ParseResult result = parser.parse(text, &head);
  EXPECT_EQ(result.kind, Kind::kError);
  EXPECT_EQ(result.status, 431);
  // Default limit: fields that never end.
  std::string endless = "GET / HTTP/1.1\r\n";
  while (endless.size() < 20000) endless += "X-Filler: 0123456789\r\n";
  EXPECT_EQ(status_of(endless), 431);
}

TEST(RequestParserTest, HeaderCountAtTheLimitParsesOnePastIs431) {
  ParserLimits limits;
  limits.max_headers = 5;
  std::string fields;
  for (int i = 0; i < 4; ++i) fields += "X-" + std::to_string(i) + ": v\r\n";
  RequestHead head = parse_ok(get_with(fields), limits);  // Host + 4
  EXPECT_EQ(head.headers.size(), 5u);
  EXPECT_EQ(status_of(get_with(fields + "X-4: v\r\n"), limits), 431);
}

TEST(RequestParserTest, DefaultLimitsAllowOneHundredFields) {
  std::string fields;
  for (int i = 0; i < 99; ++i) fields += "X-" + std::to_string(i) + ": v\r\n";
  EXPECT_EQ(parse_ok(get_with(fields)).headers.size(), 100u);
  EXPECT_EQ(status_of(get_with(fields + "X-Last: v\r\n")), 431);
}

// ---- field lines ----

TEST(RequestParserTest, FieldValueIsTrimmedOfOws) {
  RequestHead head = parse_ok(get_with(
      "A:  \t spaced value \t \r\nB:\r\nC:    \r\nD:x\r\nE: \tin\tside\r\n"));
  EXPECT_EQ(head.find("A")->value, "spaced value");
  EXPECT_EQ(head.find("B")->value, "");
  EXPECT_EQ(head.find("C")->value, "");
  EXPECT_EQ(head.find("D")->value, "x");
  EXPECT_EQ(head.find("E")->value, "in\tside");
}

TEST(RequestParserTest, ObsTextInValueIsKept) {
  RequestHead head = parse_ok(get_with("X-Name: caf\xc3\xa9\r\n"));
  EXPECT_EQ(head.find("x-name")->value, "caf\xc3\xa9");
}

TEST(RequestParserTest, HeaderNamesAreCaseInsensitive) {
  RequestHead head = parse_ok(
      "POST / HTTP/1.1\r\nHOST: h\r\ncontent-LENGTH: 3\r\n"
      "CONNECTION: CLOSE\r\nEXPECT: 100-CONTINUE\r\n\r\n");
  EXPECT_EQ(head.host, "h");
  EXPECT_EQ(head.body, BodyKind::kContentLength);
  EXPECT_EQ(head.content_length, 3u);
  EXPECT_FALSE(head.keep_alive);
  EXPECT_TRUE(head.expect_continue);
  ASSERT_NE(head.find("Content-Length"), nullptr);
  EXPECT_EQ(head.find("content-length")->name, "content-LENGTH");
  EXPECT_EQ(head.find("cOnTeNt-LeNgTh")->value, "3");
  EXPECT_EQ(head.find("content-lengt"), nullptr);
  EXPECT_EQ(head.find("X-Missing"), nullptr);
}

TEST(RequestParserTest, FindReturnsTheFirstOfRepeatedFields) {
  RequestHead head = parse_ok(get_with("Accept: a\r\naccept: b\r\n"));
  EXPECT_EQ(head.find("ACCEPT")->value, "a");
  EXPECT_EQ(head.headers.size(), 3u);
}

TEST(RequestParserTest, EqualsIgnoreCaseFoldsOnlyLetters) {
  EXPECT_TRUE(equals_ignore_case("Content-Type", "content-type"));
  EXPECT_FALSE(equals_ignore_case("a@", "a`"));  // differ only by 0x20
  EXPECT_FALSE(equals_ignore_case("[", "{"));
  EXPECT_FALSE(equals_ignore_case("ab", "abc"));
}

TEST(RequestParserTest, WhitespaceBeforeTheColonIs400) {
  EXPECT_EQ(status_of(get_with("X-A : v\r\n")), 400);
  EXPECT_EQ(status_of(get_with("X-A\t: v\r\n")), 400);
  EXPECT_EQ(status_of(get_with("Content-Length : 0\r\n")), 400);
  EXPECT_EQ(status_of(get_with("X-A: v\r\n")), 0);
}

TEST(RequestParserTest, ObsFoldIs400) {
  EXPECT_EQ(status_of(get_with("X-A: v\r\n  continued\r\n")), 400);
  EXPECT_EQ(status_of(get_with("X-A: v\r\n\tcontinued\r\n")), 400);
  // Whitespace between the request-line and the first field, too.
  EXPECT_EQ(status_of("GET / HTTP/1.1\r\n Host: h\r\n\r\n"), 400);
}

TEST(RequestParserTest, FieldNameMustBeANonEmptyToken) {
  EXPECT_EQ(status_of(get_with(": v\r\n")), 400);
  EXPECT_EQ(status_of(get_with("X(A): v\r\n")), 400);
  EXPECT_EQ(status_of(get_with("X/A: v\r\n")), 400);
  EXPECT_EQ(status_of(get_with("X\xc3\xa9: v\r\n")), 400);
  EXPECT_EQ(status_of(get_with("NoColon\r\n")), 400);
  EXPECT_EQ(status_of(get_with("X-!#$%&'*+-.^_`|~: v\r\n")), 0);
}

TEST(RequestParserTest, ControlCharactersInValueAre400) {
  EXPECT_EQ(status_of(get_with("X: a\0b\r\n"sv)), 400);
  EXPECT_EQ(status_of(get_with("X: a\x01z\r\n")), 400);
  EXPECT_EQ(status_of(get_with("X: a\x1f\r\n")), 400);
  EXPECT_EQ(status_of(get_with("X: a\x7f\r\n")), 400);
  EXPECT_EQ(status_of(get_with("X: a\tb\r\n")), 0);
}

// ---- Host ----

TEST(RequestParserTest, Http11WithoutHostIs400Http10MayOmitIt) {
  EXPECT_EQ(status_of("GET / HTTP/1.1\r\nX: y\r\n\r\n"), 400);
  RequestHead head = parse_ok("GET / HTTP/1.0\r\n\r\n");
  EXPECT_EQ(head.host, "");
  EXPECT_EQ(parse_ok("GET / HTTP/1.0\r\nHost: h\r\n\r\n").host, "h");
}

TEST(RequestParserTest, MoreThanOneHostIs400) {
  EXPECT_EQ(status_of(get_with("Host: example.com\r\n")), 400);
  EXPECT_EQ(status_of("GET / HTTP/1.0\r\nHost: a\r\nhost: b\r\n\r\n"), 400);
}

TEST(RequestParserTest, HostValueMustBeAnAuthority) {
  EXPECT_EQ(parse_ok("GET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n").host,
            "[::1]:8080");
  EXPECT_EQ(parse_ok("GET / HTTP/1.1\r\nHost: 10.0.0.1\r\n\r\n").host,
            "10.0.0.1");
  EXPECT_EQ(parse_ok("GET / HTTP/1.1\r\nHost:\r\n\r\n").host, "");
  EXPECT_EQ(status_of("GET / HTTP/1.1\r\nHost: a b\r\n\r\n"), 400);
  EXPECT_EQ(status_of("GET / HTTP/1.1\r\nHost: u@h\r\n\r\n"), 400);
  EXPECT_EQ(status_of("GET / HTTP/1.1\r\nHost: h/p\r\n\r\n"), 400);
  EXPECT_EQ(status_of("GET / HTTP/1.1\r\nHost: h:80x\r\n\r\n"), 400);
  EXPECT_EQ(status_of("GET / HTTP/1.1\r\nHost: [::1\r\n\r\n"), 400);
  EXPECT_EQ(status_of("GET / HTTP/1.1\r\nHost: :80\r\n\r\n"), 400);
}

// ---- Content-Length ----

TEST(RequestParserTest, ContentLengthFramesTheBody) {
  RequestHead head =
      parse_ok("POST /up HTTP/1.1\r\nHost: h\r\nContent-Length: 42\r\n\r\n");
  EXPECT_EQ(head.body, BodyKind::kContentLength);
  EXPECT_EQ(head.content_length, 42u);
  RequestHead zero = parse_ok(get_with("Content-Length: 0\r\n"));
  EXPECT_EQ(zero.body, BodyKind::kContentLength);
  EXPECT_EQ(zero.content_length, 0u);
  EXPECT_EQ(parse_ok(get_with("Content-Length: 007\r\n")).content_length, 7u);
}

TEST(RequestParserTest, ContentLengthThatIsNotDigitsIs400) {
  for (const char* value :
       {"+5", "-5", "5 5", "0x5", "", "5a", "1e3", "5.0", " , ", "5,", ",5"}) {
    EXPECT_EQ(
        status_of(get_with("Content-Length: " + std::string(value) + "\r\n")),
        400)
        << value;
  }
}

TEST(RequestParserTest, ContentLengthOverflowIs400) {
  ParserLimits limits;
  limits.max_body = UINT64_MAX;
  EXPECT_EQ(
      parse_ok(get_with("Content-Length: 18446744073709551615\r\n"), limits)
          .content_length,
      UINT64_MAX);
  EXPECT_EQ(
      status_of(get_with("Content-Length: 18446744073709551616\r\n"), limits),
      400);
  EXPECT_EQ(status_of(get_with("Content-Length: 99999999999999999999999\r\n"),
                      limits),
            400);
}

TEST(RequestParserTest, IdenticalDuplicateContentLengthsAreOne) {
  EXPECT_EQ(parse_ok(get_with("Content-Length: 5\r\nContent-Length: 5\r\n"))
                .content_length,
            5u);
  EXPECT_EQ(parse_ok(get_with("Content-Length: 5, 5,5\r\n")).content_length,
            5u);
  EXPECT_EQ(status_of(get_with("Content-Length: 5\r\nContent-Length: 6\r\n")),
            400);
  EXPECT_EQ(status_of(get_with("Content-Length: 5, 6\r\n")), 400);
}

TEST(RequestParserTest, ContentLengthAboveMaxBodyIs413) {
  ParserLimits limits;
  limits.max_body = 1000;
  EXPECT_EQ(
      parse_ok(get_with("Content-Length: 1000\r\n"), limits).content_length,
      1000u);
  EXPECT_EQ(status_of(get_with("Content-Length: 1001\r\n"), limits), 413);
  EXPECT_EQ(status_of(get_with("Content-Length: 16777217\r\n")), 413);
  EXPECT_EQ(status_of(get_with("Content-Length: 16777216\r\n")), 0);
}

// ---- Transfer-Encoding ----

TEST(RequestParserTest, ChunkedTransferEncodingFramesTheBody) {
  RequestHead head = parse_ok(
      "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n");
  EXPECT_EQ(head.body, BodyKind::kChunked);
  EXPECT_EQ(head.content_length, 0u);
  EXPECT_EQ(parse_ok(get_with("transfer-encoding: ChUnKeD\r\n")).body,
            BodyKind::kChunked);
  EXPECT_EQ(parse_ok(get_with("Transfer-Encoding: , chunked ,\r\n")).body,
            BodyKind::kChunked);  // empty list elements are ignored
}

TEST(RequestParserTest, OtherTransferCodingsAre501) {
  for (const char* value :
       {"gzip", "chunked, gzip", "gzip, chunked", "identity", "x-unknown",
        "chunked, chunked", "chunked;q=1"}) {
    EXPECT_EQ(status_of(get_with("Transfer-Encoding: " + std::string(value) +
                                 "\r\n")),
              501)
        << value;
  }
  EXPECT_EQ(status_of(get_with("Transfer-Encoding: chunked\r\n"
                               "Transfer-Encoding: chunked\r\n")),
            501);
  EXPECT_EQ(status_of(get_with("Transfer-Encoding: gzip\r\n"
                               "Transfer-Encoding: chunked\r\n")),
            501);
}

TEST(RequestParserTest, EmptyTransferEncodingIs400) {
  EXPECT_EQ(status_of(get_with("Transfer-Encoding:\r\n")), 400);
  EXPECT_EQ(status_of(get_with("Transfer-Encoding: ,\r\n")), 400);
}

TEST(RequestParserTest, TransferEncodingWithContentLengthIs400) {
  EXPECT_EQ(status_of(get_with("Transfer-Encoding: chunked\r\n"
                               "Content-Length: 5\r\n")),
            400);
  EXPECT_EQ(status_of(get_with("Content-Length: 5\r\n"
                               "Transfer-Encoding: chunked\r\n")),
            400);
  EXPECT_EQ(status_of(get_with("Content-Length: 5\r\n"
                               "Transfer-Encoding: gzip\r\n")),
            400);
}

TEST(RequestParserTest, TransferEncodingInHttp10Is400) {
  EXPECT_EQ(status_of("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n"),
            400);
  EXPECT_EQ(status_of("POST / HTTP/1.0\r\nContent-Length: 2\r\n\r\n"), 0);
}

TEST(RequestParserTest, NoContentLengthNorTransferEncodingMeansNoBody) {
  RequestHead head = parse_ok("POST / HTTP/1.1\r\nHost: h\r\n\r\n");
  EXPECT_EQ(head.body, BodyKind::kNone);
  EXPECT_EQ(head.content_length, 0u);
}

// ---- persistence and Expect ----

TEST(RequestParserTest, Http11KeepsAliveUnlessConnectionClose) {
  EXPECT_TRUE(parse_ok(get_with("")).keep_alive);
  EXPECT_TRUE(parse_ok(get_with("Connection: keep-alive\r\n")).keep_alive);
  EXPECT_TRUE(
      parse_ok(get_with("Connection: upgrade, x-closed\r\n")).keep_alive);
  EXPECT_FALSE(parse_ok(get_with("Connection: close\r\n")).keep_alive);
  EXPECT_FALSE(parse_ok(get_with("Connection: Upgrade, CLOSE\r\n")).keep_alive);
  EXPECT_FALSE(
      parse_ok(get_with("Connection: te\r\nConnection: Close\r\n")).keep_alive);
  EXPECT_FALSE(
      parse_ok(get_with("Connection: keep-alive, close\r\n")).keep_alive);
}

TEST(RequestParserTest, Http10ClosesUnlessConnectionKeepAlive) {
  EXPECT_FALSE(parse_ok("GET / HTTP/1.0\r\n\r\n").keep_alive);
  EXPECT_TRUE(
      parse_ok("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n").keep_alive);
  EXPECT_TRUE(parse_ok("GET / HTTP/1.0\r\nConnection: foo ,keep-alive\r\n\r\n")
                  .keep_alive);
  EXPECT_FALSE(
      parse_ok("GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n")
          .keep_alive);
  EXPECT_FALSE(parse_ok("GET / HTTP/1.0\r\nConnection: keep-alive-ish\r\n\r\n")
                   .keep_alive);
}

TEST(RequestParserTest, ExpectContinueOnlyForHttp11) {
  EXPECT_TRUE(parse_ok(get_with("Expect: 100-continue\r\n")).expect_continue);
  EXPECT_TRUE(parse_ok(get_with("Expect: 100-Continue\r\n")).expect_continue);
  EXPECT_FALSE(parse_ok(get_with("")).expect_continue);
  EXPECT_FALSE(parse_ok(get_with("Expect: 100-continued\r\n")).expect_continue);
  EXPECT_FALSE(parse_ok(get_with("Expect: 200-ok\r\n")).expect_continue);
  EXPECT_FALSE(parse_ok("POST / HTTP/1.0\r\nExpect: 100-continue\r\n\r\n")
                   .expect_continue);
}

// ---- streams of requests ----

TEST(RequestParserTest, PipelinedRequestsParseOneAfterAnother) {
  std::string stream =
      "GET /one HTTP/1.1\r\nHost: h\r\n\r\n"
      "POST /two HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello"
      "\r\n"  // a stray CRLF after a body, as some clients send
      "HEAD /three HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n";
  RequestParser parser(ParserLimits{});
  RequestHead head;
  std::string_view rest = stream;

  ParseResult result = parser.parse(rest, &head);
  ASSERT_EQ(result.kind, Kind::kComplete);
  EXPECT_EQ(head.path, "/one");
  rest.remove_prefix(result.head_bytes);

  result = parser.parse(rest, &head);
  ASSERT_EQ(result.kind, Kind::kComplete);
  EXPECT_EQ(head.path, "/two");
  ASSERT_EQ(head.body, BodyKind::kContentLength);
  EXPECT_EQ(rest.substr(result.head_bytes, head.content_length), "hello");
  rest.remove_prefix(result.head_bytes + head.content_length);

  result = parser.parse(rest, &head);
  ASSERT_EQ(result.kind, Kind::kComplete);
  EXPECT_EQ(head.method, Method::kHead);
  EXPECT_EQ(head.path, "/three");
  EXPECT_FALSE(head.keep_alive);
  rest.remove_prefix(result.head_bytes);
  EXPECT_TRUE(rest.empty());
  EXPECT_EQ(parser.parse(rest, &head).kind, Kind::kIncomplete);
}

TEST(RequestParserTest, PipelinedStreamFedByteByByte) {
  std::string stream;
  for (int i = 0; i < 5; ++i) {
    stream += "GET /" + std::to_string(i) + " HTTP/1.1\r\nHost: h\r\n\r\n";
  }
  RequestParser parser(ParserLimits{});
  RequestHead head;
  std::string buffer;
  int parsed = 0;
  for (char c : stream) {
    buffer.push_back(c);
    ParseResult result = parser.parse(buffer, &head);
    ASSERT_NE(result.kind, Kind::kError);
    if (result.kind == Kind::kComplete) {
      EXPECT_EQ(head.path, "/" + std::to_string(parsed));
      buffer.erase(0, result.head_bytes);
      ++parsed;
    }
  }
  EXPECT_EQ(parsed, 5);
  EXPECT_TRUE(buffer.empty());
}

TEST(RequestParserTest, EveryPrefixOfSeveralRequestsAgrees) {
  const char* requests[] = {
      "GET / HTTP/1.1\r\nHost: h\r\n\r\n",
      "\r\nPOST /form?x=1 HTTP/1.1\r\nHost: example.com\r\n"
      "Content-Length: 11\r\nContent-Type: text/plain\r\n\r\n",
      "PUT http://h:1/p HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n"
      "Expect: 100-continue\r\n\r\n",
      "OPTIONS * HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: h\r\nX: a\nb\r\n\r\n",
      "GET / HTTP/2.0\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nContent-Length: 2\r\n"
      "\r\n",
  };
  for (const char* request : requests) {
    SCOPED_TRACE(request);
    expect_incremental_agrees(request, {});
    ParserLimits tight;
    tight.max_request_line = 20;
    tight.max_head_bytes = 40;
    tight.max_headers = 2;
    expect_incremental_agrees(request, tight);
  }
}

TEST(RequestParserTest, ResetForgetsAnUnfinishedRequest) {
  RequestParser parser(ParserLimits{});
  RequestHead head;
  EXPECT_EQ(parser.parse("GET /abandoned HTTP/1.1\r\nHo", &head).kind,
            Kind::kIncomplete);
  parser.reset();
  std::string text = get_with("");
  ParseResult result = parser.parse(text, &head);
  ASSERT_EQ(result.kind, Kind::kComplete);
  EXPECT_EQ(head.path, "/");
}

TEST(RequestParserTest, ParserStartsAfreshAfterCompleteAndError) {
  RequestParser parser(ParserLimits{});
  RequestHead head;
  std::string long_one = get_with("X-Long: " + std::string(500, 'x') + "\r\n");
  ASSERT_EQ(parser.parse(long_one, &head).kind, Kind::kComplete);
  ASSERT_EQ(parser.parse("GET / HTTP/1.0\r\n\r\n", &head).kind,
            Kind::kComplete);
  ASSERT_EQ(parser.parse("GET / HTTP/1.0\nX", &head).kind, Kind::kError);
  ParseResult result = parser.parse("GET /again HTTP/1.0\r\n\r\n", &head);
  ASSERT_EQ(result.kind, Kind::kComplete);
  EXPECT_EQ(head.path, "/again");
}

TEST(RequestParserTest, HeadersVectorIsReusedNotReallocated) {
  RequestParser parser(ParserLimits{});
  RequestHead head;
  std::string fields;
  for (int i = 0; i < 20; ++i) fields += "X-" + std::to_string(i) + ": v\r\n";
  ASSERT_EQ(parser.parse(get_with(fields), &head).kind, Kind::kComplete);
  const Header* storage = head.headers.data();
  size_t capacity = head.headers.capacity();
  ASSERT_EQ(parser.parse(get_with("A: b\r\n"), &head).kind, Kind::kComplete);
  EXPECT_EQ(head.headers.size(), 2u);
  ASSERT_EQ(parser.parse(get_with(fields), &head).kind, Kind::kComplete);
  EXPECT_EQ(head.headers.data(), storage);
  EXPECT_EQ(head.headers.capacity(), capacity);
}

TEST(RequestParserTest, ReusedHeadForgetsThePreviousRequest) {
  RequestParser parser(ParserLimits{});
  RequestHead head;
  ASSERT_EQ(parser
                .parse("POST http://a/b?c HTTP/1.1\r\nHost: h\r\n"
                       "Content-Length: 9\r\nExpect: 100-continue\r\n\r\n",
                       &head)
                .kind,
            Kind::kComplete);
  ASSERT_EQ(parser.parse("GET /x HTTP/1.0\r\n\r\n", &head).kind,
            Kind::kComplete);
  EXPECT_EQ(head.body, BodyKind::kNone);
  EXPECT_EQ(head.content_length, 0u);
  EXPECT_EQ(head.query, "");
  EXPECT_EQ(head.host, "");
  EXPECT_FALSE(head.expect_continue);
  EXPECT_FALSE(head.keep_alive);
}

// ---- rebase ----

TEST(RequestParserTest, RebaseMovesEveryViewToTheCopy) {
  std::string original =
      "POST http://example.org/p/q?x=1 HTTP/1.1\r\nHost: h\r\n"
      "Content-Length: 3\r\nX-A: b\r\n\r\n";
  RequestParser parser(ParserLimits{});
  RequestHead head;
  ParseResult result = parser.parse(original, &head);
  ASSERT_EQ(result.kind, Kind::kComplete);
  std::string before = describe(head);

  std::string copy = original;
  head.rebase(original.data(), copy.data());
  original.assign(original.size(), '#');  // the old bytes are gone
  EXPECT_EQ(describe(head), before);
  auto inside = [&copy](std::string_view view) {
    return view.data() >= copy.data() &&
           view.data() + view.size() <= copy.data() + copy.size();
  };
  EXPECT_TRUE(inside(head.method_text));
  EXPECT_TRUE(inside(head.target));
  EXPECT_TRUE(inside(head.path));
  EXPECT_TRUE(inside(head.query));
  EXPECT_TRUE(inside(head.host));
  for (const Header& header : head.headers) {
    EXPECT_TRUE(inside(header.name));
    EXPECT_TRUE(inside(header.value));
  }
}

TEST(RequestParserTest, RebaseKeepsRootPathAndNullViews) {
  std::string original = "GET http://h HTTP/1.0\r\n\r\n";
  RequestParser parser(ParserLimits{});
  RequestHead head;
  ASSERT_EQ(parser.parse(original, &head).kind, Kind::kComplete);
  ASSERT_EQ(head.query.data(), nullptr);
  std::string copy = "xx" + original;  // at an offset, as after a compaction
  head.rebase(original.data(), copy.data() + 2);
  original.assign(original.size(), '#');
  EXPECT_EQ(head.path.data(), static_cast<const char*>(kRootPath));
  EXPECT_EQ(head.query.data(), nullptr);
  EXPECT_EQ(head.target, "http://h");
  EXPECT_EQ(head.host, "h");
  EXPECT_EQ(head.method_text, "GET");
}

}  // namespace
}  // namespace gale::http
