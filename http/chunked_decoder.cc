#include "http/chunked_decoder.h"

#include <algorithm>

namespace gale::http {
namespace {

// A chunk-size is a uint64_t: at most 16 significant hex digits. Leading
// zeros are legal but bounded, like the rest of the line.
constexpr int kMaxSizeDigits = 32;

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool is_ows(char c) { return c == ' ' || c == '\t'; }

// tchar (RFC 9110 §5.6.2).
bool is_tchar(char c) {
  if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
      (c >= 'A' && c <= 'Z')) {
    return true;
  }
  return c != 0 &&
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// field-vchar / SP / HTAB, obs-text included: no CTL but HTAB, no DEL.
bool is_field_char(char c) {
  unsigned char u = static_cast<unsigned char>(c);
  return u == '\t' || (u >= 0x20 && u != 0x7f);
}

}  // namespace

ChunkedDecoder::ChunkedDecoder(uint64_t max_body, size_t max_trailer_bytes)
    : max_body_(max_body), max_trailer_bytes_(max_trailer_bytes) {}

void ChunkedDecoder::reset() {
  state_ = State::kSize;
  size_digits_ = 0;
  remaining_ = 0;
  body_bytes_ = 0;
  extension_bytes_ = 0;
  trailer_bytes_ = 0;
  status_ = 0;
  reason_ = {};
}

DecodeResult ChunkedDecoder::decode(std::string_view input, std::string* body) {
  size_t pos = 0;
  while (pos < input.size() && state_ != State::kDone &&
         state_ != State::kFailed) {
    if (state_ == State::kData) {
      // The data itself: one append per chunk piece, not per byte.
      size_t n = static_cast<size_t>(
          std::min<uint64_t>(remaining_, input.size() - pos));
      body->append(input.data() + pos, n);
      pos += n;
      remaining_ -= n;
      body_bytes_ += n;
      if (remaining_ == 0) state_ = State::kDataCr;
      continue;
    }
    state_ = step(state_, input[pos]);
    if (state_ != State::kFailed) ++pos;
  }
  DecodeResult result;
  result.consumed = pos;
  result.done = state_ == State::kDone;
  result.status = status_;
  result.reason = reason_;
  return result;
}

ChunkedDecoder::State ChunkedDecoder::fail(int status,
                                           std::string_view reason) {
  status_ = status;
  reason_ = reason;
  return State::kFailed;
}

// chunk = chunk-size [ chunk-ext ] CRLF chunk-data CRLF; last-chunk =
// 1*("0") [ chunk-ext ] CRLF; then trailer-section CRLF (RFC 9112 §7.1).
ChunkedDecoder::State ChunkedDecoder::step(State state, char c) {
  if (state >= State::kTrailerStart && state <= State::kFinalLf) {
    if (++trailer_bytes_ > max_trailer_bytes_) {
      return fail(431, "trailer section too large");
    }
    return step_trailer(state, c);
  }
  return step_chunk(state, c);
}

// The chunk-size line and the CRLF after the data.
ChunkedDecoder::State ChunkedDecoder::step_chunk(State state, char c) {
  switch (state) {
    case State::kSize:
      if (int digit = hex_value(c); digit >= 0) {
        if (remaining_ > (UINT64_MAX >> 4)) {
          return fail(400, "chunk-size overflow");
        }
        if (++size_digits_ > kMaxSizeDigits) {
          return fail(400, "chunk-size too long");
        }
        remaining_ = remaining_ * 16 + static_cast<uint64_t>(digit);
        return State::kSize;
      }
      if (size_digits_ == 0) return fail(400, "invalid chunk-size");
      if (c == '\r') return State::kSizeLf;
      if (c == ';') return State::kExtension;
      if (is_ows(c)) return State::kSizeSpace;
      return fail(400, "invalid chunk-size");
    case State::kSizeSpace:
      // BWS is allowed only before an extension's ';'.
      if (++extension_bytes_ > kMaxExtensionBytes) {
        return fail(400, "chunk extension too long");
      }
      if (c == ';') return State::kExtension;
      if (is_ows(c)) return State::kSizeSpace;
      return fail(400, "invalid chunk-size");
    case State::kExtension:
      if (++extension_bytes_ > kMaxExtensionBytes) {
        return fail(400, "chunk extension too long");
      }
      if (c == '\r') return State::kSizeLf;
      if (is_field_char(c)) return State::kExtension;
      return fail(400, "invalid chunk extension");
    case State::kSizeLf:
      if (c != '\n') return fail(400, "bare CR");
      if (remaining_ == 0) return State::kTrailerStart;
      if (remaining_ > max_body_ - body_bytes_) {
        return fail(413, "body above the limit");
      }
      return State::kData;
    case State::kDataCr:
      if (c != '\r') return fail(400, "no CRLF after chunk data");
      return State::kDataLf;
    case State::kDataLf:
      if (c != '\n') return fail(400, "no CRLF after chunk data");
      size_digits_ = 0;
      extension_bytes_ = 0;
      return State::kSize;
    default:
      return state;  // not reached: decode() and step() handle the others
  }
}

// trailer-section = *( field-line CRLF ), then the final CRLF.
ChunkedDecoder::State ChunkedDecoder::step_trailer(State state, char c) {
  switch (state) {
    case State::kTrailerStart:
      if (c == '\r') return State::kFinalLf;
      if (is_tchar(c)) return State::kTrailerName;
      if (is_ows(c)) return fail(400, "trailer line starts with whitespace");
      return fail(400, "invalid trailer field");
    case State::kTrailerName:
      if (is_tchar(c)) return State::kTrailerName;
      if (c == ':') return State::kTrailerValue;
      return fail(400, "invalid trailer field name");
    case State::kTrailerValue:
      if (c == '\r') return State::kTrailerLf;
      if (is_field_char(c)) return State::kTrailerValue;
      return fail(400, "invalid trailer field value");
    case State::kTrailerLf:
      if (c != '\n') return fail(400, "bare CR");
      return State::kTrailerStart;
    case State::kFinalLf:
      if (c != '\n') return fail(400, "bare CR");
      return State::kDone;
    default:
      return state;  // not reached: step() sends only trailer states here
  }
}

}  // namespace gale::http
