// libFuzzer target for http/'s parser: the input is a stream of pipelined
// requests. Each head is parsed, checked, re-parsed byte by byte (which must
// agree), rebased onto a copy; its body is skipped (Content-Length) or
// decoded whole and byte by byte (chunked); its path and query go through
// percent_decode and parse_query. Built by scripts/fuzz.sh with clang, not by
// Bazel (which uses gcc here).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/chunked_decoder.h"
#include "http/percent.h"
#include "http/request_head.h"
#include "http/request_parser.h"

namespace {

using gale::http::ChunkedDecoder;
using gale::http::DecodeResult;
using gale::http::Header;
using gale::http::ParseResult;
using gale::http::ParserLimits;
using gale::http::RequestHead;
using gale::http::RequestParser;
using Kind = ParseResult::Kind;
using BodyKind = RequestHead::BodyKind;

// A failed invariant: print it and abort, which libFuzzer reports as a crash.
void fuzz_check(bool ok, const char* condition, int line) {
  if (ok) return;
  std::fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, line, condition);
  std::abort();
}
#define FUZZ_CHECK(condition) fuzz_check((condition), #condition, __LINE__)

// Small limits, so that the fuzzer reaches every one of them.
ParserLimits fuzz_limits() {
  ParserLimits limits;
  limits.max_request_line = 200;
  limits.max_head_bytes = 600;
  limits.max_headers = 12;
  limits.max_body = 1000;
  return limits;
}
constexpr size_t kMaxTrailerBytes = 100;

bool inside(std::string_view view, std::string_view buffer) {
  if (view.empty()) return true;  // null, or anywhere: never dereferenced
  return view.data() >= buffer.data() &&
         view.data() + view.size() <= buffer.data() + buffer.size();
}

void check_views(const RequestHead& head, std::string_view buffer) {
  FUZZ_CHECK(inside(head.method_text, buffer));
  FUZZ_CHECK(inside(head.target, buffer));
  FUZZ_CHECK(head.path.data() == gale::http::kRootPath ||
             inside(head.path, buffer));
  FUZZ_CHECK(inside(head.query, buffer));
  FUZZ_CHECK(inside(head.host, buffer));
  for (const Header& header : head.headers) {
    FUZZ_CHECK(!header.name.empty());
    FUZZ_CHECK(inside(header.name, buffer));
    FUZZ_CHECK(inside(header.value, buffer));
  }
  FUZZ_CHECK(!head.method_text.empty());
  FUZZ_CHECK(!head.target.empty());
  FUZZ_CHECK(head.version_minor == 0 || head.version_minor == 1);
  FUZZ_CHECK(head.headers.size() <= fuzz_limits().max_headers);
  FUZZ_CHECK(head.body != BodyKind::kContentLength ||
             head.content_length <= fuzz_limits().max_body);
  FUZZ_CHECK(head.body != BodyKind::kChunked || head.version_minor == 1);
  FUZZ_CHECK(head.version_minor == 1 || !head.expect_continue);
}

std::string describe(const RequestHead& head) {
  std::string out;
  for (std::string_view part :
       {head.method_text, head.target, head.path, head.query, head.host}) {
    out.append(part).push_back('|');
  }
  out += std::to_string(static_cast<int>(head.method)) + "|" +
         std::to_string(head.version_minor) + "|" +
         std::to_string(static_cast<int>(head.body)) + "|" +
         std::to_string(head.content_length) + "|" +
         std::to_string(head.keep_alive) + std::to_string(head.expect_continue);
  for (const Header& header : head.headers) {
    out.append(header.name).append(":").append(header.value).append("|");
  }
  return out;
}

// Feeds `input` a byte at a time to a fresh parser: the first outcome that
// is not kIncomplete must be `expected`, with the same head.
void check_incremental(std::string_view input, const ParseResult& expected,
                       const RequestHead& expected_head) {
  RequestParser parser(fuzz_limits());
  RequestHead head;
  for (size_t n = 1; n <= input.size(); ++n) {
    ParseResult result = parser.parse(input.substr(0, n), &head);
    if (result.kind == Kind::kIncomplete) continue;
    FUZZ_CHECK(result.kind == expected.kind);
    FUZZ_CHECK(result.status == expected.status);
    FUZZ_CHECK(result.head_bytes == expected.head_bytes);
    if (result.kind == Kind::kComplete) {
      FUZZ_CHECK(describe(head) == describe(expected_head));
    }
    return;
  }
  FUZZ_CHECK(expected.kind == Kind::kIncomplete);
}

