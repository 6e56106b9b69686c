// percent_decode and parse_query: escapes in either case, malformed escapes,
// '+' only where asked, and the splitting of query strings.
#include "http/percent.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gale::http {
namespace {

using namespace std::string_view_literals;
using Args = std::vector<std::pair<std::string, std::string>>;

std::string decoded(std::string_view in, bool plus_as_space = false) {
  std::string out = "stale";
  EXPECT_TRUE(percent_decode(in, &out, plus_as_space)) << in;
  return out;
}

TEST(PercentTest, DecodesEscapesInEitherCase) {
  EXPECT_EQ(decoded("/a%20b"), "/a b");
  EXPECT_EQ(decoded("%41%62%7e%7E"), "Ab~~");
  EXPECT_EQ(decoded("%e2%82%AC"), "\xe2\x82\xac");
  EXPECT_EQ(decoded("%25"), "%");
  EXPECT_EQ(decoded("%2525"), "%25");  // decoded once only
}

TEST(PercentTest, EncodedSlashBecomesSlash) {
  EXPECT_EQ(decoded("/a%2Fb%2fc"), "/a/b/c");
}

TEST(PercentTest, PlainTextIsCopiedAndOutIsReplaced) {
  EXPECT_EQ(decoded(""), "");
  EXPECT_EQ(decoded("/plain/path"), "/plain/path");
}

TEST(PercentTest, NulAndHighBytesDecode) {
  EXPECT_EQ(decoded("a%00b"), "a\0b"sv);
  EXPECT_EQ(decoded("%ff"), "\xff");
}

TEST(PercentTest, PlusIsSpaceOnlyWhenAsked) {
  EXPECT_EQ(decoded("a+b"), "a+b");
  EXPECT_EQ(decoded("a+b", true), "a b");
  EXPECT_EQ(decoded("a%2Bb", true), "a+b");
  EXPECT_EQ(decoded("++", true), "  ");
}

TEST(PercentTest, MalformedEscapesFail) {
  std::string out;
  for (std::string_view bad : {"%"sv, "%2"sv, "a%"sv, "%zz"sv, "%2g"sv, "%g2"sv,
                               "abc%4"sv, "% 20"sv, "%%20"sv, "%-1"sv}) {
    EXPECT_FALSE(percent_decode(bad, &out, false)) << bad;
    EXPECT_FALSE(percent_decode(bad, &out, true)) << bad;
  }
}

TEST(PercentTest, ParseQuerySplitsAndDecodes) {
  Args args;
  ASSERT_TRUE(parse_query("q=a+b&lang=en%2Dgb&x=%26%3D", &args));
  EXPECT_EQ(args, (Args{{"q", "a b"}, {"lang", "en-gb"}, {"x", "&="}}));
}

TEST(PercentTest, ParseQueryKeepsOrderAndRepeats) {
  Args args;
  ASSERT_TRUE(parse_query("a=1&b=2&a=3", &args));
  EXPECT_EQ(args, (Args{{"a", "1"}, {"b", "2"}, {"a", "3"}}));
}

TEST(PercentTest, ParseQueryNameWithoutValue) {
  Args args;
  ASSERT_TRUE(parse_query("flag&x=&=v&k=a=b", &args));
  EXPECT_EQ(args, (Args{{"flag", ""}, {"x", ""}, {"", "v"}, {"k", "a=b"}}));
}

TEST(PercentTest, ParseQuerySkipsEmptyPairs) {
  Args args = {{"stale", "pair"}};
  ASSERT_TRUE(parse_query("&&a=1&&&b=2&", &args));
  EXPECT_EQ(args, (Args{{"a", "1"}, {"b", "2"}}));
  ASSERT_TRUE(parse_query("", &args));
  EXPECT_TRUE(args.empty());
  ASSERT_TRUE(parse_query("&", &args));
  EXPECT_TRUE(args.empty());
}

TEST(PercentTest, ParseQueryFailsOnMalformedEscape) {
  Args args;
  EXPECT_FALSE(parse_query("a=1&b=%zz", &args));
  EXPECT_FALSE(parse_query("%=1", &args));
}

}  // namespace
}  // namespace gale::http
