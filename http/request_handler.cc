#include "http/request_handler.h"

#include "absl/strings/str_cat.h"
#include "http/status.h"
#include "net/errno_status.h"
#include "net/io_stream.h"

namespace gale::http {
namespace {

// The message may echo the request: no markup gets through.
std::string escape_html(std::string_view text) {
  std::string escaped;
  for (char c : text) {
    switch (c) {
      case '<':
        escaped += "&lt;";
        break;
      case '>':
        escaped += "&gt;";
        break;
      case '&':
        escaped += "&amp;";
        break;
      case '"':
        escaped += "&quot;";
        break;
      default:
        escaped += c;
    }
  }
  return escaped;
}

}  // namespace

// The methods a handler does not override: 405, as Tornado answers.
Task<void> RequestHandler::get() {
  send_error(405);
  co_return;
}
Task<void> RequestHandler::head() { co_await get(); }
Task<void> RequestHandler::post() {
  send_error(405);
  co_return;
}
Task<void> RequestHandler::put() {
  send_error(405);
  co_return;
}
Task<void> RequestHandler::patch() {
  send_error(405);
  co_return;
}
Task<void> RequestHandler::del() {
  send_error(405);
  co_return;
}
Task<void> RequestHandler::options() {
  send_error(405);
  co_return;
}

void RequestHandler::send_error(int status, std::string_view message) {
  if (response_->headers_sent()) {  // too late for a status: cut it short
    response_->set_close(true);
    finished_ = true;
    return;
  }
  response_->clear_body();
  response_->set_status(status);
  const std::string_view phrase = reason_phrase(status);
  response_->append_body(absl::StrCat(
      "<html><title>", status, ": ", to_absl(phrase), "</title><body>", status,
      ": ", escape_html(message.empty() ? phrase : message), "</body></html>"));
  finished_ = true;
}

Task<absl::Status> RequestHandler::flush() {
  std::string& out = *scratch_;
  out.clear();
  response_->serialize_chunk_into(out);
  (void)co_await stream_->write(std::string_view(out));
  co_return co_await stream_->flush();
}

}  // namespace gale::http
