// The bytes the echo load client sends: a fixed function of the connection and
// the position in its stream, so that every echoed byte can be checked with
// memcmp against a table rather than recomputed byte by byte.
//
//   gale::bench::BytePattern pattern(64 << 10);
//   send(fd, pattern.at(connection, sent), span, MSG_NOSIGNAL);  // span <= 64
//   KiB bool same = std::memcmp(echoed, pattern.at(connection, received), n) ==
//   0;
//
// Read-only after construction, so client threads share one.
#ifndef GALE_BENCH_NET_BYTE_PATTERN_H_
#define GALE_BENCH_NET_BYTE_PATTERN_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "bench/common/bench_util.h"

namespace gale::bench {

class BytePattern {
 public:
  // `max_span`: the longest range any caller reads from at().
  explicit BytePattern(size_t max_span)
      : max_span_(max_span), bytes_(kPeriod + max_span) {
    // Random bytes: a stream echoed shifted, duplicated or mixed with another
    // connection's differs in ~255 of 256 bytes.
    SplitMix64 random(42);
    for (size_t i = 0; i < kPeriod; ++i) {
      bytes_[i] = static_cast<uint8_t>(random.next());
    }
    // The tail repeats the head, so a span that runs past the period's end
    // goes on with the stream's next bytes.
    for (size_t i = kPeriod; i < bytes_.size(); ++i) {
      bytes_[i] = bytes_[i - kPeriod];
    }
  }

  // The bytes of `connection`'s stream from `position` on; valid for
  // max_span() bytes.
  const uint8_t* at(uint64_t connection, uint64_t position) const {
    return bytes_.data() +
           (position + connection * kConnectionStride) % kPeriod;
  }

  size_t max_span() const { return max_span_; }

 private:
  // A stream repeats itself every kPeriod bytes. Data lost or duplicated in
  // whole periods still shows, as a short count or as more bytes echoed than
  // sent; only a reordering by exactly a period would not.
  static constexpr uint64_t kPeriod = 1 << 20;
  // A prime, so the 10,000 connections of echo_idle start at distinct offsets.
  static constexpr uint64_t kConnectionStride = 4099;

  size_t max_span_;
  std::vector<uint8_t> bytes_;
};

}  // namespace gale::bench

#endif  // GALE_BENCH_NET_BYTE_PATTERN_H_
