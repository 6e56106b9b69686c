// Request: what a RequestHandler reads of the request it answers — method,
// path (percent-decoded), query arguments, headers, body, and the route's
// captures. Views point into the connection's buffers and live as long as
// the handler does.
//
//   gale::Task<> get() override {
//     std::string_view agent = request().header("User-Agent");
//     std::string_view page = request().query_arg("page");   // "" if absent
//     std::string_view id = path_args()[0];                  // (\d+) in the
//     route
//     ...
//   }
//
// Thread contract: Reactor thread only (the connection's).
#ifndef GALE_HTTP_REQUEST_H_
#define GALE_HTTP_REQUEST_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/request_head.h"

namespace gale::http {

class Request {
 public:
  using Args = std::vector<std::pair<std::string, std::string>>;

  Request(const RequestHead& head, std::string_view body, std::string_view path)
      : head_(head), body_(body), path_(path) {}

  Method method() const { return head_.method; }
  std::string_view method_name() const { return head_.method_text; }
  // The request target as sent, and its parts.
  std::string_view uri() const { return head_.target; }
  std::string_view path() const { return path_; }         // percent-decoded
  std::string_view query() const { return head_.query; }  // raw
  // HTTP/1.<minor>.
  int version_minor() const { return head_.version_minor; }
  std::string_view host() const { return head_.host; }

  // The first field named `name` (case-insensitive), or "".
  std::string_view header(std::string_view name) const {
    const Header* found = head_.find(name);
    return found != nullptr ? found->value : std::string_view();
  }
  const std::vector<Header>& headers() const { return head_.headers; }

  std::string_view body() const { return body_; }

  // The decoded query arguments (parsed on first use).
  const Args& query_args() const;
  // The first value of query argument `name`, or "".
  std::string_view query_arg(std::string_view name) const;

 private:
  const RequestHead& head_;
  std::string_view body_;
  std::string_view path_;
  mutable Args args_;
  mutable bool args_parsed_ = false;
};

}  // namespace gale::http

#endif  // GALE_HTTP_REQUEST_H_
