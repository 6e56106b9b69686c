// RequestHead: the parsed head of one HTTP/1.x request (request-line and
// header fields, RFC 9112 §2-§3), as views into the bytes it was parsed from,
// plus the facts the connection needs derived once (body framing,
// persistence, Expect, Host).
//
//   gale::http::RequestParser parser(gale::http::ParserLimits{});
//   gale::http::RequestHead head;
//   gale::http::ParseResult result = parser.parse(buffered, &head);
//   if (result.kind == gale::http::ParseResult::Kind::kComplete &&
//       head.method == gale::http::Method::kGet && head.path == "/hello") {
//     const gale::http::Header* agent = head.find("user-agent");
//     // ... answer; then drop result.head_bytes from `buffered`.
//   }
//
// Zero-copy: every std::string_view here points into the buffer handed to
// RequestParser::parse (or is empty, or is the static "/" described at
// `path`). The head is valid only while those bytes are; a connection that
// moves them (to read a body into the same buffer) calls rebase().
//
// Thread contract: none of its own (a plain value type).
#ifndef GALE_HTTP_REQUEST_HEAD_H_
#define GALE_HTTP_REQUEST_HEAD_H_

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace gale::http {

// The methods of RFC 9110 §9; anything else (including other spellings:
// methods are case-sensitive) is kOther, with its text in method_text.
enum class Method : uint8_t {
  kGet,
  kHead,
  kPost,
  kPut,
  kPatch,
  kDelete,
  kOptions,
  kConnect,
  kTrace,
  kOther
};

// "GET" → kGet, ..., anything else → kOther.
Method method_from(std::string_view text);
// kGet → "GET", ...; kOther → "" (the request's method_text has the name).
std::string_view method_name(Method method);

// ASCII case-insensitive equality, what header names and most HTTP tokens
// compare by (RFC 9110 §5.1).
bool equals_ignore_case(std::string_view a, std::string_view b);

// One field line. `value` has no leading or trailing whitespace (OWS).
struct Header {
  std::string_view name;
  std::string_view value;
};

// The root path of an absolute-form target without one ("http://h" means
// "http://h/", RFC 9110 §4.2.3). A single static object, so rebase() can tell
// it from views into the request and leave it alone.
inline constexpr char kRootPath[] = "/";

struct RequestHead {
  enum class BodyKind { kNone, kContentLength, kChunked };

  std::string_view method_text;
  Method method = Method::kOther;
  // The request-target as sent.
  std::string_view target;
  // Raw (not percent-decoded). Origin-form "/p?q" → "/p"; absolute-form
  // "http://h/p?q" → "/p" ("http://h" and "http://h?q" → the static
  // kRootPath); asterisk-form → "*"; authority-form (CONNECT) → "".
  std::string_view path;
  // Raw, after '?' and without it; empty if there is none.
  std::string_view query;
  int version_minor = 1;  // HTTP/1.0 or HTTP/1.1
  // In the order received. The parser clear()s and refills it, so a head
  // reused across requests stops allocating once it has grown.
  std::vector<Header> headers;

  // Derived by the parser. How the body is framed (RFC 9112 §6.3): not at
  // all, by Content-Length, or chunked (decode it with ChunkedDecoder).
  BodyKind body = BodyKind::kNone;
  uint64_t content_length = 0;  // when body == kContentLength
  // Whether the connection persists after this exchange: HTTP/1.1 unless
  // "Connection: close"; HTTP/1.0 only with "Connection: keep-alive".
  bool keep_alive = false;
  // "Expect: 100-continue" on an HTTP/1.1 request (1.0 ignores it,
  // RFC 9110 §10.1.1).
  bool expect_continue = false;
  // The target's authority for absolute-form (which wins over Host, RFC 9112
  // §3.2.2), else the Host field's value; empty when neither (HTTP/1.0).
  std::string_view host;

  // The first field named `name` (case-insensitive), or nullptr.
  const Header* find(std::string_view name) const;

  // The bytes of the head moved from `old_base` to `new_base` (same layout):
  // moves every view by the same distance. Views that are empty and null, and
  // kRootPath, stay as they are.
  void rebase(const char* old_base, const char* new_base);
};

// ---- inline definitions: small, and this header has no .cc of its own ----

inline bool equals_ignore_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    unsigned char x = static_cast<unsigned char>(a[i]);
    unsigned char y = static_cast<unsigned char>(b[i]);
    if (x == y) continue;
    // Only letters differ by case; 0x20 alone also maps '@' to '`' etc.
    if ((x | 0x20) != (y | 0x20) || (x | 0x20) < 'a' || (x | 0x20) > 'z') {
      return false;
    }
  }
  return true;
}

inline Method method_from(std::string_view text) {
  // Compared in order of frequency; methods are case-sensitive.
  if (text == "GET") return Method::kGet;
  if (text == "POST") return Method::kPost;
  if (text == "HEAD") return Method::kHead;
  if (text == "PUT") return Method::kPut;
  if (text == "DELETE") return Method::kDelete;
  if (text == "PATCH") return Method::kPatch;
  if (text == "OPTIONS") return Method::kOptions;
  if (text == "CONNECT") return Method::kConnect;
  if (text == "TRACE") return Method::kTrace;
  return Method::kOther;
}

inline std::string_view method_name(Method method) {
  switch (method) {
    case Method::kGet:
      return "GET";
    case Method::kHead:
      return "HEAD";
    case Method::kPost:
      return "POST";
    case Method::kPut:
      return "PUT";
    case Method::kPatch:
      return "PATCH";
    case Method::kDelete:
      return "DELETE";
    case Method::kOptions:
      return "OPTIONS";
    case Method::kConnect:
      return "CONNECT";
    case Method::kTrace:
      return "TRACE";
    case Method::kOther:
      break;
  }
  return {};
}

inline const Header* RequestHead::find(std::string_view name) const {
  for (const Header& header : headers) {
    if (equals_ignore_case(header.name, name)) return &header;
  }
  return nullptr;
}

inline void RequestHead::rebase(const char* old_base, const char* new_base) {
  auto move = [old_base, new_base](std::string_view& view) {
    if (view.data() == nullptr || view.data() == kRootPath) return;
    // Offsets within the old buffer, rather than new_base - old_base: the
    // difference of pointers into two different buffers is undefined.
    view = std::string_view(new_base + (view.data() - old_base), view.size());
  };
  move(method_text);
  move(target);
  move(path);
  move(query);
  move(host);
  for (Header& header : headers) {
    move(header.name);
    move(header.value);
  }
}

}  // namespace gale::http

#endif  // GALE_HTTP_REQUEST_HEAD_H_
