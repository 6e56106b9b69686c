// ConnectionAccess: how the connection loop hands a RequestHandler what it
// works on and reads back whether it finished. Internal.
//
// Thread contract: Reactor thread only.
#ifndef GALE_HTTP_INTERNAL_CONNECTION_ACCESS_H_
#define GALE_HTTP_INTERNAL_CONNECTION_ACCESS_H_

#include <string>
#include <string_view>
#include <vector>

#include "http/request_handler.h"

namespace gale::http::internal {

class ConnectionAccess {
 public:
  static void bind(RequestHandler& handler, const Request& request,
                   Response& response, IOStream& stream,
                   const std::vector<std::string_view>& path_args,
                   std::string& scratch) {
    handler.request_ = &request;
    handler.response_ = &response;
    handler.stream_ = &stream;
    handler.path_args_ = &path_args;
    handler.scratch_ = &scratch;
  }
  static bool finished(const RequestHandler& handler) {
    return handler.finished_;
  }
  static void send_error(RequestHandler& handler, int status) {
    handler.send_error(status);
  }
};

}  // namespace gale::http::internal

#endif  // GALE_HTTP_INTERNAL_CONNECTION_ACCESS_H_
