// Response serialization: status line, Date, Content-Length, HEAD, chunked,
// HTTP/1.0 keep-alive, Connection: close, header replacement and injection.
#include "http/response.h"

#include <gtest/gtest.h>

#include <string>

namespace gale::http {
namespace {

// The response without its Date line (it changes every second).
std::string without_date(std::string text) {
  const size_t date = text.find("Date: ");
  if (date != std::string::npos)
    text.erase(date, text.find("\r\n", date) + 2 - date);
  return text;
}

TEST(ResponseTest, AWholeResponseHasItsLengthAndBody) {
  Response response;
  response.reset(/*head_request=*/false, /*version_minor=*/1);
  response.append_body("Hello, world");
  std::string out;
  response.serialize_into(out);
  EXPECT_EQ(without_date(out),
            "HTTP/1.1 200 OK\r\nServer: Gale\r\n"
            "Content-Type: text/html; charset=UTF-8\r\n"
            "Content-Length: 12\r\n\r\nHello, world");
  EXPECT_NE(out.find("Date: "), std::string::npos);
  EXPECT_TRUE(response.finished());
}

TEST(ResponseTest, HeadKeepsTheLengthAndDropsTheBody) {
  Response response;
  response.reset(/*head_request=*/true, 1);
  response.append_body("Hello, world");
  std::string out;
  response.serialize_into(out);
  EXPECT_NE(out.find("Content-Length: 12\r\n"), std::string::npos);
  EXPECT_EQ(out.substr(out.size() - 4), "\r\n\r\n");
}

TEST(ResponseTest, HeadersReplaceAndRefuseLineBreaks) {
  Response response;
  response.reset(false, 1);
  response.set_header("Content-Type", "text/plain");
  response.set_header("content-type", "application/json");
  response.set_header("X-Evil", "a\r\nSet-Cookie: b");
  std::string out;
  response.serialize_into(out);
  EXPECT_EQ(out.find("text/plain"), std::string::npos);
  EXPECT_NE(out.find("content-type: application/json\r\n"), std::string::npos);
  EXPECT_EQ(out.find("text/html"), std::string::npos);
  EXPECT_EQ(out.find("Set-Cookie"), std::string::npos);
}

TEST(ResponseTest, ClosingAndHttp10KeepAliveAreSaid) {
  Response response;
  response.reset(false, 1);
  response.set_close(true);
  std::string out;
  response.serialize_into(out);
  EXPECT_NE(out.find("Connection: close\r\n"), std::string::npos);

  response.reset(false, 0);
  out.clear();
  response.serialize_into(out);
  EXPECT_EQ(out.rfind("HTTP/1.0 200 OK\r\n", 0), 0u);
  EXPECT_NE(out.find("Connection: keep-alive\r\n"), std::string::npos);
}

TEST(ResponseTest, FlushedPiecesGoOutChunked) {
  Response response;
  response.reset(false, 1);
  std::string out;
  response.append_body("part one");
  response.serialize_chunk_into(out);
  response.append_body("two");
  response.serialize_end_into(out);
  EXPECT_NE(out.find("Transfer-Encoding: chunked\r\n"), std::string::npos);
  EXPECT_EQ(out.find("Content-Length"), std::string::npos);
  EXPECT_NE(out.find("\r\n\r\n8\r\npart one\r\n3\r\ntwo\r\n0\r\n\r\n"),
            std::string::npos)
      << out;
}

TEST(ResponseTest, Http10StreamingEndsWithTheConnection) {
  Response response;
  response.reset(false, 0);
  std::string out;
  response.append_body("raw");
  response.serialize_end_into(out);
  EXPECT_TRUE(response.closing());
  EXPECT_EQ(out.find("chunked"), std::string::npos);
  EXPECT_EQ(out.substr(out.size() - 3), "raw");
}

TEST(ResponseTest, NoBodyStatusesHaveNoLength) {
  Response response;
  response.reset(false, 1);
  response.set_status(204);
  std::string out;
  response.serialize_into(out);
  EXPECT_EQ(out.find("Content-Length"), std::string::npos);
  EXPECT_EQ(out.rfind("HTTP/1.1 204 No Content\r\n", 0), 0u);
}

}  // namespace
}  // namespace gale::http