// Decodes `body` whole and byte by byte; both must agree. Returns the bytes
// consumed when done, or 0 when the stream stops here.
size_t check_chunked(std::string_view body) {
  ChunkedDecoder whole(fuzz_limits().max_body, kMaxTrailerBytes);
  std::string decoded;
  DecodeResult result = whole.decode(body, &decoded);
  FUZZ_CHECK(result.consumed <= body.size());
  FUZZ_CHECK(decoded.size() <= fuzz_limits().max_body);
  FUZZ_CHECK(whole.body_bytes() == decoded.size());
  FUZZ_CHECK(result.status == 0 ||
             (result.status >= 400 && result.status <= 599));
  FUZZ_CHECK(!(result.done && result.status != 0));
  FUZZ_CHECK(result.done || result.status != 0 ||
             result.consumed == body.size());

  ChunkedDecoder bytewise(fuzz_limits().max_body, kMaxTrailerBytes);
  std::string pieces;
  size_t consumed = 0;
  DecodeResult last;
  for (size_t i = 0; i < body.size(); ++i) {
    last = bytewise.decode(body.substr(i, 1), &pieces);
    consumed += last.consumed;
    if (last.done || last.status != 0) break;
  }
  FUZZ_CHECK(pieces == decoded);
  if (!body.empty()) {
    FUZZ_CHECK(consumed == result.consumed);
    FUZZ_CHECK(last.done == result.done);
    FUZZ_CHECK(last.status == result.status);
  }
  return result.done ? result.consumed : 0;
}

void check_uri(const RequestHead& head) {
  std::string decoded;
  if (gale::http::percent_decode(head.path, &decoded, false)) {
    FUZZ_CHECK(decoded.size() <= head.path.size());
  }
  std::vector<std::pair<std::string, std::string>> args;
  if (gale::http::parse_query(head.query, &args)) {
    size_t total = 0;
    for (const auto& [name, value] : args) total += name.size() + value.size();
    FUZZ_CHECK(total <= head.query.size());
  }
}

// The head was parsed from `buffer`: a copy, rebased, must read the same.
void check_rebase(const RequestHead& head, std::string_view buffer) {
  std::string copy(buffer);
  RequestHead moved = head;
  moved.rebase(buffer.data(), copy.data());
  check_views(moved, copy);
  FUZZ_CHECK(describe(moved) == describe(head));
}

}  // namespace

// The name and signature libFuzzer calls.
extern "C" int LLVMFuzzerTestOneInput(  // NOLINT(readability-identifier-naming)
    const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  RequestParser parser(fuzz_limits());
  RequestHead head;
  bool first = true;
  while (!input.empty()) {
    ParseResult result = parser.parse(input, &head);
    if (first) {
      // Quadratic: only the first request of short inputs.
      if (input.size() <= 2048) check_incremental(input, result, head);
      first = false;
    }
    if (result.kind == Kind::kIncomplete) break;
    if (result.kind == Kind::kError) {
      FUZZ_CHECK(result.status >= 400 && result.status <= 599);
      FUZZ_CHECK(!result.reason.empty());
      break;
    }
    FUZZ_CHECK(result.head_bytes > 0 && result.head_bytes <= input.size());
    std::string_view head_bytes = input.substr(0, result.head_bytes);
    FUZZ_CHECK(head_bytes.substr(head_bytes.size() - 4) == "\r\n\r\n");
    check_views(head, head_bytes);
    check_rebase(head, head_bytes);
    check_uri(head);
    input.remove_prefix(result.head_bytes);

    if (head.body == BodyKind::kContentLength) {
      if (head.content_length > input.size()) break;
      input.remove_prefix(head.content_length);
    } else if (head.body == BodyKind::kChunked) {
      size_t consumed = check_chunked(input);
      if (consumed == 0) break;
      input.remove_prefix(consumed);
    }
  }
  return 0;
}
