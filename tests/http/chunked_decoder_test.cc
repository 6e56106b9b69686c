// ChunkedDecoder: the chunked grammar accepted and rejected rule by rule,
// limits at and past the boundary, and every split of sample bodies (one
// and two split points, and byte by byte) decoding to the same result.
#include "http/chunked_decoder.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace gale::http {
namespace {

using namespace std::string_view_literals;

struct Outcome {
  std::string body;
  size_t consumed = 0;
  bool done = false;
  int status = 0;
};

// Decodes `input` in one call.
Outcome decode_all(std::string_view input, uint64_t max_body = 1 << 20,
                   size_t max_trailer_bytes = 8192) {
  ChunkedDecoder decoder(max_body, max_trailer_bytes);
  Outcome outcome;
  DecodeResult result = decoder.decode(input, &outcome.body);
  outcome.consumed = result.consumed;
  outcome.done = result.done;
  outcome.status = result.status;
  if (result.status != 0) {
    EXPECT_FALSE(result.reason.empty());
  }
  return outcome;
}

// Decodes `input` cut at the given points, feeding what each call left
// unconsumed back with the next piece, as a connection would.
Outcome decode_split(std::string_view input, std::initializer_list<size_t> cuts,
                     uint64_t max_body = 1 << 20) {
  ChunkedDecoder decoder(max_body);
  Outcome outcome;
  size_t from = 0;
  std::vector<size_t> ends(cuts);
  ends.push_back(input.size());
  for (size_t end : ends) {
    DecodeResult result =
        decoder.decode(input.substr(from, end - from), &outcome.body);
    outcome.consumed += result.consumed;
    outcome.done = result.done;
    outcome.status = result.status;
    if (result.done || result.status != 0) break;
    EXPECT_EQ(result.consumed, end - from);  // all of it, while not done
    from = end;
  }
  return outcome;
}

void expect_same(const Outcome& a, const Outcome& b) {
  EXPECT_EQ(a.body, b.body);
  EXPECT_EQ(a.consumed, b.consumed);
  EXPECT_EQ(a.done, b.done);
  EXPECT_EQ(a.status, b.status);
}

// Every one-cut and two-cut split, and byte by byte, agree with one call.
void expect_every_split_agrees(std::string_view input) {
  Outcome whole = decode_all(input);
  for (size_t i = 0; i <= input.size(); ++i) {
    SCOPED_TRACE("cut at " + std::to_string(i));
    expect_same(decode_split(input, {i}), whole);
    for (size_t j = i; j <= input.size(); j += 3) {
      expect_same(decode_split(input, {i, j}), whole);
    }
  }
  ChunkedDecoder decoder(1 << 20);
  Outcome bytewise;
  for (size_t i = 0; i < input.size(); ++i) {
    DecodeResult result = decoder.decode(input.substr(i, 1), &bytewise.body);
    bytewise.consumed += result.consumed;
    bytewise.done = result.done;
    bytewise.status = result.status;
    if (result.done || result.status != 0) break;
  }
  expect_same(bytewise, whole);
}

TEST(ChunkedDecoderTest, DecodesChunksAndStopsAfterTheBody) {
  std::string_view input = "5\r\nhello\r\n7\r\n, world\r\n0\r\n\r\nGET /next";
  Outcome outcome = decode_all(input);
  EXPECT_TRUE(outcome.done);
  EXPECT_EQ(outcome.status, 0);
  EXPECT_EQ(outcome.body, "hello, world");
  EXPECT_EQ(input.substr(outcome.consumed), "GET /next");
}

TEST(ChunkedDecoderTest, EmptyBodyIsJustTheLastChunk) {
  Outcome outcome = decode_all("0\r\n\r\n");
  EXPECT_TRUE(outcome.done);
  EXPECT_EQ(outcome.body, "");
  EXPECT_EQ(outcome.consumed, 5u);
  EXPECT_TRUE(decode_all("000\r\n\r\n").done);
}

TEST(ChunkedDecoderTest, HexSizesInEitherCase) {
  std::string data(0x1aF, 'x');
  Outcome outcome = decode_all("1aF\r\n" + data + "\r\n0\r\n\r\n");
  EXPECT_TRUE(outcome.done);
  EXPECT_EQ(outcome.body, data);
  EXPECT_EQ(decode_all("0A\r\n0123456789\r\n0\r\n\r\n").body, "0123456789");
}

TEST(ChunkedDecoderTest, IncompleteInputWaitsForMore) {
  Outcome outcome = decode_all("5\r\nhel");
  EXPECT_FALSE(outcome.done);
  EXPECT_EQ(outcome.status, 0);
  EXPECT_EQ(outcome.consumed, 6u);
  EXPECT_EQ(outcome.body, "hel");
}

TEST(ChunkedDecoderTest, ChunkSizeMustBeHexDigitsOnly) {
  for (std::string_view bad :
       {"\r\n\r\n"sv, "x\r\n"sv, " 5\r\nhello\r\n0\r\n\r\n"sv,
        "5x\r\nhello\r\n0\r\n\r\n"sv, "+5\r\nhello\r\n0\r\n\r\n"sv, "-1\r\n"sv,
        "0x5\r\nhello\r\n0\r\n\r\n"sv, ";x\r\n"sv,
        "5 \r\nhello\r\n0\r\n\r\n"sv}) {
    SCOPED_TRACE(bad);
    Outcome outcome = decode_all(bad);
    EXPECT_EQ(outcome.status, 400);
    EXPECT_FALSE(outcome.done);
  }
}

TEST(ChunkedDecoderTest, ChunkSizeOverflowIs400) {
  EXPECT_EQ(decode_all("10000000000000000\r\n", UINT64_MAX).status, 400);
  // The largest size is accepted (and then waits for its data).
  Outcome largest = decode_all("ffffffffffffffff\r\nab", UINT64_MAX);
  EXPECT_EQ(largest.status, 0);
  EXPECT_EQ(largest.body, "ab");
  // Leading zeros do not overflow, but are bounded.
  EXPECT_EQ(decode_all(std::string(32, '0') + "5\r\nhello\r\n0\r\n\r\n").status,
            400);
  EXPECT_TRUE(
      decode_all(std::string(31, '0') + "5\r\nhello\r\n0\r\n\r\n").done);
}

TEST(ChunkedDecoderTest, ExtensionsAreAcceptedAndIgnored) {
  Outcome outcome = decode_all(
      "5;name=value\r\nhello\r\n"
      "1 ; a ; b=\"quoted; string\"\r\n!\r\n"
      "0;last\r\n\r\n");
  EXPECT_TRUE(outcome.done);
  EXPECT_EQ(outcome.status, 0);
  EXPECT_EQ(outcome.body, "hello!");
}

TEST(ChunkedDecoderTest, ExtensionLengthIsBounded) {
  std::string at = std::string(ChunkedDecoder::kMaxExtensionBytes - 1, 'e');
  EXPECT_TRUE(decode_all("1;" + at + "\r\nx\r\n0\r\n\r\n").done);
  EXPECT_EQ(decode_all("1;" + at + "e\r\nx\r\n0\r\n\r\n").status, 400);
  // The bound applies to every chunk line, not the body as a whole.
  EXPECT_TRUE(decode_all("1;" + at + "\r\nx\r\n0;" + at + "\r\n\r\n").done);
  EXPECT_EQ(decode_all("1" + std::string(2000, ' ') + ";a\r\n").status, 400);
}

TEST(ChunkedDecoderTest, ControlCharactersInExtensionAre400) {
  EXPECT_EQ(decode_all("1;a\x01\r\nx\r\n0\r\n\r\n").status, 400);
  EXPECT_EQ(decode_all("1;a\nx\r\n0\r\n\r\n").status, 400);
  EXPECT_EQ(decode_all("1;a\0\r\nx\r\n0\r\n\r\n"sv).status, 400);
}

TEST(ChunkedDecoderTest, LinesEndWithCrlf) {
  EXPECT_EQ(decode_all("5\nhello\r\n0\r\n\r\n").status, 400);
  EXPECT_EQ(decode_all("5\rhello\r\n0\r\n\r\n").status, 400);
  EXPECT_EQ(decode_all("0\r\n\n").status, 400);
  EXPECT_EQ(decode_all("0\r\n\rx").status, 400);
  EXPECT_EQ(decode_all("0\n\r\n").status, 400);
}

TEST(ChunkedDecoderTest, MissingCrlfAfterDataIs400) {
  EXPECT_EQ(decode_all("5\r\nhelloX\r\n0\r\n\r\n").status, 400);
  EXPECT_EQ(decode_all("5\r\nhello\rX0\r\n\r\n").status, 400);
  EXPECT_EQ(decode_all("5\r\nhello\n0\r\n\r\n").status, 400);
  EXPECT_EQ(decode_all("3\r\nhello\r\n0\r\n\r\n").status, 400);  // too long
}

TEST(ChunkedDecoderTest, TrailerFieldsAreParsedAndDiscarded) {
  Outcome outcome = decode_all(
      "2\r\nhi\r\n0\r\nExpires: never\r\nX-Checksum:\tabc \r\nEmpty:\r\n\r\n"
      "rest");
  EXPECT_TRUE(outcome.done);
  EXPECT_EQ(outcome.body, "hi");
  std::string_view input =
      "2\r\nhi\r\n0\r\nExpires: never\r\nX-Checksum:\tabc \r\nEmpty:\r\n\r\n"
      "rest";
  EXPECT_EQ(input.substr(outcome.consumed), "rest");
}

TEST(ChunkedDecoderTest, MalformedTrailerFieldsAre400) {
  for (std::string_view bad :
       {"0\r\nName : v\r\n\r\n"sv, "0\r\n: v\r\n\r\n"sv,
        "0\r\n folded\r\n\r\n"sv, "0\r\nA: v\r\n\tfolded\r\n\r\n"sv,
        "0\r\nNo colon\r\n\r\n"sv, "0\r\nA: v\x01\r\n\r\n"sv,
        "0\r\nA: v\nB: w\r\n\r\n"sv, "0\r\nA(b): v\r\n\r\n"sv,
        "0\r\nA: \0\r\n\r\n"sv}) {
    SCOPED_TRACE(bad);
    EXPECT_EQ(decode_all(bad).status, 400);
  }
}

TEST(ChunkedDecoderTest, TrailerSectionAboveTheLimitIs431) {
  // The section counts every byte after the last chunk's line: the fields
  // and the final CRLF.
  std::string field = "X: " + std::string(13, 'v') + "\r\n";  // 18 bytes
  ASSERT_EQ(field.size(), 18u);
  EXPECT_TRUE(decode_all("0\r\n" + field + "\r\n", 1024, 20).done);
  Outcome past = decode_all("0\r\n" + field + "\r\n", 1024, 19);
  EXPECT_EQ(past.status, 431);
  // An endless trailer fails as soon as it passes the limit.
  EXPECT_EQ(decode_all("0\r\nX: " + std::string(9000, 'v')).status, 431);
}

TEST(ChunkedDecoderTest, BodyAtMaxBodyIsAcceptedOnePastIs413) {
  EXPECT_TRUE(decode_all("5\r\nhello\r\n5\r\nworld\r\n0\r\n\r\n", 10).done);
  Outcome past = decode_all("5\r\nhello\r\n6\r\nworld!\r\n0\r\n\r\n", 10);
  EXPECT_EQ(past.status, 413);
  EXPECT_EQ(past.body, "hello");  // rejected at the size, before the data
  EXPECT_EQ(decode_all("ffffffffffffffff\r\n").status, 413);
}

TEST(ChunkedDecoderTest, ErrorIsSticky) {
  ChunkedDecoder decoder(1024);
  std::string body;
  DecodeResult first = decoder.decode("zz", &body);
  EXPECT_EQ(first.status, 400);
  EXPECT_EQ(first.consumed, 0u);
  DecodeResult again = decoder.decode("0\r\n\r\n", &body);
  EXPECT_EQ(again.status, 400);
  EXPECT_EQ(again.consumed, 0u);
  EXPECT_FALSE(again.done);
}

TEST(ChunkedDecoderTest, DoneConsumesNothingMoreUntilReset) {
  ChunkedDecoder decoder(1024);
  std::string body;
  DecodeResult result = decoder.decode("1\r\na\r\n0\r\n\r\n", &body);
  ASSERT_TRUE(result.done);
  EXPECT_EQ(decoder.body_bytes(), 1u);
  result = decoder.decode("1\r\nb\r\n0\r\n\r\n", &body);
  EXPECT_TRUE(result.done);
  EXPECT_EQ(result.consumed, 0u);
  EXPECT_EQ(body, "a");

  decoder.reset();
  EXPECT_EQ(decoder.body_bytes(), 0u);
  result = decoder.decode("1\r\nb\r\n0\r\n\r\n", &body);
  EXPECT_TRUE(result.done);
  EXPECT_EQ(body, "ab");
}

TEST(ChunkedDecoderTest, ResetClearsAnError) {
  ChunkedDecoder decoder(1024);
  std::string body;
  ASSERT_EQ(decoder.decode("q", &body).status, 400);
  decoder.reset();
  DecodeResult result = decoder.decode("0\r\n\r\n", &body);
  EXPECT_TRUE(result.done);
  EXPECT_EQ(result.status, 0);
}

TEST(ChunkedDecoderTest, EverySplitOfValidBodiesAgrees) {
  for (std::string_view sample :
       {"5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\nT: v\r\n\r\nNEXT"sv,
        "1\r\na\r\n1\r\nb\r\n10\r\n0123456789abcdef\r\n0\r\n\r\n"sv,
        "0\r\n\r\n"sv}) {
    SCOPED_TRACE(sample);
    Outcome whole = decode_all(sample);
    EXPECT_TRUE(whole.done);
    expect_every_split_agrees(sample);
  }
}

TEST(ChunkedDecoderTest, EverySplitOfInvalidBodiesAgrees) {
  for (std::string_view sample :
       {"5\r\nhelloXX0\r\n\r\n"sv, "5\r\nhello\r\n0\r\nBad Name: v\r\n\r\n"sv,
        "5 x\r\nhello\r\n"sv}) {
    SCOPED_TRACE(sample);
    EXPECT_EQ(decode_all(sample).status, 400);
    expect_every_split_agrees(sample);
  }
}

}  // namespace
}  // namespace gale::http
