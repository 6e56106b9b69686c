// ChunkedDecoder: an incremental decoder of the chunked transfer coding
// (RFC 9112 §7.1) — a body sent as hex-sized chunks, a last chunk "0", and
// optional trailer fields. Takes the bytes in any pieces, keeps no input
// buffered (its state is a few integers), and appends the decoded data.
//
//   gale::http::ChunkedDecoder decoder(/*max_body=*/16 << 20);
//   std::string body;
//   // ... for each piece of input after the head:
//   gale::http::DecodeResult result = decoder.decode(input, &body);
//   if (result.status != 0) { /* answer result.status, close */ }
//   input.remove_prefix(result.consumed);
//   if (result.done) { /* `body` is complete; `input` is the next request */ }
//
// Strict like RequestParser: a chunk-size is 1*HEXDIG and nothing else but
// extensions, every line ends with CRLF, chunk data is followed by CRLF.
// Extensions are validated loosely (no CTL) and ignored; trailer fields are
// checked against the field-line grammar and discarded (RFC 9110 §6.5.1
// lets a recipient discard them).
//
// Thread contract: none of its own (a value owned by one connection).
#ifndef GALE_HTTP_CHUNKED_DECODER_H_
#define GALE_HTTP_CHUNKED_DECODER_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace gale::http {

struct DecodeResult {
  // Bytes of the input used: all of it unless done (the bytes after the
  // body are the next request's) or failed (the bytes up to the error).
  size_t consumed = 0;
  // The last chunk and the trailer section have been read.
  bool done = false;
  // 0, or the status to answer: 400 (malformed), 413 (body above max_body),
  // 431 (trailer section above max_trailer_bytes). Once set, every later
  // call fails the same way until reset().
  int status = 0;
  std::string_view reason;  // static text, for a log or reason phrase
};

class ChunkedDecoder {
 public:
  // Longest chunk-size line's extension part (after the size), in bytes:
  // extensions are ignored, but must not make a line endless.
  static constexpr size_t kMaxExtensionBytes = 1024;

  explicit ChunkedDecoder(uint64_t max_body, size_t max_trailer_bytes = 8192);

  // Decodes as much of `input` as it can, appending the data to *body.
  // After done, consumes nothing and stays done until reset().
  DecodeResult decode(std::string_view input, std::string* body);

  // Ready for the next body.
  void reset();

  // Decoded bytes so far.
  uint64_t body_bytes() const { return body_bytes_; }

 private:
  enum class State : uint8_t {
    kSize,          // hex digits of the chunk-size
    kSizeSpace,     // BWS after the size: only ';' may follow
    kExtension,     // ";name=value..." up to CR
    kSizeLf,        // LF after the size line's CR
    kData,          // `remaining_` bytes of chunk data
    kDataCr,        // CR after the data
    kDataLf,        // LF after the data
    kTrailerStart,  // start of a trailer line (or the final CRLF)
    kTrailerName,   // field-name up to ':'
    kTrailerValue,  // field-value up to CR
    kTrailerLf,     // LF after a trailer field's CR
    kFinalLf,       // LF of the empty line that ends the body
    kDone,
    kFailed,
  };

  // One byte of framing (anything but data): the next state, or kFailed
  // with status_ and reason_ set.
  State step(State state, char c);
  State step_chunk(State state, char c);
  State step_trailer(State state, char c);
  State fail(int status, std::string_view reason);

  uint64_t max_body_;
  size_t max_trailer_bytes_;
  State state_ = State::kSize;
  int size_digits_ = 0;
  uint64_t remaining_ = 0;  // chunk-size, then data bytes still to come
  uint64_t body_bytes_ = 0;
  size_t extension_bytes_ = 0;
  size_t trailer_bytes_ = 0;
  int status_ = 0;
  std::string_view reason_;
};

}  // namespace gale::http

#endif  // GALE_HTTP_CHUNKED_DECODER_H_
