#include "http/request_parser.h"

#include <algorithm>
#include <array>
#include <cstring>

#include "http/request_head.h"

namespace gale::http {
namespace {

using CharTable = std::array<bool, 256>;

template <typename Predicate>
constexpr CharTable make_table(Predicate predicate) {
  CharTable table{};
  for (int c = 0; c < 256; ++c) table[c] = predicate(c);
  return table;
}

constexpr bool one_of(std::string_view set, int c) {
  return set.find(static_cast<char>(c)) != std::string_view::npos;
}

constexpr bool is_alnum(int c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
         (c >= 'A' && c <= 'Z');
}

// tchar (RFC 9110 §5.6.2): what methods, field names and codings are made of.
constexpr CharTable kTchar = make_table(
    [](int c) { return is_alnum(c) || one_of("!#$%&'*+-.^_`|~", c); });

// field-vchar / SP / HTAB, obs-text included (RFC 9110 §5.5): no CTL but
// HTAB, no DEL.
constexpr CharTable kFieldChar =
    make_table([](int c) { return c == '\t' || (c >= 0x20 && c != 0x7f); });

// The request-target: visible ASCII. No SP, CTL, DEL, none of obs-text (a
// URI is ASCII; RFC 3986 §2) and no '#' (a fragment is never sent, RFC 9112
// §3.2). Finer URI syntax is left to whoever interprets the path.
constexpr CharTable kTargetChar =
    make_table([](int c) { return c > 0x20 && c < 0x7f && c != '#'; });

// reg-name and port characters: unreserved / pct-encoded / sub-delims
// (RFC 3986 §3.2.2). No '@': userinfo is treated as an error (RFC 9110
// §4.2.4).
constexpr CharTable kRegNameChar = make_table(
    [](int c) { return is_alnum(c) || one_of("-._~%!$&'()*+,;=", c); });

// Inside an IP-literal's brackets: IPv6 (hex, ':', '.'), IPvFuture letters.
constexpr CharTable kIpLiteralChar = make_table(
    [](int c) { return is_alnum(c) || c == ':' || c == '.' || c == '-'; });

bool in(const CharTable& table, char c) {
  return table[static_cast<unsigned char>(c)];
}

bool is_ows(char c) { return c == ' ' || c == '\t'; }

// The helpers below return kOk or an error; parse() fills in the rest.
constexpr ParseResult kOk{ParseResult::Kind::kComplete, 0, 0, {}};

bool failed(const ParseResult& result) {
  return result.kind == ParseResult::Kind::kError;
}

ParseResult error(int status, std::string_view reason) {
  ParseResult result;
  result.kind = ParseResult::Kind::kError;
  result.status = status;
  result.reason = reason;
  return result;
}

// The 400 for an invalid byte: a CR inside a line is always a bare one (the
// line's own CRLF was split off).
ParseResult invalid_char(char c, std::string_view reason) {
  return error(400, c == '\r' ? "bare CR" : reason);
}

std::string_view trim_ows(std::string_view text) {
  while (!text.empty() && is_ows(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_ows(text.back())) text.remove_suffix(1);
  return text;
}

// Calls visit(element) for each element of a comma-separated list (RFC 9110
// §5.6.1), OWS trimmed; empty elements are skipped when `skip_empty` (as a
// recipient must), else passed on. Stops when visit returns false.
template <typename Visit>
bool for_each_element(std::string_view list, bool skip_empty, Visit visit) {
  for (;;) {
    size_t comma = list.find(',');
    std::string_view element = trim_ows(list.substr(0, comma));
    if ((!element.empty() || !skip_empty) && !visit(element)) return false;
    if (comma == std::string_view::npos) return true;
    list.remove_prefix(comma + 1);
  }
}

// uri-host [ ":" port ], as in Host, an absolute-form target's authority and
// CONNECT's target (RFC 3986 §3.2). The host must not be empty; the port must
// be there when `require_port` (CONNECT, RFC 9110 §9.3.6).
bool valid_authority(std::string_view authority, bool require_port) {
  size_t host_end;
  if (!authority.empty() && authority[0] == '[') {
    host_end = authority.find(']');
    if (host_end == std::string_view::npos || host_end == 1) return false;
    for (char c : authority.substr(1, host_end - 1)) {
      if (!in(kIpLiteralChar, c)) return false;
    }
    ++host_end;
  } else {
    host_end = std::min(authority.find(':'), authority.size());
    if (host_end == 0) return false;
    for (char c : authority.substr(0, host_end)) {
      if (!in(kRegNameChar, c)) return false;
    }
  }
  if (host_end == authority.size()) return !require_port;
  if (authority[host_end] != ':') return false;
  std::string_view port = authority.substr(host_end + 1);
  if (require_port && port.empty()) return false;
  return std::all_of(port.begin(), port.end(),
                     [](char c) { return c >= '0' && c <= '9'; });
}

// Splits "/p?q" into path and query.
void split_query(std::string_view path_and_query, RequestHead* head) {
  size_t mark = path_and_query.find('?');
  head->path = path_and_query.substr(0, mark);
  head->query = mark == std::string_view::npos
                    ? std::string_view()
                    : path_and_query.substr(mark + 1);
}

// "http://" or "https://" (schemes are case-insensitive, RFC 3986 §3.1):
// the length of the prefix, or 0.
size_t http_scheme_length(std::string_view target) {
  if (target.size() > 7 && equals_ignore_case(target.substr(0, 7), "http://")) {
    return 7;
  }
  if (target.size() > 8 &&
      equals_ignore_case(target.substr(0, 8), "https://")) {
    return 8;
  }
  return 0;
}

// The four forms of request-target (RFC 9112 §3.2), each only where allowed.
// Sets path and query; an absolute-form's authority goes to *authority.
ParseResult parse_target(RequestHead* head, std::string_view* authority) {
  std::string_view target = head->target;
  if (target[0] == '/') {
    if (head->method == Method::kConnect) {
      return error(400, "CONNECT needs an authority-form target");
    }
    split_query(target, head);
  } else if (target == "*") {
    if (head->method != Method::kOptions) {
      return error(400, "asterisk-form target only with OPTIONS");
    }
    head->path = target;
  } else if (head->method == Method::kConnect) {
    if (!valid_authority(target, /*require_port=*/true)) {
      return error(400, "invalid CONNECT target");
    }
  } else if (size_t scheme = http_scheme_length(target); scheme != 0) {
    std::string_view rest = target.substr(scheme);
    size_t end = std::min(rest.find_first_of("/?"), rest.size());
    *authority = rest.substr(0, end);
    if (!valid_authority(*authority, /*require_port=*/false)) {
      return error(400, "invalid authority in request-target");
    }
    split_query(rest.substr(end), head);
    if (head->path.empty()) head->path = kRootPath;
  } else {
    return error(400, "invalid request-target");
  }
  return kOk;
}

// HTTP-version = "HTTP/" DIGIT "." DIGIT (RFC 9112 §2.3): 1.0 and 1.1 are
// served, any other well-formed version is 505, anything else 400.
ParseResult parse_version(std::string_view version, RequestHead* head) {
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  if (!version.empty() && version[0] == ' ') {
    return error(400, "more than one space in the request-line");
  }
  if (version.size() != 8 || version.substr(0, 5) != "HTTP/" ||
      !digit(version[5]) || version[6] != '.' || !digit(version[7])) {
    return error(400, "malformed HTTP version");
  }
  if (version[5] != '1' || (version[7] != '0' && version[7] != '1')) {
    return error(505, "HTTP version not supported");
  }
  head->version_minor = version[7] - '0';
  return kOk;
}

// request-line = method SP request-target SP HTTP-version (RFC 9112 §3).
ParseResult parse_request_line(std::string_view line, RequestHead* head,
                               std::string_view* authority) {
  size_t i = 0;
  while (i < line.size() && in(kTchar, line[i])) ++i;
  if (i == 0 || i == line.size() || line[i] != ' ') {
    return invalid_char(i < line.size() ? line[i] : ' ', "invalid method");
  }
  head->method_text = line.substr(0, i);
  head->method = method_from(head->method_text);

  size_t target_end = line.find(' ', i + 1);
  if (target_end == std::string_view::npos) {
    return error(400, "no HTTP version in the request-line");
  }
  if (target_end == i + 1) {
    return error(400, "more than one space in the request-line");
  }
  head->target = line.substr(i + 1, target_end - i - 1);
  for (char c : head->target) {
    if (!in(kTargetChar, c)) {
      return invalid_char(c, "invalid character in request-target");
    }
  }
  ParseResult result = parse_version(line.substr(target_end + 1), head);
  if (failed(result)) return result;
  return parse_target(head, authority);
}

// field-line = field-name ":" OWS field-value OWS (RFC 9112 §5).
ParseResult parse_field_line(std::string_view line, Header* header) {
  if (is_ows(line[0])) {
    return error(400, "field line starts with whitespace (obs-fold)");
  }
  size_t colon = 0;
  while (colon < line.size() && in(kTchar, line[colon])) ++colon;
  if (colon == line.size()) return error(400, "field line without a colon");
  if (line[colon] != ':') {
    return is_ows(line[colon])
               ? error(400, "whitespace before the colon")
               : invalid_char(line[colon], "invalid character in field name");
  }
  if (colon == 0) return error(400, "empty field name");
  std::string_view value = line.substr(colon + 1);
  for (char c : value) {
    if (!in(kFieldChar, c)) {
      return invalid_char(c, "invalid character in field value");
    }
  }
  header->name = line.substr(0, colon);
  header->value = trim_ows(value);
  return kOk;
}

// What the fields that frame the message say, gathered over all of them.
struct Framing {
  int host_count = 0;
  std::string_view host;
  bool has_content_length = false;
  uint64_t content_length = 0;
  bool has_transfer_encoding = false;
  int transfer_codings = 0;
  bool only_chunked = true;  // every coding seen is "chunked"
  bool connection_close = false;
  bool connection_keep_alive = false;
  bool expect_continue = false;
};

// Content-Length = 1*DIGIT (RFC 9110 §8.6); a list of identical values (or
// several identical fields) counts as one, differing ones are an error.
ParseResult add_content_length(std::string_view value, Framing* framing) {
  bool ok = for_each_element(value, false, [framing](std::string_view number) {
    if (number.empty()) return false;
    uint64_t length = 0;
    for (char c : number) {
      if (c < '0' || c > '9') return false;
      uint64_t digit = static_cast<uint64_t>(c - '0');
      if (length > (UINT64_MAX - digit) / 10) return false;  // overflow
      length = length * 10 + digit;
    }
    if (framing->has_content_length && framing->content_length != length) {
      return false;
    }
    framing->has_content_length = true;
    framing->content_length = length;
    return true;
  });
  return ok ? kOk : error(400, "invalid Content-Length");
}

void add_transfer_encoding(std::string_view value, Framing* framing) {
  framing->has_transfer_encoding = true;
  for_each_element(value, true, [framing](std::string_view coding) {
    ++framing->transfer_codings;
    if (!equals_ignore_case(coding, "chunked")) framing->only_chunked = false;
    return true;
  });
}

// Notes what a field means for framing and persistence. Names are compared
// by length first: most fields are none of these.
ParseResult interpret_field(const Header& header, Framing* framing) {
  std::string_view name = header.name;
  std::string_view value = header.value;
  switch (name.size()) {
    case 4:
      if (equals_ignore_case(name, "host")) {
        if (++framing->host_count > 1) return error(400, "more than one Host");
        if (!value.empty() && !valid_authority(value, false)) {
          return error(400, "invalid Host");
        }
        framing->host = value;
      }
      break;
    case 6:
      if (equals_ignore_case(name, "expect")) {
        for_each_element(value, true, [framing](std::string_view item) {
          if (equals_ignore_case(item, "100-continue")) {
            framing->expect_continue = true;
          }
          return true;
        });
      }
      break;
    case 10:
      if (equals_ignore_case(name, "connection")) {
        for_each_element(value, true, [framing](std::string_view option) {
          if (equals_ignore_case(option, "close")) {
            framing->connection_close = true;
          } else if (equals_ignore_case(option, "keep-alive")) {
            framing->connection_keep_alive = true;
          }
          return true;
        });
      }
      break;
    case 14:
      if (equals_ignore_case(name, "content-length")) {
        return add_content_length(value, framing);
      }
      break;
    case 17:
      if (equals_ignore_case(name, "transfer-encoding")) {
        add_transfer_encoding(value, framing);
      }
      break;
    default:
      break;
  }
  return kOk;
}

// Host presence, body framing (RFC 9112 §6.3) and persistence (§9.3), from
// what the fields said.
ParseResult derive(const Framing& framing, std::string_view authority,
                   const ParserLimits& limits, RequestHead* head) {
  if (head->version_minor == 1 && framing.host_count == 0) {
    return error(400, "missing Host");
  }
  head->host = !authority.empty() ? authority : framing.host;
  if (framing.has_transfer_encoding) {
    if (framing.has_content_length) {
      return error(400, "both Transfer-Encoding and Content-Length");
    }
    if (head->version_minor == 0) {
      return error(400, "Transfer-Encoding in an HTTP/1.0 request");
    }
    if (framing.transfer_codings == 0) {
      return error(400, "empty Transfer-Encoding");
    }
    if (framing.transfer_codings != 1 || !framing.only_chunked) {
      return error(501, "unsupported transfer coding");
    }
    head->body = RequestHead::BodyKind::kChunked;
  } else if (framing.has_content_length) {
    if (framing.content_length > limits.max_body) {
      return error(413, "Content-Length above the limit");
    }
    head->body = RequestHead::BodyKind::kContentLength;
    head->content_length = framing.content_length;
  }
  head->keep_alive =
      !framing.connection_close &&
      (head->version_minor == 1 || framing.connection_keep_alive);
  head->expect_continue = head->version_minor == 1 && framing.expect_continue;
  return kOk;
}

void clear_head(RequestHead* head) {
  head->path = {};
  head->query = {};
  head->headers.clear();  // keeps the capacity
  head->body = RequestHead::BodyKind::kNone;
  head->content_length = 0;
  head->keep_alive = false;
  head->expect_continue = false;
  head->host = {};
}

}  // namespace

RequestParser::RequestParser(ParserLimits limits) : limits_(limits) {}

void RequestParser::reset() {
  scanned_ = 0;
  request_line_end_ = 0;
}

ParseResult RequestParser::parse(std::string_view buffered, RequestHead* head) {
  // Skip the tolerated empty lines; `start` is where the request-line begins.
  size_t start = 0;
  for (int empty_lines = 0;; ++empty_lines) {
    if (start == buffered.size()) return ParseResult{};
    if (buffered[start] == '\n') {
      reset();
      return error(400, "bare LF");
    }
    if (buffered[start] != '\r') break;
    if (start + 1 == buffered.size()) return ParseResult{};
    if (buffered[start + 1] != '\n' || empty_lines == kMaxLeadingEmptyLines) {
      reset();
      return error(400, buffered[start + 1] != '\n'
                            ? "bare CR"
                            : "too many empty lines before the request");
    }
    start += 2;
  }

  ParseResult result;
  scan(buffered, start, &result);
  if (result.kind == ParseResult::Kind::kIncomplete) return result;
  reset();
  if (failed(result)) return result;
  size_t head_bytes = result.head_bytes;
  result = parse_head(buffered.substr(0, head_bytes), start, head);
  if (result.kind == ParseResult::Kind::kComplete) {
    result.head_bytes = head_bytes;
  }
  return result;
}

// Looks for the LF of CRLF CRLF with memchr, only over bytes not scanned
// before, and only within max_head_bytes: the outcome depends on the first
// max_head_bytes bytes alone, so that it is the same whichever prefixes of a
// request parse() saw first. Each LF must follow a CR; the first one ends the
// request-line, whose length is checked there.
void RequestParser::scan(std::string_view buffered, size_t start,
                         ParseResult* result) {
  const char* data = buffered.data();
  size_t limit = std::min(buffered.size(), limits_.max_head_bytes);
  size_t pos = std::max(scanned_, start);
  while (pos < limit) {
    const void* found = std::memchr(data + pos, '\n', limit - pos);
    if (found == nullptr) break;
    size_t lf = static_cast<size_t>(static_cast<const char*>(found) - data);
    pos = lf + 1;
    if (request_line_end_ == 0) {
      // lf - start - 1 is the line's length without its CR.
      if (lf - start > limits_.max_request_line + 1) {
        *result = error(414, "request-line too long");
        return;
      }
      request_line_end_ = lf;
    }
    if (data[lf - 1] != '\r') {
      *result = error(400, "bare LF");
      return;
    }
    if (lf > request_line_end_ && data[lf - 2] == '\n') {  // CRLF CRLF
      result->kind = ParseResult::Kind::kComplete;
      result->head_bytes = lf + 1;
      return;
    }
  }
  scanned_ = limit;
  // The request-line is too long as soon as it would be even if the next
  // byte were its LF.
  if (request_line_end_ == 0 && limit > start &&
      limit - start > limits_.max_request_line + 1) {
    *result = error(414, "request-line too long");
  } else if (buffered.size() >= limits_.max_head_bytes) {
    *result = error(431, "request head too large");
  }
}

// The head is complete: buffered[0, head_bytes) ends with CRLF CRLF and every
// LF in it follows a CR. Validates and splits it, line by line.
ParseResult RequestParser::parse_head(std::string_view bytes, size_t start,
                                      RequestHead* head) const {
  clear_head(head);
  const char* data = bytes.data();
  auto line_end = [data, &bytes](size_t from) {
    return static_cast<size_t>(static_cast<const char*>(std::memchr(
                                   data + from, '\n', bytes.size() - from)) -
                               data);
  };
  size_t lf = line_end(start);
  std::string_view authority;
  ParseResult result =
      parse_request_line(bytes.substr(start, lf - 1 - start), head, &authority);
  if (failed(result)) return result;

  Framing framing;
  for (size_t pos = lf + 1; (lf = line_end(pos)) != pos + 1; pos = lf + 1) {
    if (head->headers.size() == limits_.max_headers) {
      return error(431, "too many header fields");
    }
    Header header;
    result = parse_field_line(bytes.substr(pos, lf - 1 - pos), &header);
    if (failed(result)) return result;
    head->headers.push_back(header);
    result = interpret_field(header, &framing);
    if (failed(result)) return result;
  }
  return derive(framing, authority, limits_, head);
}

}  // namespace gale::http
