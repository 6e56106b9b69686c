// Application routing: literal fast path, regex captures, route order.
#include "http/application.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace gale::http {
namespace {

template <int N>
class Numbered : public RequestHandler {
 public:
  static constexpr int kNumber = N;
};

int number_of(const HandlerFactory* factory) {
  if (factory == nullptr) return -1;
  std::unique_ptr<RequestHandler> handler = (*factory)();
  if (dynamic_cast<Numbered<0>*>(handler.get())) return 0;
  if (dynamic_cast<Numbered<1>*>(handler.get())) return 1;
  if (dynamic_cast<Numbered<2>*>(handler.get())) return 2;
  if (dynamic_cast<Numbered<3>*>(handler.get())) return 3;
  return -2;
}

TEST(ApplicationTest, LiteralRoutesMatchExactlyAndNothingElse) {
  Application app(
      {{"/", make<Numbered<0>>()}, {"/health", make<Numbered<1>>()}});
  std::vector<std::string_view> captures;
  EXPECT_EQ(number_of(app.match("/", &captures)), 0);
  EXPECT_EQ(number_of(app.match("/health", &captures)), 1);
  EXPECT_EQ(number_of(app.match("/health/", &captures)), -1);
  EXPECT_EQ(number_of(app.match("/other", &captures)), -1);
}

TEST(ApplicationTest, RegexRoutesMatchTheWholePathAndCapture) {
  Application app({{R"(/user/(\d+)/post/(\w+))", make<Numbered<2>>()}});
  std::vector<std::string_view> captures;
  const std::string path = "/user/42/post/hello";
  EXPECT_EQ(number_of(app.match(path, &captures)), 2);
  ASSERT_EQ(captures.size(), 2u);
  EXPECT_EQ(captures[0], "42");
  EXPECT_EQ(captures[1], "hello");
  EXPECT_EQ(number_of(app.match("/user/42/post/hello/x", &captures)), -1);
  EXPECT_EQ(number_of(app.match("/user/x/post/y", &captures)), -1);
}

TEST(ApplicationTest, TheFirstMatchingRouteWinsWhateverItsKind) {
  Application app({{"/a/.*", make<Numbered<0>>()},
                   {"/a/b", make<Numbered<1>>()},
                   {"/c", make<Numbered<2>>()},
                   {"/.*", make<Numbered<3>>()}});
  std::vector<std::string_view> captures;
  EXPECT_EQ(number_of(app.match("/a/b", &captures)), 0) << "the regex is first";
  EXPECT_EQ(number_of(app.match("/c", &captures)), 2) << "the literal is first";
  EXPECT_EQ(number_of(app.match("/zzz", &captures)), 3);
}

TEST(ApplicationTest, AnUnmatchedOptionalGroupCapturesNothing) {
  Application app({{R"(/page(/(\d+))?)", make<Numbered<0>>()}});
  std::vector<std::string_view> captures;
  EXPECT_EQ(number_of(app.match("/page", &captures)), 0);
  ASSERT_EQ(captures.size(), 2u);
  EXPECT_TRUE(captures[1].empty());
}

TEST(ApplicationTest, AnInvalidRegexIsAStatus) {
  auto app = Application::create({{"/(unclosed", make<Numbered<0>>()}});
  ASSERT_FALSE(app.ok());
  EXPECT_EQ(app.status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace gale::http
