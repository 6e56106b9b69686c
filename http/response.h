// Response: what a handler has said so far about its answer — status,
// headers, body — and how it goes out: one Content-Length response at the
// end, or, after a flush(), chunked. The connection owns one and reuses its
// buffers request after request, so building a response allocates nothing in
// steady state. Handlers reach it through RequestHandler's methods.
//
//   response.set_status(201);
//   response.set_header("Location", "/items/7");
//   response.append_body("created");
//   response.serialize_into(stream_bytes);   // by the connection
//
// Thread contract: Reactor thread only (the connection's).
#ifndef GALE_HTTP_RESPONSE_H_
#define GALE_HTTP_RESPONSE_H_

#include <string>
#include <string_view>

namespace gale::http {

class Response {
 public:
  // Forgets the previous response (keeps the buffers' memory).
  void reset(bool head_request, int version_minor);

  void set_status(int status) { status_ = status; }
  int status() const { return status_; }
  // Replaces a header the handler set before (Content-Type's default too).
  void set_header(std::string_view name, std::string_view value);
  void append_body(std::string_view bytes) { body_.append(bytes); }
  // Drops the body written so far (an error replaces it).
  void clear_body() { body_.clear(); }
  size_t body_size() const { return body_.size(); }

  // The connection closes after this response.
  void set_close(bool close) { close_ = close; }
  bool closing() const { return close_; }

  bool headers_sent() const { return headers_sent_; }
  bool finished() const { return finished_; }

  // Whole response (status line, headers, Content-Length, body unless HEAD)
  // appended to `out`. Marks it finished.
  void serialize_into(std::string& out);
  // Streaming: the headers (chunked, or Connection: close for HTTP/1.0) the
  // first time, then the body so far as one chunk; the body buffer is emptied.
  void serialize_chunk_into(std::string& out);
  // Streaming end: the last chunk. Marks it finished.
  void serialize_end_into(std::string& out);

 private:
  void serialize_head_into(std::string& out, bool chunked);

  int status_ = 200;
  int version_minor_ = 1;
  bool head_request_ = false;
  bool close_ = false;
  bool headers_sent_ = false;
  bool chunked_ = false;
  bool finished_ = false;
  bool has_content_type_ = false;
  std::string header_lines_;  // "Name: value\r\n" each
  std::string body_;
};

}  // namespace gale::http

#endif  // GALE_HTTP_RESPONSE_H_
